"""Categorical, indicator and embedding columns against TF 2.21's
`tf.compat.v1.feature_column`: ids (hash buckets, vocabulary and identity lookups),
input_layer and linear_model values, variable names and shapes."""
import numpy as np
import pytest

import flowgraph as fg
from tests.feature_column.harness import compare

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

WORDS = [["a", "b", "q"], ["c", "", ""], ["b", "zz", "a"]]


def _features(tf):
    return {
        "w": tf.constant(WORDS),
        "n": tf.constant([[3, -1], [12, 7], [-1, -1]], dtype=tf.int64),
        "id": tf.SparseTensor([[0, 0], [1, 0], [1, 1], [2, 1]],
                              tf.constant([1, 3, 7, 9], tf.int64), [3, 2]),
        "color": tf.constant([["r"], ["z"], ["b"]]),
        "code": tf.constant([[10], [30], [99]], dtype=tf.int32),
        "wt": tf.SparseTensor([[0, 0], [1, 0], [1, 1], [2, 1]], [0.5, 2.0, 3.0, -1.0],
                              [3, 2]),
    }


def _cats(tf):
    fc = tf.feature_column
    return {
        "hash": fc.categorical_column_with_hash_bucket("w", 7),
        "hash_int": fc.categorical_column_with_hash_bucket("n", 5, dtype=tf.int64),
        "identity": fc.categorical_column_with_identity("id", 10, default_value=0),
        "vocab": fc.categorical_column_with_vocabulary_list("color", ["r", "g", "b"],
                                                            num_oov_buckets=2),
        "vocab_default": fc.categorical_column_with_vocabulary_list(
            "w", ("b", "a", "c"), default_value=2),
        "vocab_int": fc.categorical_column_with_vocabulary_list("code", [30, 10, 20]),
    }


def _weighted(tf):
    fc = tf.feature_column
    return fc.weighted_categorical_column(fc.categorical_column_with_identity("id", 10),
                                          "wt")


@pytest.mark.parametrize("kind", ["hash", "hash_int", "identity", "vocab", "vocab_default",
                                  "vocab_int"])
def test_ids_and_indicator(kind):
    def build(tf):
        col = _cats(tf)[kind]
        return tf.feature_column.input_layer(_features(tf), [tf.feature_column.indicator_column(
            col)])
    compare(tf1, build)


def test_weighted_indicator_and_linear_model():
    def build(tf):
        f = _features(tf)
        w = _weighted(tf)
        return [tf.feature_column.input_layer(f, [tf.feature_column.indicator_column(w)]),
                tf.feature_column.linear_model(f, [w])]
    compare(tf1, build)


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_linear_model_categorical(combiner):
    def build(tf):
        cats = _cats(tf)
        cols = list(cats.values())[:4] + [_weighted(tf)]
        return tf.feature_column.linear_model(_features(tf), cols, units=3,
                                              sparse_combiner=combiner)
    compare(tf1, build)


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_embedding_columns(combiner):
    def build(tf):
        fc = tf.feature_column
        cats = _cats(tf)
        cols = [fc.embedding_column(cats["hash"], 4, combiner=combiner),
                fc.embedding_column(cats["vocab"], 3, combiner=combiner, max_norm=0.7),
                fc.embedding_column(_weighted(tf), 2, combiner=combiner)]
        cols_to_vars = {}
        out = fc.input_layer(_features(tf), cols, cols_to_vars=cols_to_vars)
        return {"out": out, "static_vars": sorted(
            (c.name, [v.name for v in vs]) for c, vs in cols_to_vars.items())}
    compare(tf1, build)


def test_embedding_initializer_and_trainable():
    def build(tf):
        fc = tf.feature_column
        col = fc.embedding_column(
            _cats(tf)["identity"], 2, trainable=False,
            initializer=tf.constant_initializer(np.arange(20.0).reshape(10, 2)))
        out = fc.input_layer(_features(tf), [col])
        return {"out": out,
                "static_trainable": [v.name for v in tf.trainable_variables()]}
    compare(tf1, build)


def test_shared_embeddings():
    def build(tf):
        fc = tf.feature_column
        a = fc.categorical_column_with_hash_bucket("w", 6)
        b = fc.categorical_column_with_hash_bucket("color", 6)
        shared = fc.shared_embedding_columns([b, a], 3, combiner="sqrtn")
        out = fc.input_layer(_features(tf), shared)
        out2 = fc.input_layer(_features(tf), shared)
        return {"out": [out, out2], "static_names": [c.name for c in shared],
                "static_coll": [v.name for v in tf.get_collection(
                    "color_w_shared_embedding")]}
    compare(tf1, build)


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("b\nzz\na\nunused\n")

    def build(tf):
        fc = tf.feature_column
        f = _features(tf)
        c1 = fc.categorical_column_with_vocabulary_file("w", str(path), vocabulary_size=3,
                                                        num_oov_buckets=3)
        c2 = fc.categorical_column_with_vocabulary_file("color", str(path),
                                                        default_value=1)
        return {"out": [fc.input_layer(f, [fc.indicator_column(c1),
                                           fc.indicator_column(c2)]),
                        fc.linear_model(f, [c1, c2])],
                "static_buckets": [c1._num_buckets, c2._num_buckets]}
    compare(tf1, build)


def test_sparse_placeholders_fed():
    def build(tf):
        fc = tf.feature_column
        sp = tf.sparse_placeholder(tf.string, name="w")
        col = fc.categorical_column_with_vocabulary_list("w", ["x", "y"], num_oov_buckets=1)
        return [fc.input_layer({"w": sp}, [fc.indicator_column(col)]),
                fc.linear_model({"w": sp}, [col])]

    def feed(tf, g):
        sp = [g.get_tensor_by_name(f"w/{n}:0") for n in ("indices", "values", "shape")]
        return {sp[0]: [[0, 0], [0, 1], [2, 0]], sp[1]: np.array([b"y", b"k", b"x"]),
                sp[2]: [3, 2]}
    compare(tf1, build, feed)


def test_reprs_and_parse_spec():
    want = {k: repr(v) for k, v in _cats(tf1).items()}
    got = {k: repr(v) for k, v in _cats(fg).items()}
    assert got == want
    cols = list(_cats(fg).values()) + [_weighted(fg)]
    spec = fg.feature_column.make_parse_example_spec(
        cols + [fg.feature_column.embedding_column(cols[0], 2)])
    ref = tf1.feature_column.make_parse_example_spec(
        list(_cats(tf1).values()) + [_weighted(tf1)])
    assert {k: repr(v) for k, v in spec.items()} == {k: repr(v) for k, v in ref.items()}


def test_errors():
    fc = fg.feature_column
    with pytest.raises(ValueError, match="hash_bucket_size must be at least 1"):
        fc.categorical_column_with_hash_bucket("a", 0)
    with pytest.raises(ValueError, match="Duplicate keys in vocabulary_list"):
        fc.categorical_column_with_vocabulary_list("a", ["x", "x"])
    with pytest.raises(ValueError, match="Can't specify both num_oov_buckets"):
        fc.categorical_column_with_vocabulary_list("a", ["x"], default_value=0,
                                                   num_oov_buckets=1)
    with pytest.raises(ValueError, match=r"default_value 5 not in range \[0, 3\)"):
        fc.categorical_column_with_identity("a", 3, default_value=5)
    with pytest.raises(ValueError, match="Items of feature_columns must be a _DenseColumn"):
        fc.input_layer({"a": [["x"]]}, [fc.categorical_column_with_hash_bucket("a", 2)])
    with pytest.raises(ValueError, match="Unsupported input type"):
        fc.indicator_column(fc.numeric_column("a"))
    with pytest.raises(ValueError, match="Invalid dimension"):
        fc.embedding_column(fc.categorical_column_with_identity("a", 3), 0)
    with pytest.raises(ValueError, match="does not exist"):
        fc.categorical_column_with_vocabulary_file("a", "/nonexistent/vocab.txt")
