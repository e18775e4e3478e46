"""The driver: RewriterConfig switches (TF's field names), pass order and the Pass API."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.proto.rewriter_config_pb2 import RewriterConfig
from flowgraph.runtime import grappler
from flowgraph.runtime.grappler import driver
from tests.runtime.grappler.helpers import op_types

X = np.arange(6, dtype=np.float32).reshape(2, 3)


def _graph():
    x = tf.placeholder(tf.float32, [2, 3])
    c = tf.exp(tf.constant(1.0))  # constfold
    y = tf.identity(x) * 1.0  # dependency, arithmetic
    z = tf.square(x) + tf.square(x)  # common_subgraph_elimination
    return x, (y + z) * c


def _plan(**fields):
    x, out = _graph()
    rw = RewriterConfig(**fields)
    cfg = tf.ConfigProto(graph_options=tf.GraphOptions(rewrite_options=rw))
    with tf.Session(config=cfg) as s:
        got = s.run(out, {x: X})
        plan = next(iter(s._plans.values()))
    np.testing.assert_allclose(got, (X + 2 * X ** 2) * np.e, rtol=1e-6)
    return plan


def test_defaults_run_every_pass():
    plan = _plan()
    assert op_types(plan) == ["AddV2", "AddV2", "Mul", "Square"]
    ran = {name for name, _, _ in plan.optimizer_stats.passes}
    assert {"constfold", "arithmetic", "dependency", "common_subgraph_elimination",
            "shape"} <= ran


@pytest.mark.parametrize("field,kept", [
    ("constant_folding", "Exp"), ("arithmetic_optimization", "Mul"),
    ("common_subgraph_elimination", "Square"), ("dependency_optimization", "Identity")])
def test_each_toggle_switches_its_pass_off(field, kept):
    on = op_types(_plan()).count(kept)
    tf.reset_default_graph()
    off = op_types(_plan(**{field: RewriterConfig.OFF})).count(kept)
    assert off == on + 1


def test_meta_optimizer_off_and_the_optimizers_list():
    assert len(op_types(_plan(disable_meta_optimizer=True))) == 8
    tf.reset_default_graph()
    plan = _plan(optimizers=["constfold"])
    assert {n for n, _, _ in plan.optimizer_stats.passes} == {"constfold"}
    assert "Exp" not in op_types(plan) and "Identity" in op_types(plan)


def test_small_graphs_are_skipped_unless_min_graph_nodes_says_otherwise():
    x = tf.placeholder(tf.float32, [])
    y = tf.identity(x)
    with tf.Session() as s:  # 1 node: under TF's default of 4
        assert s.run(y, {x: 2.0}) == 2.0
        assert op_types(next(iter(s._plans.values()))) == ["Identity"]
    cfg = tf.ConfigProto(graph_options=tf.GraphOptions(
        rewrite_options=RewriterConfig(min_graph_nodes=-1)))
    with tf.Session(config=cfg) as s:
        assert s.run(y, {x: 2.0}) == 2.0
        assert op_types(next(iter(s._plans.values()))) == []


def test_one_iteration():
    plan = _plan(meta_optimizer_iterations=RewriterConfig.ONE)
    names = [n for n, _, _ in plan.optimizer_stats.passes]
    assert len(names) == len(set(names))


def test_a_failing_pass_leaves_the_plan_unoptimized_or_raises_when_asked(monkeypatch):
    @grappler.register_pass
    class Broken(grappler.Pass):
        name = "broken_for_test"
        order = 1

        def run(self, view):
            raise RuntimeError("boom")
    try:
        assert len(op_types(_plan())) == 8
        tf.reset_default_graph()
        with pytest.raises(RuntimeError, match="boom"):
            _plan(fail_on_optimizer_errors=True)
    finally:
        driver._PASSES[:] = [p for p in driver._PASSES if p.name != "broken_for_test"]


def test_registering_a_pass_twice_is_an_error():
    with pytest.raises(KeyError):
        grappler.register_pass(type("Again", (grappler.Pass,), {"name": "constfold"}))


def test_passes_run_in_order_and_a_new_pass_sees_the_view():
    seen = []

    @grappler.register_pass
    class Count(grappler.Pass):
        name = "count_for_test"
        order = 45  # after CSE (40), before dependency (50)

        def run(self, view):
            seen.append(sorted(n.type for n in view.nodes))
            return 0
    try:
        names = [p.name for p in grappler.passes()]
        assert names.index("common_subgraph_elimination") < names.index("count_for_test") \
            < names.index("dependency")
        _plan()
        assert seen[0].count("Square") == 1 and "Exp" not in seen[0]
    finally:
        driver._PASSES[:] = [p for p in driver._PASSES if p.name != "count_for_test"]


def test_rewrite_options_round_trip_with_tf():
    tf_config = pytest.importorskip("tensorflow.core.protobuf.config_pb2")
    ours = tf.ConfigProto(graph_options=tf.GraphOptions(rewrite_options=RewriterConfig(
        constant_folding=RewriterConfig.OFF, min_graph_nodes=-1,
        optimizers=["constfold", "dependency"], meta_optimizer_iterations=RewriterConfig.ONE)))
    theirs = tf_config.ConfigProto.FromString(ours.SerializeToString())
    rw = theirs.graph_options.rewrite_options
    assert rw.constant_folding == 2 and rw.min_graph_nodes == -1
    assert list(rw.optimizers) == ["constfold", "dependency"]
    assert rw.meta_optimizer_iterations == 1
    assert tf.ConfigProto.FromString(theirs.SerializeToString()) == ours
