"""Training resumes across frameworks: flowgraph trains and saves (checkpoint + meta
graph); TensorFlow imports the meta graph, restores and takes the next step; flowgraph
imports TF's re-saved meta graph and continues. Losses match at every hand-over."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.train.saver import Saver

tf_real = pytest.importorskip("tensorflow")
tfv1 = tf_real.compat.v1

XS = np.random.RandomState(0).randn(8, 4).astype(np.float32)
YS = (np.arange(8) % 3).astype(np.int32)


def _feed():
    return {"x:0": XS, "y:0": YS}


def test_training_resumes_between_flowgraph_and_tensorflow(tmp_path):
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    with tf.variable_scope("layer1"):
        w = tf.get_variable("w", [4, 3], initializer=tf.random_normal_initializer(seed=1))
        b = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    logits = tf.matmul(x, w) + b
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits),
                          name="loss")
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    tf.add_to_collection(tf.GraphKeys.TRAIN_OP, train)
    saver = Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train, _feed())
        ours = saver.save(sess, str(tmp_path / "model"), global_step=step)
        loss_saved = sess.run(loss, _feed())
        sess.run(train, _feed())
        loss_next = sess.run(loss, _feed())          # what one more step gives here
        sess.run(train, _feed())
        loss_next2 = sess.run(loss, _feed())
    g = tf_real.Graph()
    with g.as_default():
        ts = tfv1.train.import_meta_graph(ours + ".meta")
        with tfv1.Session(graph=g) as sess:
            ts.restore(sess, tfv1.train.latest_checkpoint(str(tmp_path)))
            np.testing.assert_allclose(sess.run("loss:0", _feed()), loss_saved, rtol=1e-5)
            sess.run(tfv1.get_collection("train_op")[0], _feed())
            np.testing.assert_allclose(sess.run("loss:0", _feed()), loss_next, rtol=1e-5)
            theirs = ts.save(sess, str(tmp_path / "model"),
                             global_step=tfv1.train.get_global_step())
    assert theirs.endswith("model-4")
    tf.reset_default_graph()
    s2 = tf.train.import_meta_graph(theirs + ".meta")
    with tf.Session() as sess:
        s2.restore(sess, tf.train.latest_checkpoint(str(tmp_path))
                   if hasattr(tf.train, "latest_checkpoint") else theirs)
        assert sess.run(tf.train.get_global_step()) == 4
        sess.run(tf.get_collection("train_op")[0], _feed())
        np.testing.assert_allclose(sess.run("loss:0", _feed()), loss_next2, rtol=1e-5)
