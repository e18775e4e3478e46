"""Sequence columns against TF 2.21: reprs, parse specs, linear_model over a sequence
column, and input_layer's refusal of embedding/indicator columns over sequences."""
import pytest

import flowgraph as fg
from tests.feature_column.harness import compare

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1


def _columns(tf, path):
    fc = tf.feature_column
    return [fc.sequence_categorical_column_with_identity("i", 5),
            fc.sequence_categorical_column_with_hash_bucket("h", 7),
            fc.sequence_categorical_column_with_vocabulary_list("v", ["a", "b"],
                                                                num_oov_buckets=1),
            fc.sequence_categorical_column_with_vocabulary_file("f", path)]


def _features(tf):
    return {"i": tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([1, 2, 4], tf.int64),
                                 [2, 3]),
            "h": tf.SparseTensor([[0, 0], [1, 2]], tf.constant(["x", "y"]), [2, 3]),
            "v": tf.SparseTensor([[0, 1], [1, 0], [1, 1]], tf.constant(["b", "q", "a"]),
                                 [2, 2]),
            "f": tf.SparseTensor([[1, 0]], tf.constant(["m"]), [2, 1])}


def test_specs_reprs_and_linear_model(tmp_path):
    path = str(tmp_path / "v.txt")
    open(path, "w").write("k\nm\n")
    assert [repr(c) for c in _columns(fg, path)] == [repr(c) for c in _columns(tf1, path)]
    for tf in (fg, tf1):
        num = tf.feature_column.sequence_numeric_column("x", shape=2)
    assert repr(fg.feature_column.sequence_numeric_column("x", shape=2)) == repr(num)
    spec = fg.feature_column.make_parse_example_spec(_columns(fg, path))
    want = tf1.feature_column.make_parse_example_spec(_columns(tf1, path))
    assert {k: repr(v) for k, v in spec.items()} == {k: repr(v) for k, v in want.items()}
    assert repr(fg.feature_column.sequence_numeric_column("x").parse_example_spec) == \
        repr(tf1.feature_column.sequence_numeric_column("x").parse_example_spec)
    with pytest.raises(ValueError, match="must be _FeatureColumn instances"):
        fg.feature_column.make_parse_example_spec(
            [fg.feature_column.sequence_numeric_column("x")])
    compare(tf1, lambda tf: tf.feature_column.linear_model(_features(tf),
                                                           _columns(tf, path), units=2))


def test_dense_wrappers_refuse_sequences():
    fc = fg.feature_column
    s = fc.sequence_categorical_column_with_identity("i", 5)
    with fg.Graph().as_default():
        for wrap, what in ((lambda c: fc.embedding_column(c, 2), "embedding_column"),
                           (fc.indicator_column, "indicator_column")):
            with pytest.raises(ValueError, match=f"In {what}: i_.*must not be of type "
                                                 "_SequenceCategoricalColumn"):
                fc.input_layer(_features(fg), [wrap(s)])
