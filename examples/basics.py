"""flowgraph's main example: a TensorFlow 1.x program, run unchanged with
`import flowgraph as tf`.

Build a graph first (nothing is computed yet), then run parts of it in a session.
Run it with `make demo` (or `python examples/basics.py`)."""
import numpy as np

import flowgraph as tf

# -- 1. Building: every call adds an op to the default graph and returns a symbolic Tensor.
a = tf.constant(3.0)                   # first constant:  "Const:0"
b = tf.constant(4.0)                   # second constant: "Const_1:0" (names are unique)
c = a * b + 1.0                        # "mul:0" then "add:0"
print("graph tensors:", a.name, b.name, c.name)
print("c before running:", c)          # a Tensor has a name, shape and dtype, no value

# A placeholder is an input fed at run time; None in its shape means "any size".
x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
weights = tf.constant([1.0, 2.0, 3.0], name="weights")
row_sums = tf.reduce_sum(x * weights, axis=1, name="row_sums")
total = tf.reduce_sum(row_sums, name="total")
print("row_sums static shape:", row_sums.shape)

# A Variable keeps its value in the session between runs; it needs initializing first.
counter = tf.Variable(0, name="counter")
increment = tf.assign_add(counter, 1)
init = tf.global_variables_initializer()

# -- 2. Running: a session computes only what a fetch needs.
batch = np.array([[1.0, 1.0, 1.0],
                  [0.0, 1.0, 0.0]], dtype=np.float32)
with tf.Session() as sess:
    sess.run(init)
    print("c =", sess.run(c))
    print("row_sums =", sess.run(row_sums, feed_dict={x: batch}))
    for _ in range(3):
        sess.run(increment)
    print("counter after 3 increments =", sess.run(counter))

    # Fetches can be nested lists, tuples and dicts; the result has the same structure.
    out = sess.run({"c": c, "pair": (a, b), "sums": [row_sums, total]},
                   feed_dict={x: batch})
    print("nested fetch: c = %s | pair = (%s, %s) | total = %s"
          % (out["c"], out["pair"][0], out["pair"][1], out["sums"][1]))

# -- 3. Interactive use: an InteractiveSession becomes the default, so eval() works.
sess = tf.InteractiveSession()
print("c.eval() =", c.eval())
print("total.eval(feed) =", total.eval(feed_dict={x: batch}))
sess.close()
