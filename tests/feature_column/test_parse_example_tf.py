"""Feature columns over `tf.parse_example(serialized, make_parse_example_spec(columns))`
against TF 2.21: the same spec, parsed features and model outputs from one batch of
serialized tf.train.Examples."""
import pytest

from tests.feature_column.harness import compare

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1


def _examples():
    tr = tf_real.train

    def ex(price, age, words, color, n):
        f = {"price": tr.Feature(float_list=tr.FloatList(value=price)),
             "words": tr.Feature(bytes_list=tr.BytesList(value=words)),
             "color": tr.Feature(bytes_list=tr.BytesList(value=color)),
             "n": tr.Feature(int64_list=tr.Int64List(value=n))}
        if age is not None:
            f["age"] = tr.Feature(float_list=tr.FloatList(value=[age]))
        return tr.Example(features=tr.Features(feature=f)).SerializeToString()
    return [ex([1.0, 2.0], 23.0, [b"a", b"b"], [b"r"], [1, 4]),
            ex([0.5, -1.0], None, [], [b"g", b"x"], [7]),
            ex([3.0, 3.0], 61.0, [b"zz"], [], [])]


def _columns(tf):
    fc = tf.feature_column
    age = fc.bucketized_column(fc.numeric_column("age", default_value=40.0), [30, 50])
    words = fc.categorical_column_with_hash_bucket("words", 11)
    color = fc.categorical_column_with_vocabulary_list("color", ["r", "g", "b"],
                                                       num_oov_buckets=1)
    n = fc.categorical_column_with_identity("n", 8)
    return [fc.numeric_column("price", shape=2), age, words, color, n,
            fc.crossed_column([age, "words"], 9)], [
        fc.numeric_column("price", shape=2), age, fc.indicator_column(words),
        fc.embedding_column(color, 2), fc.embedding_column(n, 3, combiner="sum")]


def test_parse_example_models():
    def build(tf):
        linear, dense = _columns(tf)
        spec = tf.feature_column.make_parse_example_spec(linear + dense)
        serialized = tf.placeholder(tf.string, [None], name="serialized")
        feats = tf.parse_example(serialized, spec)
        return {"lin": tf.feature_column.linear_model(feats, linear, units=2),
                "dnn": tf.feature_column.input_layer(feats, dense),
                "feats": feats,
                "static_spec": sorted((k, repr(v)) for k, v in spec.items())}

    def feed(tf, g):
        return {g.get_tensor_by_name("serialized:0"): _examples()}
    compare(tf1, build, feed)
