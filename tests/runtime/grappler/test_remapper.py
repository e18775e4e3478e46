"""The remapper: MatMul + bias add (+ activation) chains run as `_FusedMatMul`, with the
values of the unfused plan; chains whose inner values someone else reads, tiny or float64
products, and chains across control edges stay as they are."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.proto.rewriter_config_pb2 import RewriterConfig
from tests.runtime.grappler.helpers import config, op_types, run

_rng = np.random.default_rng(2)
X = _rng.standard_normal((40, 48)).astype(np.float32)
W = (_rng.standard_normal((48, 32)) * 0.3).astype(np.float32)
B = _rng.standard_normal(32).astype(np.float32)
W2 = (_rng.standard_normal((32, 10)) * 0.2).astype(np.float32)
OFF = {"remapping": RewriterConfig.OFF}

_ACTS = {"Relu": tf.nn.relu, "Relu6": tf.nn.relu6, "Elu": tf.nn.elu, "Tanh": tf.tanh,
         "Sigmoid": tf.sigmoid, "LeakyRelu": lambda v: tf.nn.leaky_relu(v, 0.1)}
_NP = {"Relu": lambda v: np.maximum(v, 0), "Relu6": lambda v: np.clip(v, 0, 6),
       "Elu": lambda v: np.where(v < 0, np.expm1(v), v), "Tanh": np.tanh,
       "Sigmoid": lambda v: 1 / (1 + np.exp(-v)), "LeakyRelu": lambda v: np.where(v < 0,
                                                                                  0.1 * v, v)}


def _layer(add, act=None, x_shape=(None, 48)):
    x = tf.placeholder(tf.float32, x_shape, name="x")
    p = tf.matmul(x, tf.constant(W))
    y = add(p, tf.constant(B))
    return x, (_ACTS[act](y) if act else y)


_ADDS = {"BiasAdd": tf.nn.bias_add, "AddV2": lambda p, b: p + b,
         "AddV2_left": lambda p, b: b + p}


@pytest.mark.parametrize("act", [None] + sorted(_ACTS))
@pytest.mark.parametrize("add", sorted(_ADDS))
def test_chains_fuse_and_equal_the_unfused_plan(add, act):
    x, y = _layer(_ADDS[add], act)
    got, plan = run(y, {x: X})
    want, plain = run(y, {x: X}, **OFF)
    assert op_types(plan) == ["_FusedMatMul"]
    assert "_FusedMatMul" not in op_types(plain)
    fused = plan.ops[0]
    assert fused.get_attr("fused_ops") == ["BiasAdd"] + ([act] if act else [])
    assert fused.name == y.op.name  # named after the chain's last op, as TF's remapper
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    ref = X.astype(np.float64) @ W + B
    np.testing.assert_allclose(got, _NP[act](ref) if act else ref, rtol=1e-4, atol=1e-4)


def test_transposed_operands_keep_their_flags():
    x = tf.placeholder(tf.float32, [48, None])
    y = tf.nn.relu(tf.matmul(x, tf.constant(W.T.copy()), transpose_a=True,
                             transpose_b=True) + B)
    got, plan = run(y, {x: X.T.copy()})
    assert op_types(plan) == ["_FusedMatMul"]
    np.testing.assert_allclose(got, np.maximum(X @ W + B, 0), rtol=1e-4, atol=1e-4)


def test_inner_values_read_elsewhere_stop_the_fusion():
    x, y = _layer(_ADDS["AddV2"], "Relu")
    pre = y.op.inputs[0]  # the biased product, before the activation
    (got, got_pre), plan = run([y, pre], {x: X})  # fetched: it must exist
    assert op_types(plan) == ["Relu", "_FusedMatMul"]  # MatMul + bias still fuse
    np.testing.assert_allclose(got, np.maximum(got_pre, 0))
    product = pre.op.inputs[0]
    _, plan = run([y, product], {x: X})
    assert "_FusedMatMul" not in op_types(plan)
    x, y = _layer(_ADDS["AddV2"], "Relu")
    other = tf.reduce_sum(y.op.inputs[0].op.inputs[0])  # a second reader of the product
    _, plan = run([y, other], {x: X})
    assert "_FusedMatMul" not in op_types(plan)


def test_fed_inner_values_and_control_edges_stop_the_fusion():
    x, y = _layer(_ADDS["AddV2"], "Relu")
    pre = y.op.inputs[0]
    got, plan = run(y, {x: X, pre: np.ones((40, 32), np.float32)})
    assert op_types(plan) == ["Relu"]
    np.testing.assert_array_equal(got, np.ones((40, 32)))
    x = tf.placeholder(tf.float32, [None, 48])
    p = tf.matmul(x, tf.constant(W))
    b = tf.constant(B)
    counter = tf.Variable(0)
    with tf.control_dependencies([counter.assign_add(1)]):  # a side effect to wait for
        y = p + b
    got, plan = run([y, counter], {x: X})
    assert "_FusedMatMul" not in op_types(plan) and got[1] == 1


def test_tiny_and_float64_products_keep_the_plain_ops():
    x, y = _layer(_ADDS["AddV2"], "Relu", x_shape=(2, 48))  # 2 x 32: known to be tiny
    _, plan = run(y, {x: X[:2]})
    assert "_FusedMatMul" not in op_types(plan)
    x = tf.placeholder(tf.float64, [None, 48])
    y = tf.nn.relu(tf.matmul(x, tf.constant(W.astype(np.float64))) + B.astype(np.float64))
    _, plan = run(y, {x: X.astype(np.float64)})
    assert "_FusedMatMul" not in op_types(plan)


def test_training_steps_equal_the_unfused_plan():
    """An MLP with Adam: forward chains fuse (the gradient reads only the activation's
    output), and every step's variables equal the unoptimized plan's."""
    results = []
    for kw in ({}, OFF):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [None, 48])
            w1 = tf.Variable(W)
            b1 = tf.Variable(B)
            w2 = tf.Variable(W2)
            h = tf.nn.relu(tf.matmul(x, w1) + b1)
            loss = tf.reduce_mean(tf.square(tf.matmul(h, w2) + 0.5))
            train = tf.train.AdamOptimizer(0.01).minimize(loss)
            with tf.Session(graph=g, config=config(**kw)) as s:
                s.run(tf.global_variables_initializer())
                for _ in range(3):
                    s.run(train, {x: X})
                plan = s._plans[next(k for k in reversed(list(s._plans)))]
                vals = s.run([w1, b1, w2, loss], {x: X})
        results.append((vals, plan))
    (fused, plan), (plain, plain_plan) = results
    assert op_types(plan).count("_FusedMatMul") == 1
    assert "_FusedMatMul" not in op_types(plain_plan)
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
