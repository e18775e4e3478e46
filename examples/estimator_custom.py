"""A custom Estimator end to end: a small CSV made here, a model_fn with a hidden layer,
training and evaluation from a tf.data input_fn, a SavedModel export (serialized
tf.Examples in, classes and probabilities out), the export loaded back and queried, and
`saved_model_cli run` on a second export fed raw features.

    python examples/estimator_custom.py [work_dir]
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

import flowgraph as tf

COLUMNS = ["x1", "x2", "x3"]


def make_csv(path, n, seed):
    """Rows x1,x2,x3,label with label = 1 when x1 + 2 x2 - x3 + noise > 0."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, size=(n, 3)).astype(np.float32)
    noise = rng.normal(0, 0.5, size=n)
    y = (x[:, 0] + 2 * x[:, 1] - x[:, 2] + noise > 0).astype(np.int64)
    with open(path, "w") as f:
        f.write(",".join(COLUMNS + ["label"]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(f"{v:.6f}" for v in row) + f",{label}\n")
    return x, y


def csv_input_fn(path, epochs, batch_size, shuffle):
    def input_fn():
        def parse(line):
            *values, label = tf.decode_csv(line, [[0.0], [0.0], [0.0], [0]])
            return dict(zip(COLUMNS, values)), label
        ds = tf.data.TextLineDataset(path).skip(1).map(parse)
        if shuffle:
            ds = ds.shuffle(256, seed=1)
        return ds.repeat(epochs).batch(batch_size)
    return input_fn


def model_fn(features, labels, mode, params):
    x = tf.stack([features[c] for c in COLUMNS], axis=1)
    hidden = tf.layers.dense(x, params["hidden"], activation=tf.nn.relu, name="hidden")
    logits = tf.layers.dense(hidden, 2, name="logits")
    classes = tf.argmax(logits, 1)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        predictions = {"classes": classes, "probabilities": probabilities}
        class_names = tf.constant(["negative", "positive"])
        return tf.estimator.EstimatorSpec(mode, predictions=predictions, export_outputs={
            "serving_default": tf.estimator.export.PredictOutput(predictions),
            "classification": tf.estimator.export.ClassificationOutput(
                scores=probabilities,
                classes=tf.tile(tf.expand_dims(class_names, 0), [tf.shape(x)[0], 1]))})
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = tf.train.AdamOptimizer(params["learning_rate"]).minimize(
        loss, global_step=tf.train.get_global_step())
    metrics = {"accuracy": tf.metrics.accuracy(labels, classes),
               "auc": tf.metrics.auc(labels, probabilities[:, 1])}
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                      eval_metric_ops=metrics)


def serialized_examples(x):
    return [tf.train.Example(features=tf.train.Features(feature={
        c: tf.train.Feature(float_list=tf.train.FloatList(value=[float(v)]))
        for c, v in zip(COLUMNS, row)})).SerializeToString() for row in x]


def main(work_dir):
    train_csv, test_csv = (os.path.join(work_dir, n) for n in ("train.csv", "test.csv"))
    make_csv(train_csv, 512, seed=0)
    test_x, test_y = make_csv(test_csv, 64, seed=1)
    tf.set_random_seed(0)
    config = tf.estimator.RunConfig(tf_random_seed=42, save_checkpoints_steps=200,
                                    log_step_count_steps=200)
    est = tf.estimator.Estimator(model_fn, model_dir=os.path.join(work_dir, "model"),
                                 config=config, params={"hidden": 16, "learning_rate": 0.05})
    est.train(csv_input_fn(train_csv, None, 32, shuffle=True), max_steps=400)
    metrics = est.evaluate(csv_input_fn(test_csv, 1, 32, shuffle=False))
    print(f"trained to global step {metrics['global_step']}")
    print(f"eval accuracy = {metrics['accuracy']:.3f}, auc = {metrics['auc']:.3f}, "
          f"loss = {metrics['loss']:.4f}")

    # a SavedModel that TF Serving would serve: serialized tf.Examples in
    spec = {c: tf.FixedLenFeature([], tf.float32) for c in COLUMNS}
    export_dir = est.export_saved_model(
        os.path.join(work_dir, "export"),
        tf.estimator.export.build_parsing_serving_input_receiver_fn(spec)).decode()
    print("exported signatures:", end=" ")
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], export_dir)
        print(", ".join(sorted(meta.signature_def)))
        sig = meta.signature_def["serving_default"]
        served = sess.run({k: v.name for k, v in sig.outputs.items()},
                          {sig.inputs["examples"].name: serialized_examples(test_x)})
    predicted = [p["classes"] for p in est.predict(csv_input_fn(test_csv, 1, 32, False))]
    print("export agrees with Estimator.predict:",
          bool(np.array_equal(served["classes"], predicted)))
    print(f"export accuracy = {np.mean(served['classes'] == test_y):.3f}")

    # a second export fed raw feature tensors, queried with saved_model_cli
    with tf.Graph().as_default():
        raw = {c: tf.placeholder(tf.float32, [None], name=c) for c in COLUMNS}
    raw_dir = est.export_saved_model(
        os.path.join(work_dir, "export_raw"),
        tf.estimator.export.build_raw_serving_input_receiver_fn(raw)).decode()
    import importlib.util
    if importlib.util.find_spec("flowgraph.tools.saved_model_cli") is not None:
        exprs = ";".join(f"{c}={test_x[:2, i].tolist()}" for i, c in enumerate(COLUMNS))
        out = subprocess.run([sys.executable, "-m", "flowgraph.tools.saved_model_cli", "run",
                              "--dir", raw_dir, "--tag_set", "serve", "--signature_def",
                              "serving_default", "--input_exprs", exprs],
                             capture_output=True, text=True, check=True).stdout
        print("saved_model_cli run:")
        print(out.strip())
        print("first two classes:", served["classes"][:2].tolist())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as d:
            main(d)
