"""Chrome trace (chrome://tracing, Perfetto) of a traced run, as TF's `timeline` module.

    opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    md = tf.RunMetadata()
    sess.run(train_op, options=opts, run_metadata=md)
    trace = timeline.Timeline(md.step_stats).generate_chrome_trace_format()
    open("timeline.json", "w").write(trace)

One process per device ("<device> Compute", plus "<device> Tensors" and "Allocators" as
TF lays them out), one complete event ("ph": "X") per op with `ts`/`dur` in microseconds
and `args` holding the node name, op type and inputs, and flow arrows between threads or
devices that pass a tensor."""
import json
import re

__all__ = ["Timeline"]

_LABEL = re.compile(r"^(.*?) = (\S*)\((.*)\)$", re.S)


def _parse_label(label, node_name, graph):
    """(op type, input names) from a "name = Op(a, b)" timeline label."""
    m = _LABEL.match(label or "")
    if m:
        inputs = [s.strip() for s in m.group(3).split(",") if s.strip()]
        return m.group(2), inputs
    if graph is not None:
        try:
            op = graph.get_operation_by_name(node_name)
            return op.type, [t.op.name for t in op.inputs]
        except (KeyError, ValueError):
            pass
    return "unknown", []


class Timeline:
    """Turns `StepStats` (from `RunMetadata.step_stats`) into a Chrome trace."""

    def __init__(self, step_stats, graph=None):
        if hasattr(step_stats, "step_stats") and not hasattr(step_stats, "dev_stats"):
            step_stats = step_stats.step_stats  # a whole RunMetadata
        self._step_stats = step_stats
        self._graph = graph

    def generate_chrome_trace_format(self, show_dataflow=True, show_memory=False,
                                     op_time="schedule"):
        """The trace as a JSON string. `show_memory` and `op_time` are accepted for TF
        compatibility: flowgraph records no allocations and runs kernels synchronously,
        so every `op_time` shows the same span."""
        if op_time not in ("schedule", "gpu", "all"):
            raise ValueError(f"Unsupported op_time {op_time!r}: use 'schedule', 'gpu' or "
                             "'all'")
        events = [{"name": "process_name", "ph": "M", "pid": 0,
                   "args": {"name": "Allocators"}}]
        pids = {}
        for dev in self._step_stats.dev_stats:
            if dev.device not in pids:
                pid = 1 + 2 * len(pids)
                pids[dev.device] = pid
                events.append({"name": "process_name", "ph": "M", "pid": pid,
                               "args": {"name": f"{dev.device} Compute"}})
                events.append({"name": "process_name", "ph": "M", "pid": pid + 1,
                               "args": {"name": f"{dev.device} Tensors"}})
        producers = {}  # node name -> (pid, tid, end time)
        flow_id = 0
        for dev in self._step_stats.dev_stats:
            pid = pids[dev.device]
            for ns in dev.node_stats:
                op_type, inputs = _parse_label(ns.timeline_label, ns.node_name, self._graph)
                start = int(ns.all_start_micros)
                dur = int(ns.all_end_rel_micros)
                tid = int(ns.thread_id)
                args = {"name": ns.node_name, "op": op_type}
                for i, name in enumerate(inputs):
                    args[f"input{i}"] = name
                events.append({"ph": "X", "cat": "Op", "name": op_type, "pid": pid,
                               "tid": tid, "ts": start, "dur": dur, "args": args})
                if show_dataflow:
                    for name in inputs:
                        src = producers.get(name.lstrip("^").split(":")[0])
                        if src is None or src[:2] == (pid, tid):
                            continue
                        flow_id += 1
                        events.append({"ph": "s", "cat": "DataFlow", "name": name,
                                       "pid": src[0], "tid": src[1], "ts": src[2],
                                       "id": flow_id})
                        events.append({"ph": "t", "cat": "DataFlow", "name": name,
                                       "pid": pid, "tid": tid, "ts": start, "id": flow_id})
                producers[ns.node_name] = (pid, tid, start + dur)
        return json.dumps({"traceEvents": events}, indent=4)
