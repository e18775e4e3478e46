"""`benchmarks/run.py --profile CASE`: where a case's flowgraph step spends its time.

Builds the case's flowgraph contender with every `Session.run` traced
(`RunOptions.trace_level=FULL_TRACE`), runs it `steps` times, and prints the time per op
type (summed over the traced steps, from `RunMetadata.step_stats`), the time each graph
optimizer pass took when the case's plans were compiled, and what the optimizer did
(nodes before and after)."""
import collections
import time


def profile(case, env, steps=20):
    """Runs `case`'s flowgraph setup under tracing and prints the tables."""
    fg = env.fg
    from flowgraph.runtime import session as session_mod
    sessions, compiles = [], []
    orig_run, orig_compile = session_mod.BaseSession.run, session_mod.compile_plan
    per_type = collections.defaultdict(lambda: [0, 0.0])  # op type -> [count, µs]

    def traced_run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if self not in sessions:
            sessions.append(self)
        if options is not None or run_metadata is not None:
            return orig_run(self, fetches, feed_dict, options, run_metadata)
        md = fg.RunMetadata()
        out = orig_run(self, fetches, feed_dict,
                       fg.RunOptions(trace_level=fg.RunOptions.FULL_TRACE), md)
        if record[0]:
            for dev in md.step_stats.dev_stats:
                for ns in dev.node_stats:
                    op_type = ns.timeline_label.split(" = ", 1)[1].split("(", 1)[0]
                    per_type[op_type][0] += 1
                    per_type[op_type][1] += ns.op_end_rel_micros
        return out

    def timed_compile(*args, **kwargs):
        t0 = time.perf_counter()
        plan = orig_compile(*args, **kwargs)
        compiles.append((time.perf_counter() - t0, plan))
        return plan

    record = [False]
    session_mod.BaseSession.run, session_mod.compile_plan = traced_run, timed_compile
    try:
        step = case.setups["flowgraph"](env)
        record[0] = True
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        wall = (time.perf_counter() - t0) / steps
    finally:
        session_mod.BaseSession.run, session_mod.compile_plan = orig_run, orig_compile
    _print(case, steps, wall, per_type, compiles)


def _print(case, steps, wall, per_type, compiles):
    total = sum(us for _, us in per_type.values()) or 1.0
    print(f"# {case.name}: {steps} traced steps, {wall * 1e3:.2f} ms per step (traced)\n")
    print("| op type | ops per step | µs per step | share |")
    print("|---|---:|---:|---:|")
    for op_type, (n, us) in sorted(per_type.items(), key=lambda kv: -kv[1][1]):
        print(f"| {op_type} | {n / steps:.0f} | {us / steps:.1f} | {100 * us / total:.1f}% |")
    passes = collections.defaultdict(lambda: [0.0, 0])
    before = after = 0
    for _, plan in compiles:
        stats = plan.optimizer_stats
        if stats is None:
            continue
        before, after = before + stats.nodes_before, after + stats.nodes_after
        for name, s, n in stats.passes:
            passes[name][0] += s
            passes[name][1] += n
    print(f"\n{len(compiles)} plans compiled in {sum(t for t, _ in compiles) * 1e3:.1f} ms; "
          f"graph optimizer: {before} nodes -> {after}\n")
    print("| optimizer pass | CPU ms | rewrites |")
    print("|---|---:|---:|")
    for name, (s, n) in passes.items():
        print(f"| {name} | {s * 1e3:.2f} | {n} |")
