"""Writes tests/fixtures/lstm/: a real TensorFlow checkpoint of two small recurrent
models, and what TensorFlow computes with them (`expected.npz`).

Needs TensorFlow with its legacy (Keras 2) RNN cells: `pip install tensorflow-cpu tf-keras`
(`pip install --no-deps tf-keras` keeps tensorflow-cpu as the TensorFlow distribution).
Run from the repository root: `python scripts/make_lstm_fixture.py`.

Models (batch-major inputs [4, 6, 3], sequence lengths [6, 4, 1, 5]):
  `lstm/`:  dynamic_rnn of BasicLSTMCell(5)
  `stack/`: dynamic_rnn of MultiRNNCell([LSTMCell(6, use_peepholes=True, num_proj=4,
            cell_clip=2.0), GRUCell(3)])
Every variable is set to uniform(-0.6, 0.6) values (biases too) before saving."""
import os
import sys

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                   "lstm")
SEQ = np.array([6, 4, 1, 5], np.int32)


def build(tfm, x, seq):
    """The two models; the same code builds them in TensorFlow and in flowgraph."""
    rc = tfm.nn.rnn_cell
    with tfm.variable_scope("lstm"):
        out1, st1 = tfm.nn.dynamic_rnn(rc.BasicLSTMCell(5), x, sequence_length=seq,
                                       dtype=tfm.float32)
    with tfm.variable_scope("stack"):
        cell = rc.MultiRNNCell([rc.LSTMCell(6, use_peepholes=True, num_proj=4, cell_clip=2.0),
                                rc.GRUCell(3)])
        out2, st2 = tfm.nn.dynamic_rnn(cell, x, sequence_length=seq, dtype=tfm.float32)
    return {"lstm_outputs": out1, "lstm_c": st1.c, "lstm_h": st1.h,
            "stack_outputs": out2, "stack_c": st2[0].c, "stack_h": st2[0].h,
            "stack_gru": st2[1]}


def main():
    tf.disable_v2_behavior()
    rng = np.random.RandomState(42)
    inputs = rng.uniform(-1, 1, size=(4, 6, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [4, 6, 3])
        fetches = build(tf, x, SEQ)
        variables = tf.global_variables()
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in variables:
                v.load(rng.uniform(-0.6, 0.6, size=v.shape.as_list()).astype(np.float32),
                       sess)
            got = sess.run(fetches, {x: inputs})
            os.makedirs(OUT, exist_ok=True)
            saver.save(sess, os.path.join(OUT, "model.ckpt"), write_meta_graph=False,
                       write_state=False)
            values = {"var:" + v.op.name: sess.run(v) for v in variables}
    np.savez(os.path.join(OUT, "expected.npz"), inputs=inputs, sequence_length=SEQ,
             **got, **values)
    print("wrote", os.path.abspath(OUT), sorted(got), file=sys.stderr)


if __name__ == "__main__":
    main()
