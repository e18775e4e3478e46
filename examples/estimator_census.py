"""Wide & deep on a census-like CSV: a canned `DNNLinearCombinedClassifier` trained,
evaluated, exported as a SavedModel, and the export loaded and queried (in-process, then
through `saved_model_cli run`). The CSV (made here, seeded) has age, hours per week,
education and occupation; the label says whether the income is above 50K.

    python examples/estimator_census.py [--steps 300] [--dir DIR]

Written for `tf.compat.v1`: replace the import with `import tensorflow.compat.v1 as tf`
(and `tf.disable_v2_behavior()`) under TF 2.15 with tensorflow-estimator to run it there."""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

import flowgraph as tf

COLUMNS = ["age", "hours_per_week", "education", "occupation", "income_bracket"]
DEFAULTS = [[0.0], [0.0], [""], [""], [""]]
EDUCATION = ["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"]
OCCUPATION = ["Tech-support", "Sales", "Exec-managerial", "Craft-repair", "Farming-fishing",
              "Prof-specialty"]
LABELS = ["<=50K", ">50K"]


def make_csv(path, n, seed):
    """A CSV with a header: the label depends on age, hours, education and occupation."""
    rng = np.random.RandomState(seed)
    age = rng.randint(18, 70, n)
    hours = rng.randint(10, 70, n)
    edu = rng.randint(0, len(EDUCATION), n)
    occ = rng.randint(0, len(OCCUPATION), n)
    score = (0.04 * (age - 40) + 0.05 * (hours - 40) + np.array([0.8, -0.8, 1.2, 1.6, -0.3])[edu]
             + np.array([0.2, 0.0, 1.0, -0.4, -1.0, 0.8])[occ] - 0.4 + rng.normal(0, 0.5, n))
    with open(path, "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        for i in range(n):
            f.write(f"{age[i]},{hours[i]},{EDUCATION[edu[i]]},{OCCUPATION[occ[i]]},"
                    f"{LABELS[int(score[i] > 0)]}\n")


def input_fn(path, num_epochs, shuffle, batch_size=32):
    """(features, labels) from the CSV: TextLineDataset lines decoded by decode_csv."""
    def parse(line):
        values = tf.io.decode_csv(line, record_defaults=DEFAULTS)
        features = dict(zip(COLUMNS, values))
        return features, features.pop("income_bracket")

    def fn():
        ds = tf.data.TextLineDataset(path).skip(1)
        if shuffle:
            ds = ds.shuffle(1000, seed=1)
        return ds.repeat(num_epochs).batch(batch_size).map(parse)
    return fn


def feature_columns():
    fc = tf.feature_column
    age = fc.numeric_column("age")
    hours = fc.numeric_column("hours_per_week", normalizer_fn=lambda h: (h - 40.0) / 15.0)
    education = fc.categorical_column_with_vocabulary_list("education", EDUCATION)
    occupation = fc.categorical_column_with_hash_bucket("occupation", hash_bucket_size=20)
    age_buckets = fc.bucketized_column(age, boundaries=[25, 35, 45, 55, 65])
    wide = [education, occupation, age_buckets]
    age_scaled = fc.numeric_column("age", normalizer_fn=lambda a: (a - 44.0) / 15.0)
    deep = [age_scaled, hours, fc.indicator_column(education),
            fc.embedding_column(occupation, 4)]
    return wide, deep


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args(argv)
    work = args.dir or tempfile.mkdtemp(prefix="census_")
    os.makedirs(work, exist_ok=True)
    train_csv, test_csv = os.path.join(work, "adult.data"), os.path.join(work, "adult.test")
    make_csv(train_csv, 800, seed=0)
    make_csv(test_csv, 200, seed=1)

    wide, deep = feature_columns()
    model = tf.estimator.DNNLinearCombinedClassifier(
        model_dir=os.path.join(work, "model"), linear_feature_columns=wide,
        dnn_feature_columns=deep, dnn_hidden_units=[16, 8], label_vocabulary=LABELS,
        dnn_optimizer=tf.train.AdagradOptimizer(learning_rate=0.1),
        config=tf.estimator.RunConfig(tf_random_seed=42))
    model.train(input_fn(train_csv, None, True), steps=args.steps)
    metrics = model.evaluate(input_fn(test_csv, 1, False))
    for key in sorted(metrics):
        print(f"eval {key}: {metrics[key]:.4f}")

    spec = tf.feature_column.make_parse_example_spec(wide + deep)
    receiver = tf.estimator.export.build_parsing_serving_input_receiver_fn(spec)
    export_dir = model.export_saved_model(os.path.join(work, "export"), receiver)
    export_dir = export_dir.decode() if isinstance(export_dir, bytes) else export_dir
    print("exported to", os.path.basename(export_dir))

    def example(age, hours, education, occupation):
        f = tf.train.Feature
        return tf.train.Example(features=tf.train.Features(feature={
            "age": f(float_list=tf.train.FloatList(value=[age])),
            "hours_per_week": f(float_list=tf.train.FloatList(value=[hours])),
            "education": f(bytes_list=tf.train.BytesList(value=[education.encode()])),
            "occupation": f(bytes_list=tf.train.BytesList(value=[occupation.encode()])),
        })).SerializeToString()

    people = [(52.0, 60.0, "Doctorate", "Exec-managerial"), (19.0, 20.0, "HS-grad", "Sales")]
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], export_dir)
        sig = meta.signature_def["classification"]
        classes, scores = sess.run(
            [sig.outputs["classes"].name, sig.outputs["scores"].name],
            {sig.inputs["inputs"].name: [example(*p) for p in people]})
    for p, c, s in zip(people, classes, scores):
        best = int(np.argmax(s))
        print(f"loaded export: {p[2]}, {p[3]}, age {p[0]:.0f} -> {c[best].decode()} "
              f"(p={s[best]:.3f})")

    # The same query through the command-line tool.
    query = ("inputs=[{'age':[52.0],'hours_per_week':[60.0],'education':[b'Doctorate'],"
             "'occupation':[b'Exec-managerial']}]")
    cli = subprocess.run([sys.executable, "-m", "flowgraph.tools.saved_model_cli", "run",
                          "--dir", export_dir, "--tag_set", "serve", "--signature_def",
                          "classification", "--input_examples", query],
                         capture_output=True, text=True)
    print("saved_model_cli run:", "ok" if cli.returncode == 0 else "failed")
    print(cli.stdout.strip() or cli.stderr.strip())
    return metrics


if __name__ == "__main__":
    main()
