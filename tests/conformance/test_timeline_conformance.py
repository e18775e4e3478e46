"""flowgraph's Timeline on TF's own StepStats gives TF's Chrome trace (processes and op
events)."""
import json

import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

from flowgraph.client import timeline  # noqa: E402


def test_same_trace_as_tf_timeline():
    from tensorflow.python.client import timeline as tf_timeline
    g = tf1.Graph()
    with g.as_default():
        x = tf1.placeholder(tf1.float32, [2, 3], name="x")
        with tf1.name_scope("layer"):
            y = tf1.matmul(x, tf1.ones([3, 4]), name="mm")
        z = tf1.reduce_sum(tf1.nn.relu(y))
        md = tf1.RunMetadata()
        with tf1.Session(graph=g) as sess:
            sess.run(z, {x: [[1, 2, 3], [4, 5, 6]]}, run_metadata=md,
                     options=tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE))
    want = json.loads(tf_timeline.Timeline(md.step_stats).generate_chrome_trace_format(
        show_dataflow=False))["traceEvents"]
    got = json.loads(timeline.Timeline(md.step_stats).generate_chrome_trace_format(
        show_dataflow=False))["traceEvents"]
    assert [e for e in got if e["ph"] == "M"] == [e for e in want if e["ph"] == "M"]
    assert [e for e in got if e["ph"] == "X"] == [e for e in want if e["ph"] == "X"]
