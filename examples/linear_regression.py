"""Linear regression with gradient descent: learn y = 0.8 x + 0.7 from 100 noisy-free
samples. A TensorFlow 1.x program, run unchanged with `import flowgraph as tf`."""
import numpy as np

import flowgraph as tf

np.random.seed(0)
tf.set_random_seed(0)

# Data: 100 points on the line y = 0.8 x + 0.7.
x_data = np.random.rand(100).astype(np.float32)
y_data = x_data * 0.8 + 0.7

# Model: y = W * x + b, starting from a random W and a zero b.
W = tf.Variable(tf.random_uniform([1], -1.0, 1.0), name="W")
b = tf.Variable(tf.zeros([1]), name="b")
y = W * x_data + b

# Mean squared error, minimized by plain gradient descent.
loss = tf.reduce_mean(tf.square(y - y_data))
optimizer = tf.train.GradientDescentOptimizer(0.01)
train = optimizer.minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(10001):
        sess.run(train)
        if step % 2000 == 0:
            w_val, b_val, loss_val = sess.run([W, b, loss])
            print(f"step {step:5d}: W = {w_val[0]:.4f}, b = {b_val[0]:.4f}, "
                  f"loss = {loss_val:.2e}")
    w_val, b_val = sess.run([W, b])
    print(f"learned: W = {w_val[0]:.4f} (true 0.8), b = {b_val[0]:.4f} (true 0.7)")
