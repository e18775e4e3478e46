"""The Mandelbrot set, as in the TensorFlow tutorial: every pixel is a complex number c, a
complex64 Variable z starts at c and is updated z <- z * z + c by one session run per
iteration; a float Variable counts, per pixel, the iterations for which |z| stayed small.
A TensorFlow 1.x program, run unchanged with `import flowgraph as tf`.

    python examples/mandelbrot.py --width 120 --height 60 --iterations 60
    python examples/mandelbrot.py --out counts.npy   # also save the counts
"""
import numpy as np

import flowgraph as tf

flags = tf.app.flags
flags.DEFINE_integer("width", 78, "pixels across [-2.1, 0.9]")
flags.DEFINE_integer("height", 32, "pixels down [-1.2, 1.2]")
flags.DEFINE_integer("iterations", 50, "session runs of z <- z * z + c")
flags.DEFINE_string("out", "", "save the escape counts to this .npy file")
FLAGS = flags.FLAGS


def grid(width, height):
    """The complex plane sampled on a height x width grid (complex64)."""
    re = np.linspace(-2.1, 0.9, width, dtype=np.float32)
    im = np.linspace(-1.2, 1.2, height, dtype=np.float32)
    return (re[None, :] + 1j * im[:, None]).astype(np.complex64)


def ascii_art(counts, iterations):
    """One character per pixel: darker where the orbit stayed bounded longer."""
    shades = " .:-=+*#%@"
    idx = (counts * (len(shades) - 1) / max(iterations, 1)).astype(int)
    return "\n".join("".join(shades[i] for i in row) for row in idx)


def main(_):
    c = tf.constant(grid(FLAGS.width, FLAGS.height), name="c")
    z = tf.Variable(c, name="z")
    counts = tf.Variable(tf.zeros_like(c, tf.float32), name="counts")

    # One iteration: a pixel whose |z| stays below 2 (|z|^2 < 4) counts one more step;
    # once it escapes, it is frozen with tf.where, so nothing overflows.
    bounded = tf.abs(z) < 2.0
    z_next = tf.where(bounded, z * z + c, z)
    step = tf.group(z.assign(z_next),
                    counts.assign_add(tf.cast(bounded, tf.float32)))

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(FLAGS.iterations):
            sess.run(step)
        result = sess.run(counts)

    inside = int(np.sum(result == FLAGS.iterations))
    print(ascii_art(result, FLAGS.iterations))
    print(f"grid = {FLAGS.height} x {FLAGS.width}, iterations = {FLAGS.iterations}")
    print(f"points never escaping = {inside}")
    print(f"total count = {int(result.sum())}")
    if FLAGS.out:
        np.save(FLAGS.out, result)


if __name__ == "__main__":
    tf.app.run(main)
