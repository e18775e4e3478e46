"""Top-level names TF1 programs stop at: tf.compat, versions, protos, arg_max/arg_min,
None inputs, var_list iterables, tf.train.summary_iterator — compared with real TF."""
import datetime
import pathlib

import numpy as np
import pytest

import flowgraph as tf

try:
    import tensorflow as _tf_real
    tft = _tf_real.compat.v1
except ImportError:   # the comparisons below skip
    tft = None

needs_tf = pytest.mark.skipif(tft is None, reason="needs real TensorFlow")


def test_compat_v1_is_flowgraph():
    import flowgraph.compat.v1 as v1
    from flowgraph.compat import v1 as v1b
    assert tf.compat.v1 is tf and v1 is tf and v1b is tf
    assert tf.compat.v1.compat.as_str(b"abc") == "abc"
    assert tf.compat.v1.placeholder is tf.placeholder


@pytest.mark.parametrize("fn,args", [
    ("as_bytes", ("héllo",)), ("as_bytes", (b"x",)), ("as_bytes", (bytearray(b"ab"),)),
    ("as_text", (b"h\xc3\xa9",)), ("as_str", ("x",)), ("as_str_any", (3,)),
    ("as_str_any", (b"by",)), ("path_to_str", (pathlib.Path("/a/b"),)),
    ("path_to_str", ("s",)), ("as_bytes", (3,)), ("as_text", (None,)),
])
@needs_tf
def test_compat_text_helpers(fn, args):
    def call(mod):
        try:
            return getattr(mod.compat, fn)(*args)
        except Exception as e:
            return type(e).__name__, str(e)
    assert call(tf) == call(tft)


@needs_tf
def test_compat_types_and_dimensions():
    for n in ("bytes_or_text_types", "complex_types", "integral_types", "real_types"):
        assert getattr(tf.compat, n) == getattr(tft.compat, n), n
    for shape, i in [([None, 2], 0), ([None, 2], 1), (None, 3), ([4], -1)]:
        ours = tf.compat.dimension_at_index(tf.TensorShape(shape), i)
        theirs = tft.compat.dimension_at_index(tft.TensorShape(shape), i)
        assert str(ours) == str(theirs) and ours.value == theirs.value
    assert tf.compat.dimension_value(tf.Dimension(3)) == 3
    assert tf.compat.dimension_value(tf.Dimension(None)) is None
    assert tf.compat.dimension_value(5) == 5


@needs_tf
def test_forward_compatibility():
    for date in [(2019, 1, 1), (2026, 1, 15), (2026, 1, 16), (2030, 1, 1)]:
        assert tf.compat.forward_compatible(*date) == tft.compat.forward_compatible(*date)
    with tf.compat.forward_compatibility_horizon(2031, 1, 1):
        assert tf.compat.forward_compatible(2030, 12, 31)
        with tf.compat.forward_compatibility_horizon(2000, 1, 1):
            assert not tf.compat.forward_compatible(2020, 1, 1)
        assert tf.compat.forward_compatible(2030, 12, 31)
    assert not tf.compat.forward_compatible(2030, 12, 31)
    assert isinstance(datetime.date.today(), datetime.date)


@needs_tf
def test_version_constants():
    assert tf.VERSION == tf.__version__ == tf.version.VERSION == tft.VERSION
    for n in ("GRAPH_DEF_VERSION_MIN_CONSUMER", "GRAPH_DEF_VERSION_MIN_PRODUCER",
              "MONOLITHIC_BUILD", "CXX_VERSION"):   # CXX11_ABI_FLAG: no C++ here
        assert getattr(tf, n) == getattr(tft, n), n
    assert isinstance(tf.GRAPH_DEF_VERSION, int) and tf.GRAPH_DEF_VERSION <= tft.GRAPH_DEF_VERSION
    assert tf.GIT_VERSION.startswith("flowgraph-") and isinstance(tf.COMPILER_VERSION, str)
    meta = tf.train.export_meta_graph(graph=tf.Graph())
    assert meta.meta_info_def.tensorflow_version == tft.VERSION
    assert meta.meta_info_def.tensorflow_git_version == tf.GIT_VERSION


@needs_tf
def test_top_level_protos_are_wire_compatible():
    g = tf.Graph()
    with g.as_default():
        tf.constant([1.0, 2.0], name="c")
    gd = g.as_graph_def()
    assert isinstance(gd, tf.GraphDef)
    theirs = tft.GraphDef.FromString(gd.SerializeToString())
    assert [n.name for n in theirs.node] == ["c"]
    for name in ("GraphDef", "NodeDef", "MetaGraphDef", "AttrValue", "NameAttrList",
                 "TensorInfo"):
        assert getattr(tf, name).DESCRIPTOR.full_name == \
            getattr(tft, name).DESCRIPTOR.full_name
    assert tf.TensorProto.DESCRIPTOR.full_name == "tensorflow.TensorProto"
    assert tf.make_tensor_proto([1.0]).__class__ is tf.TensorProto
    nd = tf.NodeDef(name="x", op="Const")
    nd.attr["dtype"].CopyFrom(tf.AttrValue(type=1))
    assert tft.NodeDef.FromString(nd.SerializeToString()).attr["dtype"].type == 1
    assert issubclass(tf.errors.InvalidArgumentError, tf.OpError)


def _tf_graph():
    g = tft.Graph()
    return g, g.as_default()


@needs_tf
@pytest.mark.parametrize("which", ["arg_max", "arg_min"])
@pytest.mark.parametrize("shape,dim,out", [([None, 3], 1, "int64"), ([4, 3], 0, "int32"),
                                           ([None, None], -1, "int64")])
def test_arg_max_min(which, shape, dim, out):
    x = np.random.RandomState(0).randn(4, 3).astype(np.float32)
    results = []
    for mod in (tf, tft):
        g = mod.Graph()
        with g.as_default():
            p = mod.placeholder(mod.float32, shape)
            y = getattr(mod, which)(p, dim, output_type=getattr(mod, out))
            with mod.Session(graph=g) as s:
                results.append((y.name, y.dtype.name, y.shape.as_list(), s.run(y, {p: x})))
    assert results[0][:3] == results[1][:3]
    np.testing.assert_array_equal(results[0][3], results[1][3])


@needs_tf
def test_none_inputs_raise_value_error():
    def errs(mod):
        out = []
        for f in (lambda: mod.convert_to_tensor(None), lambda: mod.add(1.0, None),
                  lambda: mod.reshape(mod.constant([1]), None),
                  lambda: mod.arg_max(mod.constant([1.0]), None)):
            with mod.Graph().as_default():
                try:
                    f()
                    out.append(None)
                except Exception as e:
                    out.append(type(e).__name__)
        return out
    assert errs(tf) == errs(tft) == ["ValueError"] * 4


VAR_LIST_PROGRAM = """
d = {"a": tf.Variable(1.0, name="a"), "b": tf.Variable(2.0, name="b")}
loss = d["a"] * d["b"]
out = []
for kind in ("values", "tuple", "dict"):
    vl = {"values": d.values(), "tuple": tuple(d.values()), "dict": d}[kind]
    for what in ("minimize", "saver", "vinit", "compute"):
        try:
            if what == "minimize":
                tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=vl)
            elif what == "saver":
                tf.train.Saver(var_list=vl)
            elif what == "vinit":
                tf.variables_initializer(list(vl.values()) if kind == "dict" else vl)
            else:
                gv = tf.train.GradientDescentOptimizer(0.1).compute_gradients(loss,
                                                                              var_list=vl)
                out.append((kind, what, [v.op.name for _, v in gv]))
                continue
            out.append((kind, what, "ok"))
        except Exception as e:
            out.append((kind, what, type(e).__name__))
"""


@needs_tf
def test_var_list_iterables():
    results = []
    for mod in (tf, tft):
        with mod.Graph().as_default():
            env = {"tf": mod}
            exec(VAR_LIST_PROGRAM, env)
            results.append(env["out"])
    assert results[0] == results[1]
    assert ("values", "minimize", "ok") in results[0]


@needs_tf
def test_train_summary_iterator(tmp_path):
    with tf.Graph().as_default():
        w = tf.summary.FileWriter(str(tmp_path))
        w.add_summary(tf.Summary(value=[tf.Summary.Value(tag="loss", simple_value=0.5)]), 3)
        w.close()
    path = next(tmp_path.iterdir())
    ours = [(e.step, [v.tag for v in e.summary.value]) for e in
            tf.train.summary_iterator(str(path))]
    theirs = [(e.step, [v.tag for v in e.summary.value]) for e in
              tft.train.summary_iterator(str(path))]
    assert ours == theirs and (3, ["loss"]) in ours
