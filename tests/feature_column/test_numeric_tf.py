"""numeric_column, bucketized_column, input_layer and linear_model against TF 2.21's
`tf.compat.v1.feature_column`: same values, variable names and shapes."""
import numpy as np
import pytest

import flowgraph as fg
from tests.feature_column.harness import compare

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

PRICE = np.array([[1.0, 2.0], [3.0, -4.0], [0.5, 7.0]], np.float32)
AGE = np.array([10.0, 18.0, 45.0], np.float32)


def _features(tf):
    return {"price": tf.constant(PRICE), "age": tf.constant(AGE),
            "n": tf.constant([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=tf.int64)}


def _columns(tf):
    fc = tf.feature_column
    price = fc.numeric_column("price", shape=[2])
    age = fc.numeric_column("age", normalizer_fn=lambda x: (x - 30.0) / 10.0)
    n = fc.numeric_column("n", shape=(3,), dtype=tf.int64)
    return [price, age, n, fc.bucketized_column(fc.numeric_column("age"), [18, 30, 40]),
            fc.bucketized_column(price, [0.0, 2.0])]


def test_input_layer():
    compare(tf1, lambda tf: tf.feature_column.input_layer(_features(tf), _columns(tf)))


def test_linear_model_units_and_names():
    def build(tf):
        cols = {}
        out = tf.feature_column.linear_model(_features(tf), _columns(tf), units=2,
                                             cols_to_vars=cols)
        return {"out": out, "static_vars": sorted(
            (c if isinstance(c, str) else c.name, [v.name for v in vs])
            for c, vs in cols.items())}
    compare(tf1, build)


def test_two_models_in_one_graph():
    def build(tf):
        f = _features(tf)
        a = tf.feature_column.linear_model(f, _columns(tf)[:2])
        b = tf.feature_column.linear_model(f, _columns(tf)[:2])
        c = tf.feature_column.input_layer(f, _columns(tf)[:1])
        d = tf.feature_column.input_layer(f, _columns(tf)[:1])
        return {"out": [a, b, c, d], "static_names": [a.name, b.name, c.name, d.name]}
    _, static = compare(tf1, build)
    assert static["static_names"][0] == "linear_model_1/linear_model/weighted_sum:0"


def test_column_reprs_and_spec():
    for tf in (tf1, fg):
        cols = _columns(tf)
    got = [repr(c) for c in _columns(fg)]
    want = [repr(c) for c in _columns(tf1)]
    # normalizer_fn lambdas print differently; the rest is TF's text.
    assert [g for g in got if "lambda" not in g] == [w for w in want if "lambda" not in w]
    spec = fg.feature_column.make_parse_example_spec(cols)
    want = tf1.feature_column.make_parse_example_spec(_columns(tf1))
    assert {k: repr(v) for k, v in spec.items()} == {k: repr(v) for k, v in want.items()}


def test_default_value_and_errors():
    fc = fg.feature_column
    assert fc.numeric_column("a", shape=(2, 2), default_value=1).default_value == \
        ((1, 1), (1, 1))
    assert fc.numeric_column("a", shape=2, default_value=[1.5, 2]).default_value == (1.5, 2)
    with pytest.raises(TypeError, match="default_value must be compatible"):
        fc.numeric_column("a", dtype=fg.int32, default_value=1.5)
    with pytest.raises(ValueError, match="shape of default_value"):
        fc.numeric_column("a", shape=3, default_value=[1, 2])
    with pytest.raises(ValueError, match="dtype must be convertible"):
        fc.numeric_column("a", dtype=fg.string)
    with pytest.raises(ValueError, match="boundaries must be a sorted list"):
        fc.bucketized_column(fc.numeric_column("a"), [3, 1])
    with pytest.raises(ValueError, match="Duplicate feature column"):
        fc.input_layer({"a": [[1.0]]}, [fc.numeric_column("a"), fc.numeric_column("a")])
    with pytest.raises(ValueError, match="Feature b is not in features"):
        fc.input_layer({"a": [[1.0]]}, [fc.numeric_column("b")])
    with pytest.raises(ValueError, match="cannot have rank 0"):
        fc.input_layer({"a": 1.0}, [fc.numeric_column("a")])


def test_placeholder_batch_and_sparse_rejected():
    def build(tf):
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        return tf.feature_column.input_layer({"price": x}, [tf.feature_column.numeric_column(
            "price", shape=2)])

    def feed(tf, g):
        return {g.get_tensor_by_name("x:0"): PRICE}
    compare(tf1, build, feed)
    with fg.Graph().as_default():
        sp = fg.SparseTensor([[0, 0]], [1.0], [1, 1])
        with pytest.raises(ValueError, match="SparseTensor is not supported"):
            fg.feature_column.input_layer({"a": sp}, [fg.feature_column.numeric_column("a")])


@pytest.mark.parametrize("value", [AGE, AGE[:, None]], ids=["rank1", "rank2"])
def test_unknown_rank_features(value):
    def build(tf):
        fc = tf.feature_column
        age = tf.placeholder(tf.float32, name="age")
        word = tf.sparse_placeholder(tf.string, name="word")
        feats = {"age": age, "word": word}
        cols = [fc.numeric_column("age"), fc.bucketized_column(fc.numeric_column("age"),
                                                               [15.0])]
        wcol = fc.categorical_column_with_hash_bucket("word", 5)
        return [fc.input_layer(feats, cols + [fc.indicator_column(wcol)]),
                fc.linear_model(feats, cols + [wcol])]

    def feed(tf, g):
        sp = [g.get_tensor_by_name(f"word/{n}:0") for n in ("indices", "values", "shape")]
        rank2 = value.ndim == 2
        return {g.get_tensor_by_name("age:0"): value,
                sp[0]: [[0, 0], [2, 0]] if rank2 else [[0], [2]],
                sp[1]: np.array([b"u", b"v"]), sp[2]: [3, 1] if rank2 else [3]}
    compare(tf1, build, feed)
