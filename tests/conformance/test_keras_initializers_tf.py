"""keras.initializers / activations / constraints against tf_keras 2.21 in TF1 graph mode:
initializer classes by name (class, config), exact values of the deterministic ones, the
random ops (types, seed attrs) of seeded ones (flowgraph's generators are not TF's, so
their numbers differ), statistics of draws; activation values; constraint
projections and configs."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()
from tf_keras.api._v1 import keras as k1

import flowgraph as fg
from flowgraph.keras import activations, constraints, initializers

NAMES = ["zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
         "variance_scaling", "orthogonal", "identity", "glorot_uniform", "glorot_normal",
         "lecun_normal", "lecun_uniform", "he_normal", "he_uniform", "normal", "uniform",
         "Zeros", "GlorotUniform", "HeNormal", "RandomNormal"]


def run(lib, build):
    g = lib.Graph()
    with g.as_default():
        out = build()
        with lib.Session(graph=g) as sess:
            return sess.run(out)


@pytest.mark.parametrize("name", NAMES)
def test_get_by_name(name):
    ours, theirs = initializers.get(name), k1.initializers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()
    assert initializers.serialize(ours) == k1.initializers.serialize(theirs)


SEEDED = [("RandomNormal", {"seed": 3}), ("RandomUniform", {"seed": 4}),
          ("TruncatedNormal", {"seed": 5, "stddev": 2.0}),
          ("GlorotUniform", {"seed": 6}), ("GlorotNormal", {"seed": 7}),
          ("HeNormal", {"seed": 8}), ("HeUniform", {"seed": 9}), ("LecunNormal", {"seed": 1}),
          ("LecunUniform", {"seed": 2}), ("VarianceScaling", {"seed": 3, "mode": "fan_avg",
                                                              "distribution": "uniform"}),
          ("Orthogonal", {"seed": 11, "gain": 2.0}), ("Identity", {"gain": 3.0}),
          ("Constant", {"value": 2.5}), ("Ones", {}), ("Zeros", {})]


def ops_of(lib, build):
    g = lib.Graph()
    with g.as_default():
        build()
    return [(op.type, op.get_attr("seed"), op.get_attr("seed2")) for op in g.get_operations()
            if op.type.startswith(("Random", "Truncated"))]


@pytest.mark.parametrize("name,kwargs", SEEDED, ids=[n for n, _ in SEEDED])
def test_seeded(name, kwargs):
    shape = (5, 4) if name != "Identity" else (4, 4)
    ours = lambda: getattr(initializers, name)(**kwargs)(shape)
    theirs = lambda: type(k1.initializers.get(name))(**kwargs)(shape)
    a, b = run(fg, ours), run(tf1, theirs)
    assert a.shape == b.shape and a.dtype == b.dtype
    fops, tops = ops_of(fg, ours), ops_of(tf1, theirs)
    assert fops == tops
    if fops:
        np.testing.assert_array_equal(a, run(fg, ours))  # the seed fixes the values
    else:
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert getattr(initializers, name)(**kwargs).get_config() == \
        type(k1.initializers.get(name))(**kwargs).get_config()
    if name == "Orthogonal":
        q = a / 2.0
        np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)


@pytest.mark.parametrize("name,std", [("he_normal", np.sqrt(2 / 400)),
                                      ("glorot_uniform", np.sqrt(2 / 600)),
                                      ("lecun_uniform", np.sqrt(1 / 400)),
                                      ("random_normal", 0.05)])
def test_unseeded_statistics(name, std):
    a = run(fg, lambda: initializers.get(name)((400, 200)))
    assert abs(a.mean()) < 0.01 * std * 10 and abs(a.std() / std - 1) < 0.03


ACTS = ["relu", "elu", "selu", "softplus", "softsign", "swish", "tanh", "sigmoid",
        "exponential", "hard_sigmoid", "linear", "softmax", "mish"]


@pytest.mark.parametrize("name", ACTS)
def test_activation(name):
    x = np.linspace(-3, 3, 24, dtype="float32").reshape(4, 6)
    a = run(fg, lambda: activations.get(name)(fg.constant(x)))
    b = run(tf1, lambda: k1.activations.get(name)(tf1.constant(x)))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert activations.serialize(activations.get(name)) == \
        k1.activations.serialize(k1.activations.get(name))


def test_activation_options():
    x = np.linspace(-3, 3, 24, dtype="float32").reshape(4, 6)
    for f in (lambda m, t: m.relu(t, alpha=0.1, max_value=2.0, threshold=0.5),
              lambda m, t: m.elu(t, alpha=0.3), lambda m, t: m.softmax(t, axis=0),
              lambda m, t: m.softmax(t, axis=(0, 1))):
        np.testing.assert_allclose(run(fg, lambda: f(activations, fg.constant(x))),
                                   run(tf1, lambda: f(k1.activations, tf1.constant(x))),
                                   rtol=1e-5, atol=1e-6)


CONSTRAINTS = [("MaxNorm", {"max_value": 1.5}), ("MaxNorm", {"axis": 1}), ("NonNeg", {}),
               ("UnitNorm", {}), ("UnitNorm", {"axis": [0, 1]}),
               ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.0, "rate": 0.5})]


@pytest.mark.parametrize("name,kwargs", CONSTRAINTS, ids=[n for n, _ in CONSTRAINTS])
def test_constraint(name, kwargs):
    w = np.random.RandomState(0).randn(4, 3).astype("float32")
    a = run(fg, lambda: getattr(constraints, name)(**kwargs)(fg.constant(w)))
    b = run(tf1, lambda: getattr(k1.constraints, name)(**kwargs)(tf1.constant(w)))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert getattr(constraints, name)(**kwargs).get_config() == \
        getattr(k1.constraints, name)(**kwargs).get_config()
    assert type(constraints.get(name)).__name__ == type(k1.constraints.get(name)).__name__
