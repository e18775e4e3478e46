"""crossed_column against TF 2.21's `tf.compat.v1.feature_column`: the same hashed ids
(string keys, bucketized and vocabulary columns, nested crosses, hash_key) and the same
linear_model / indicator / embedding outputs and variables."""
import pytest

import flowgraph as fg
from tests.feature_column.harness import compare

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1


def _features(tf):
    return {"w": tf.constant([["a", "b"], ["c", ""], ["", ""]]),
            "age": tf.constant([[15.0], [35.0], [70.0]]),
            "color": tf.SparseTensor([[0, 0], [1, 0], [1, 1], [2, 0]],
                                     tf.constant(["r", "g", "q", "b"]), [3, 2]),
            "n": tf.constant([[3], [1], [2]], dtype=tf.int64)}


def _crosses(tf):
    fc = tf.feature_column
    age = fc.bucketized_column(fc.numeric_column("age"), [20, 40, 60])
    color = fc.categorical_column_with_vocabulary_list("color", ["r", "g", "b"])
    a = fc.crossed_column(["w", age], 50)
    b = fc.crossed_column([color, "w", "n"], 13, hash_key=7)
    c = fc.crossed_column([a, color], 1000)
    return [a, b, c]


def test_cross_ids():
    def build(tf):
        builder_out = {}
        for col in _crosses(tf):
            builder_out[col.name] = col
        f = _features(tf)
        out = tf.feature_column.input_layer(
            f, [tf.feature_column.indicator_column(c) for c in _crosses(tf)])
        return {"out": out, "static_names": sorted(builder_out),
                "static_buckets": [c._num_buckets for c in _crosses(tf)]}
    compare(tf1, build)


def test_cross_in_models():
    def build(tf):
        fc = tf.feature_column
        f = _features(tf)
        cols = _crosses(tf)
        return [fc.linear_model(f, cols, units=2),
                fc.input_layer(f, [fc.embedding_column(cols[0], 3, combiner="sqrtn")])]
    compare(tf1, build)


def test_reprs_specs_and_errors():
    assert [repr(c) for c in _crosses(fg)] == [repr(c) for c in _crosses(tf1)]
    spec = fg.feature_column.make_parse_example_spec(_crosses(fg))
    want = tf1.feature_column.make_parse_example_spec(_crosses(tf1))
    assert {k: repr(v) for k, v in spec.items()} == {k: repr(v) for k, v in want.items()}
    fc = fg.feature_column
    with pytest.raises(ValueError, match="keys must be a list with length > 1"):
        fc.crossed_column(["a"], 10)
    with pytest.raises(ValueError, match="categorical_column_with_hash_bucket is not"):
        fc.crossed_column(["a", fc.categorical_column_with_hash_bucket("b", 3)], 10)
    with pytest.raises(ValueError, match="hash_bucket_size must be > 1"):
        fc.crossed_column(["a", "b"], 0)
    with fg.Graph().as_default():
        w = fc.weighted_categorical_column(fc.categorical_column_with_identity("i", 3), "wt")
        with pytest.raises(ValueError, match="does not support weight_tensor"):
            fc.linear_model({"i": fg.constant([[1]], fg.int64), "wt": fg.constant([[1.0]]),
                             "a": fg.constant([["x"]])}, [fc.crossed_column(["a", w], 5)])
