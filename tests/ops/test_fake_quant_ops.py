"""Fake quantization: values and straight-through gradients against TF, plus a
hand-computed nudged range."""
import numpy as np
import pytest

import flowgraph as tf

# The gradients are TF's straight-through estimator (zero almost everywhere for the true
# derivative), so they are compared with TF's values, not with numeric differences.
_WHY = "test_fake_quant_ops.py (straight-through gradients compared with TF's values)"
EXEMPT = {n: _WHY for n in ("FakeQuantWithMinMaxArgs", "FakeQuantWithMinMaxArgsGradient",
                            "FakeQuantWithMinMaxVars", "FakeQuantWithMinMaxVarsGradient",
                            "FakeQuantWithMinMaxVarsPerChannel",
                            "FakeQuantWithMinMaxVarsPerChannelGradient")}

X = np.random.RandomState(0).uniform(-8, 8, (4, 6, 3)).astype(np.float32)
X[0, 0] = [0.0, -6.0, 6.0]


def test_hand_computed_nudge():
    # 2 bits, range [-1.5, 1.5]: scale 1, zero point 1.5 rounds up to 2, so the levels
    # are -2, -1, 0, 1; [-0.2, 0.7]: zero point 0.67 -> 1, levels -0.3, 0, 0.3, 0.6.
    with tf.Graph().as_default(), tf.Session() as s:
        a = s.run(tf.fake_quant_with_min_max_args([-3.0, -0.4, 0.6, 1.49, 9.0], min=-1.5,
                                                  max=1.5, num_bits=2))
        b = s.run(tf.fake_quant_with_min_max_args([-1.0, 0.14, 0.16, 0.5, 2.0], min=-0.2,
                                                  max=0.7, num_bits=2))
    np.testing.assert_allclose(a, [-2.0, 0.0, 1.0, 1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(b, [-0.3, 0.0, 0.3, 0.6, 0.6], atol=1e-6)


CONFIGS = [dict(num_bits=8, narrow_range=False), dict(num_bits=4, narrow_range=True),
           dict(num_bits=16, narrow_range=False), dict(num_bits=2, narrow_range=False)]
RANGES = [(-6.0, 6.0), (-1.0, 3.0), (0.5, 2.0), (-3.0, -0.25), (0.0, 0.0)]


def _program(mod, cfg, lo, hi, per_channel):
    g = mod.Graph()
    with g.as_default():
        x = mod.placeholder(mod.float32, [None, 6, 3])
        if per_channel:
            mn = mod.constant([lo, lo - 1.0, lo * 0.5])
            mx = mod.constant([hi, hi + 1.0, hi * 0.5])
            y = mod.fake_quant_with_min_max_vars_per_channel(x, mn, mx, **cfg)
        else:
            mn, mx = mod.constant(lo), mod.constant(hi)
            y = mod.fake_quant_with_min_max_vars(x, mn, mx, **cfg)
        z = mod.fake_quant_with_min_max_args(x, min=lo, max=hi, **cfg)
        w = mod.constant(np.arange(X.size, dtype=np.float32).reshape(X.shape))
        loss = mod.reduce_sum(y * w) + mod.reduce_sum(z * z)
        grads = mod.gradients(loss, [x, mn, mx])
        with mod.Session(graph=g) as s:
            out = s.run([y, z] + grads, {x: X})
    return out, [t.shape.as_list() for t in [y, z] + grads], [t.op.type for t in grads]


@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
@pytest.mark.parametrize("lo,hi", RANGES)
def test_same_as_tensorflow(cfg, lo, hi, per_channel):
    tft = pytest.importorskip("tensorflow").compat.v1
    if lo == hi:   # an empty range fails at run time in both
        for mod in (tf, tft):
            with pytest.raises(mod.errors.InvalidArgumentError, match="min has to be "
                                                                      "smaller than max"):
                _program(mod, cfg, lo, hi, per_channel)
        return
    ours, theirs = _program(tf, cfg, lo, hi, per_channel), _program(tft, cfg, lo, hi,
                                                                   per_channel)
    assert ours[1:] == theirs[1:]
    # Known difference: with 16 bits, an input exactly on the edge of a range whose zero
    # point is a half-way case (-6 in [-6, 6]) lands one level (1.8e-4) off TF's (and the
    # gradient of z * z by twice that times z).
    atol = 5e-4 if cfg["num_bits"] == 16 else 1e-6
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=atol)
        assert np.mean(np.isclose(a, b, rtol=1e-6, atol=1e-6)) > 0.98


def test_errors():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        with pytest.raises(ValueError):
            tf.fake_quant_with_min_max_vars(x, [0.0, 1.0], 1.0)
        with pytest.raises(ValueError):
            tf.fake_quant_with_min_max_vars_per_channel(x, [0.0, 1.0], [1.0, 2.0])
        bad = tf.fake_quant_with_min_max_args(x, min=1.0, max=0.0)
        bits = tf.fake_quant_with_min_max_args(x, num_bits=1)
        with tf.Session() as s:
            for t in (bad, bits):
                with pytest.raises(tf.errors.InvalidArgumentError):
                    s.run(t, {x: [[1.0, 2.0, 3.0]]})
