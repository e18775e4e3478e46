"""flowgraph.client.timeline: a Chrome trace from a traced Session.run."""
import json

import flowgraph as tf
from flowgraph.client import timeline


def _traced_run(config=tf.ConfigProto(device_count={"GPU": 0})):
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    with tf.device("/cpu:1" if config.device_count.get("CPU", 1) > 1 else None):
        with tf.name_scope("layer"):
            y = tf.matmul(x, tf.ones([3, 4]), name="mm")
    z = tf.reduce_sum(tf.nn.relu(y), name="total")
    opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    md = tf.RunMetadata()
    with tf.Session(config=config) as sess:
        sess.run(z, {x: [[1, 2, 3], [4, 5, 6]]}, options=opts, run_metadata=md)
    return md


def test_trace_has_a_process_per_device_and_an_event_per_op():
    md = _traced_run()
    trace = json.loads(timeline.Timeline(md.step_stats).generate_chrome_trace_format())
    events = trace["traceEvents"]
    procs = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M"}
    dev = md.step_stats.dev_stats[0].device
    assert procs == {0: "Allocators", 1: f"{dev} Compute", 2: f"{dev} Tensors"}
    ops = [e for e in events if e["ph"] == "X"]
    by_name = {e["args"]["name"]: e for e in ops}
    assert len(ops) == len(md.step_stats.dev_stats[0].node_stats)
    mm = by_name["layer/mm"]
    assert mm["name"] == "MatMul" and mm["cat"] == "Op" and mm["pid"] == 1
    assert mm["args"] == {"name": "layer/mm", "op": "MatMul", "input0": "x",
                          "input1": "layer/ones"}
    total = by_name["total"]
    assert total["name"] == "Sum" and total["args"]["input0"] == "Relu"
    stats = {n.node_name: n for n in md.step_stats.dev_stats[0].node_stats}
    assert mm["ts"] == stats["layer/mm"].all_start_micros
    assert mm["dur"] == stats["layer/mm"].all_end_rel_micros
    assert all(isinstance(e["ts"], int) and e["dur"] >= 0 for e in ops)
    assert mm["ts"] <= by_name["Relu"]["ts"] <= total["ts"]  # run order


def test_dataflow_between_devices():
    md = _traced_run(tf.ConfigProto(device_count={"CPU": 2, "GPU": 0}))
    tl = timeline.Timeline(md.step_stats)
    events = json.loads(tl.generate_chrome_trace_format())["traceEvents"]
    compute = {e["args"]["name"].split(" ")[0]: e["pid"] for e in events
               if e["ph"] == "M" and e["args"]["name"].endswith("Compute")}
    assert len(compute) == 2
    cpu1 = next(p for d, p in compute.items() if d.endswith("CPU:1"))
    starts = [e for e in events if e["ph"] == "s"]
    ends = [e for e in events if e["ph"] == "t"]
    assert starts and len(starts) == len(ends)
    s = next(e for e in starts if e["name"] == "layer/mm")
    t = next(e for e in ends if e["id"] == s["id"])
    assert s["pid"] == cpu1 and t["pid"] != cpu1 and t["ts"] >= s["ts"]
    quiet = json.loads(tl.generate_chrome_trace_format(show_dataflow=False))["traceEvents"]
    assert not [e for e in quiet if e["ph"] in "st"]


def test_accepts_run_metadata_and_unlabelled_stats():
    md = tf.RunMetadata()
    dev = md.step_stats.dev_stats.add(device="/device:CPU:0")
    dev.node_stats.add(node_name="n", all_start_micros=10, all_end_rel_micros=5)
    events = json.loads(timeline.Timeline(md).generate_chrome_trace_format())["traceEvents"]
    op, = [e for e in events if e["ph"] == "X"]
    assert (op["name"], op["ts"], op["dur"], op["args"]) == \
        ("unknown", 10, 5, {"name": "n", "op": "unknown"})
