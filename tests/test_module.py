"""tf.Module: names, scopes and variable/sub-module walks, against TF."""
import pytest

import flowgraph as tf

PROGRAM = '''
class Dense(tf.Module):
    def __init__(self, n, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.w = tf.Variable(tf.ones([2, n]), name="w")
            self.b = tf.Variable(tf.zeros([n]), name="b", trainable=False)

    @tf.Module.with_name_scope
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


class Deep(tf.Module):
    def __init__(self):
        super().__init__()
        self.inner = Dense(2, name="inner")


class MLPModel(tf.Module):
    def __init__(self):
        super().__init__()
        self.l1 = Dense(3)
        self.layers = [Dense(4, name="d2"), {"x": Deep()}]
        self.again = self.l1
        self.z = Dense(1)

m = MLPModel()
y = m.l1(tf.ones([1, 2]))
out = [m.name, m.l1.name, m.z.name, m.l1.w.name, m.layers[0].w.name,
       [v.name for v in m.variables], [v.name for v in m.trainable_variables],
       [s.name for s in m.submodules], y.name]
try:
    tf.Module(name="a b")
except ValueError as e:
    out.append(type(e).__name__)
'''


def _run(mod):
    env = {"tf": mod}
    with mod.Graph().as_default():
        exec(PROGRAM, env)
    return env["out"]


def test_module_hand_checked():
    out = _run(tf)
    assert out[:5] == ["mlp_model", "dense", "dense", "dense/w:0", "d2/w:0"]
    assert out[7] == ["dense", "d2", "deep", "dense", "inner"]
    assert out[-1] == "ValueError"


def test_module_same_as_tensorflow():
    tft = pytest.importorskip("tensorflow").compat.v1
    assert _run(tf) == _run(tft)
