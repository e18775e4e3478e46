"""tf.ConditionalAccumulator: values, staleness, blocking and op names as TF 2.21 gives
them (hand-checked against TF; the conformance part runs TF when importable)."""
import threading
import time

import numpy as np
import pytest

import flowgraph as tf

EXEMPT = {n: "tests/ops/test_accumulator_ops.py (stateful session resource)" for n in (
    "ResourceConditionalAccumulator", "ResourceAccumulatorApplyGradient",
    "ResourceAccumulatorTakeGradient", "ResourceAccumulatorNumAccumulated",
    "ResourceAccumulatorSetGlobalStep")}


def _program(lib):
    """Runs the same accumulator program on `lib`; returns what it saw and the op names."""
    g = lib.Graph()
    with g.as_default():
        acc = lib.ConditionalAccumulator(lib.float32, shape=[2], shared_name="a")
        total = lib.ConditionalAccumulator(lib.float32, shape=[2], reduction_type="SUM")
        ap1 = acc.apply_grad(lib.constant([1.0, 2.0]), local_step=0)
        ap2 = acc.apply_grad(lib.constant([3.0, 5.0]), local_step=0)
        late = acc.apply_grad(lib.constant([7.0, 7.0]), local_step=3)
        take2, take1 = acc.take_grad(2), acc.take_grad(1)
        n = acc.num_accumulated()
        set5 = acc.set_global_step(5)
        sums = [total.apply_grad(lib.constant([1.0, 1.0])), total.take_grad(2)]
        seen = []
        with lib.Session() as sess:
            sess.run(ap1)
            sess.run(ap2)
            seen.append(sess.run(n))
            seen.append(sess.run(take2).tolist())     # mean of two; step 0 -> 1
            sess.run(ap1)                              # local_step 0 < 1: dropped
            seen.append(sess.run(n))
            sess.run(late)
            seen.append(sess.run(take1).tolist())
            sess.run(set5)
            sess.run(late)                             # 3 < 5: dropped
            seen.append(sess.run(n))
            sess.run(sums[0])
            sess.run(sums[0])
            seen.append(sess.run(sums[1]).tolist())
        names = [op.name for op in g.get_operations()]
        return seen, names, (take2.shape.as_list(), acc.accumulator_ref.shape.as_list())


def test_accumulator_values_and_staleness():
    seen, names, shapes = _program(tf)
    assert seen == [2, [2.0, 3.5], 0, [7.0, 7.0], 0, [2.0, 2.0]]
    assert shapes == ([2], [2])
    assert "conditional_accumulator_NumAccumulated" in names
    assert "ResourceAccumulatorTakeGradient/num_required" in names


def test_accumulator_matches_tf():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    assert _program(tf) == _program(tf1)  # (in a tf1.Graph: no global v1 switch)


def test_take_grad_waits_for_enough_gradients():
    acc = tf.ConditionalAccumulator(tf.float64, shape=[])
    apply_op = acc.apply_grad(tf.constant(4.0, tf.float64))
    take = acc.take_grad(2)
    with tf.Session() as sess:
        got = []
        t = threading.Thread(target=lambda: got.append(sess.run(take)))
        t.start()
        sess.run(apply_op)
        time.sleep(0.2)
        assert not got  # one gradient is not enough
        sess.run(apply_op)
        t.join(5)
        assert got == [4.0]
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_required must be pos"):
            sess.run(acc.take_grad(0))
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(take, options=tf.RunOptions(timeout_in_ms=100))


def test_accumulator_shape_checks():
    acc = tf.ConditionalAccumulator(tf.float32, shape=[2])
    with pytest.raises(ValueError):
        acc.apply_grad(tf.constant([1.0, 2.0, 3.0]))
    x = tf.placeholder(tf.float32, [None])
    op = acc.apply_grad(x)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Shape mismatch"):
            sess.run(op, {x: np.ones(3, np.float32)})
