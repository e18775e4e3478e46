"""Training through feature columns against TF 2.21: the canned estimators' layout
(`linear/linear_model/...` and `dnn/input_from_feature_columns/input_layer/...` under a
min-max partitioner, so variables are `.../part_0`), one optimizer step, then every
variable compared."""
import pytest

from tests.feature_column.harness import compare

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1


def _build(optimizer):
    def build(tf):
        fc = tf.feature_column
        feats = {"w": tf.constant([["a", "b"], ["c", ""], ["a", "a"]]),
                 "x": tf.constant([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]]),
                 "c": tf.constant([["r"], ["g"], ["zz"]])}
        h = fc.categorical_column_with_hash_bucket("w", 10)
        v = fc.categorical_column_with_vocabulary_list("c", ["r", "g"], num_oov_buckets=1)
        x = fc.numeric_column("x", shape=2)
        part = tf.min_max_variable_partitioner(max_partitions=1, min_slice_size=64 << 20)
        with tf.variable_scope("linear", partitioner=part):
            lm = fc.linear_model(feats, [h, x, fc.crossed_column(["w", v], 7)], units=2)
        with tf.variable_scope("dnn"):
            with tf.variable_scope("input_from_feature_columns", partitioner=part):
                il = fc.input_layer(feats, [fc.embedding_column(h, 3),
                                            fc.indicator_column(v), x])
        loss = tf.reduce_sum(lm * lm) + tf.reduce_sum(il * il)
        train = optimizer(tf).minimize(loss)
        return {"train_op": train, "vars": tf.global_variables()}
    return build


@pytest.mark.parametrize("name", ["sgd", "adagrad", "momentum", "ftrl"])
def test_one_step(name):
    # Momentum and FTRL change rows a zero gradient touches: the sparse gradients must
    # name the same rows as TF's.
    opt = {"sgd": lambda tf: tf.train.GradientDescentOptimizer(0.1),
           "adagrad": lambda tf: tf.train.AdagradOptimizer(0.3),
           "momentum": lambda tf: tf.train.MomentumOptimizer(0.1, 0.9),
           "ftrl": lambda tf: tf.train.FtrlOptimizer(0.2, l1_regularization_strength=0.01)
           }[name]
    compare(tf1, _build(opt))
