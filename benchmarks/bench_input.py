"""Input-pipeline benchmarks (issue #16): records per second of reading a TFRecord file of
`tf.train.Example`s, each a PNG image (32x32x3) and an int64 label, decoding, random crop
(28x28x3) and random left-right flip, batches of 64:

- `input_tfdata`: `TFRecordDataset -> map(parse_single_example + decode_png + random_crop +
  random_flip_left_right, num_parallel_calls) -> batch(64) -> prefetch`, one-shot iterator;
- `input_queues`: `string_input_producer -> TFRecordReader -> parse/decode/crop/flip ->
  shuffle_batch(64, num_threads)` with queue runners;
- `train_from_iterator` / `train_from_feed_dict`: one SGD step of a small MLP fed from a
  `tf.data` iterator, and the same step fed with `feed_dict` (numpy batches sliced per step).

flowgraph against TensorFlow 2.21's `tf.compat.v1` (graph mode, the same program) in the
same process. One call of an input case pulls one pass over the file (`RECORDS // 64`
batches from a repeating pipeline), so records per second = `RECORDS // 64 * 64 / time`.
At the runner's 1-thread setting the map and the queue use 1 thread, at the default setting
`os.cpu_count()` of them.

The file is written once per process (by flowgraph's `TFRecordWriter`, images encoded by
Pillow) and read by both contenders. The runner's `INPUT_RECORDS`, if set, shrinks it (its
test does). Run alone: `python benchmarks/bench_input.py [--reps N] [--threads 1|default]`.
"""
import atexit
import io
import os
import shutil
import sys
import tempfile

RECORDS, SIDE, CROP, CHANNELS, BATCH = 10000, 32, 28, 3, 64
MIN_AFTER = 500     # shuffle_batch's min_after_dequeue (capacity: that + 3 batches)
REPS = 3            # a pass over the file takes seconds: a few repetitions are enough
N_HID, N_OUT, TRAIN_ROWS, LR = 256, 10, 4096, 0.01
_FILES = {}         # records -> path of the file written in this process


def _records(runner):
    return getattr(runner, "INPUT_RECORDS", RECORDS)


def _png_bytes(image):
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def tfrecord_file(fg, np, n):
    """A TFRecord file of `n` Examples {'image': PNG bytes, 'label': int64}, written once."""
    if n in _FILES:
        return _FILES[n]
    folder = tempfile.mkdtemp(prefix="fg_bench_input_")
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, f"images_{n}.tfrecord")
    rng = np.random.default_rng(0)
    with fg.io.TFRecordWriter(path) as w:
        for i in range(n):
            image = rng.integers(0, 256, (SIDE, SIDE, CHANNELS), dtype=np.uint8)
            ex = fg.train.Example(features=fg.train.Features(feature={
                "image": fg.train.Feature(bytes_list=fg.train.BytesList(
                    value=[_png_bytes(image)])),
                "label": fg.train.Feature(int64_list=fg.train.Int64List(value=[i % 10]))}))
            w.write(ex.SerializeToString())
    _FILES[n] = path
    return path


def _parallel(env):
    return 1 if env.threads == "1" else (os.cpu_count() or 1)


def _session(lib, env, g):
    return env.tf_session(g) if lib is env.tf else lib.Session(graph=g)


def _decode(tf, serialized):
    """parse_single_example + decode_png + random_crop + random_flip_left_right."""
    feats = tf.io.parse_single_example(serialized, {
        "image": tf.io.FixedLenFeature([], tf.string),
        "label": tf.io.FixedLenFeature([], tf.int64)})
    image = tf.image.decode_png(feats["image"], channels=CHANNELS)
    image = tf.image.random_crop(image, [CROP, CROP, CHANNELS])
    image = tf.image.random_flip_left_right(image)
    return image, feats["label"]


def _check_batch(np, images, labels):
    if images.shape != (BATCH, CROP, CROP, CHANNELS) or images.dtype != np.uint8:
        raise AssertionError(f"bad image batch {images.shape} {images.dtype}")
    if labels.shape != (BATCH,) or not ((labels >= 0) & (labels < 10)).all():
        raise AssertionError(f"bad label batch {labels}")


def _tfdata(lib, env, n):
    np, path = env.np, tfrecord_file(env.fg, env.np, n)
    steps = max(1, n // BATCH)
    g = lib.Graph()
    with g.as_default():
        ds = lib.data.TFRecordDataset(path).repeat()
        ds = ds.map(lambda s: _decode(lib, s), num_parallel_calls=_parallel(env))
        ds = ds.batch(BATCH).prefetch(1)
        images, labels = lib.data.make_one_shot_iterator(ds).get_next()
        fetch = [images, labels]
    sess = _session(lib, env, g)
    _check_batch(np, *sess.run(fetch))

    def epoch():
        for _ in range(steps):
            sess.run(fetch)
    return epoch


def _queues(lib, env, n):
    np, path = env.np, tfrecord_file(env.fg, env.np, n)
    steps = max(1, n // BATCH)
    threads = _parallel(env)
    g = lib.Graph()
    with g.as_default():
        files = lib.train.string_input_producer([path])
        _, serialized = lib.TFRecordReader().read(files)
        image, label = _decode(lib, serialized)
        images, labels = lib.train.shuffle_batch(
            [image, label], BATCH, capacity=MIN_AFTER + 3 * BATCH,
            min_after_dequeue=MIN_AFTER, num_threads=threads, seed=2)
        fetch = [images, labels]
    sess = _session(lib, env, g)
    coord = lib.train.Coordinator()
    runners = lib.train.start_queue_runners(sess=sess, coord=coord)
    _check_batch(np, *sess.run(fetch))

    def epoch():
        for _ in range(steps):
            sess.run(fetch)
    epoch.stop = lambda: (coord.request_stop(), coord.join(runners, stop_grace_period_secs=5))
    return epoch


def _train_data(np):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((TRAIN_ROWS, CROP * CROP * CHANNELS)).astype(np.float32)
    y = rng.integers(0, N_OUT, TRAIN_ROWS).astype(np.int64)
    w1 = (rng.standard_normal((CROP * CROP * CHANNELS, N_HID)) * 0.02).astype(np.float32)
    w2 = (rng.standard_normal((N_HID, N_OUT)) * 0.05).astype(np.float32)
    return x, y, w1, w2


def _mlp_train(lib, x, y, w1, w2):
    h = lib.nn.relu(lib.matmul(x, lib.Variable(w1)) + lib.Variable(lib.zeros([N_HID])))
    logits = lib.matmul(h, lib.Variable(w2)) + lib.Variable(lib.zeros([N_OUT]))
    loss = lib.reduce_mean(lib.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y, logits=logits))
    return lib.train.GradientDescentOptimizer(LR).minimize(loss)


def _train(lib, env, from_iterator):
    """A step of the MLP on batches of 64 rows of 28*28*3 floats: through a `tf.data`
    iterator (`from_tensor_slices(...).repeat().batch(64).prefetch(1)`), or fed."""
    np = env.np
    x0, y0, w1, w2 = _train_data(np)
    g = lib.Graph()
    with g.as_default():
        if from_iterator:
            ds = lib.data.Dataset.from_tensor_slices((x0, y0)).repeat().batch(BATCH)
            x, y = lib.data.make_one_shot_iterator(ds.prefetch(1)).get_next()
        else:
            x = lib.placeholder(lib.float32, [None, x0.shape[1]], name="x")
            y = lib.placeholder(lib.int64, [None], name="y")
        train = _mlp_train(lib, x, y, w1, w2)
        init = lib.global_variables_initializer()
    sess = _session(lib, env, g)
    sess.run(init)
    if from_iterator:
        sess.run(train)
        return lambda: sess.run(train)
    pos = [0]

    def step():
        i = pos[0]
        pos[0] = (i + BATCH) % TRAIN_ROWS
        sess.run(train, {x: x0[i:i + BATCH], y: y0[i:i + BATCH]})
    step()
    return step


def make_cases(runner):
    """Case factories for `runner` (the benchmarks/run.py module)."""
    Case, guard = runner.Case, runner._guard

    def pair(build):
        return {"flowgraph": guard(lambda env: build(env.fg, env)),
                "tensorflow": guard(lambda env: build(env.need_tf(), env))}

    pipeline = (f"{SIDE}x{SIDE}x{CHANNELS} PNG + int64 label per Example; parse_single_example, "
                f"decode_png, random_crop to {CROP}x{CROP}x{CHANNELS}, "
                f"random_flip_left_right, batch {BATCH}")

    def case_tfdata():
        n = _records(runner)
        c = Case("input_tfdata", f"one pass over a TFRecord file of {n} Examples through "
                 f"`TFRecordDataset.map(..., num_parallel_calls).batch({BATCH}).prefetch(1)`"
                 f", one-shot iterator ({pipeline}); num_parallel_calls 1 at 1 thread, "
                 f"{os.cpu_count()} at default",
                 pair(lambda lib, env: _tfdata(lib, env, _records(runner))))
        c.reps = REPS
        return c

    def case_queues():
        n = _records(runner)
        c = Case("input_queues", f"one pass over a TFRecord file of {n} Examples through "
                 f"`string_input_producer`, `TFRecordReader`, `shuffle_batch({BATCH}, "
                 f"num_threads)` ({pipeline}); num_threads 1 at 1 thread, {os.cpu_count()} "
                 "at default",
                 pair(lambda lib, env: _queues(lib, env, _records(runner))))
        c.reps = REPS
        return c

    mlp = (f"one SGD step of a {CROP * CROP * CHANNELS}-{N_HID}-{N_OUT} relu MLP, sparse "
           f"softmax cross-entropy, batch {BATCH} float32")

    def case_iterator():
        return Case("train_from_iterator", mlp + ", batches from a one-shot iterator over "
                    f"`from_tensor_slices` of {TRAIN_ROWS} rows (`repeat().batch({BATCH})"
                    ".prefetch(1)`)", pair(lambda lib, env: _train(lib, env, True)))

    def case_feed():
        return Case("train_from_feed_dict", mlp + ", the same batches sliced from numpy "
                    "arrays and fed with `feed_dict`",
                    pair(lambda lib, env: _train(lib, env, False)))

    return [case_tfdata, case_queues, case_iterator, case_feed]


def main():
    import argparse
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=REPS)
    p.add_argument("--records", type=int, default=RECORDS)
    args = p.parse_args()
    import run as runner
    runner.INPUT_RECORDS = args.records
    runner.standalone(make_cases, reps=args.reps)


if __name__ == "__main__":
    main()
