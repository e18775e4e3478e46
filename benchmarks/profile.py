"""`python benchmarks/run.py --profile CASE`: where flowgraph's time goes in one case.

Runs the case's flowgraph callable `steps` times with every `Session.run` traced
(RunOptions FULL_TRACE), then prints the time per op type (summed over the ops of that
type, per call, from the step stats) and, for each plan the case's sessions compiled, the
graph optimizer's passes (seconds and rewrites). Times are wall time of each op's kernel
on a machine that may be busy: compare rows, not runs."""
import collections
import time


def profile(runner, name, steps=20):
    import flowgraph as fg
    from flowgraph.runtime import session as session_lib
    case = next((make() for make in runner.CASES if make().name == name), None)
    if case is None or "flowgraph" not in case.setups:
        raise SystemExit(f"no flowgraph case named {name!r}")
    env = runner.Env("default", with_tf=False)
    sessions, base = [], session_lib.BaseSession
    orig_init, orig_run = base.__init__, base.run

    def init(self, *a, **k):
        orig_init(self, *a, **k)
        sessions.append(self)
    base.__init__ = init
    try:
        fn = case.setups["flowgraph"](env)
    finally:
        base.__init__ = orig_init
    per_type, counts = collections.Counter(), collections.Counter()

    def traced(self, fetches, feed_dict=None, options=None, run_metadata=None):
        md = fg.RunMetadata()
        opts = fg.RunOptions(trace_level=fg.RunOptions.FULL_TRACE)
        out = orig_run(self, fetches, feed_dict, opts, md)
        for dev in md.step_stats.dev_stats:
            for n in dev.node_stats:
                op_type = n.timeline_label.split(" = ", 1)[-1].split("(", 1)[0]
                per_type[op_type] += n.op_end_rel_micros
                counts[op_type] += 1
        return out
    fn()  # warm (compiles any plan the first call needs)
    base.run = traced
    try:
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        total = (time.perf_counter() - t0) / steps * 1e6
    finally:
        base.run = orig_run
    lines = [f"{name}: {total:.1f} µs per call (traced), {steps} calls", "",
             "| op type | ops per call | µs per call | share |", "| --- | ---: | ---: | ---: |"]
    summed = sum(per_type.values()) or 1
    for op_type, us in per_type.most_common():
        lines.append(f"| {op_type} | {counts[op_type] / steps:.0f} | {us / steps:.1f} | "
                     f"{us / summed:.0%} |")
    lines += ["", "| plan | pass | ms | rewrites |", "| --- | --- | ---: | ---: |"]
    for k, s in enumerate(sessions):
        for p, plan in enumerate(s._plans.values()):
            stats = getattr(plan, "optimizer_stats", None)
            summed_passes = {}  # over the optimizer's iterations
            for pass_name, sec, n in (stats.passes if stats else ()):
                t, c = summed_passes.get(pass_name, (0.0, 0))
                summed_passes[pass_name] = (t + sec, c + n)
            for pass_name, (sec, n) in summed_passes.items():
                lines.append(f"| session {k} plan {p} ({len(plan.steps)} steps) | "
                             f"{pass_name} | {sec * 1e3:.2f} | {n} |")
    return "\n".join(lines)
