"""Estimator programs run twice: by scripts/make_estimator_fixtures.py under TF 2.15.1 +
tensorflow-estimator 2.15.0 (which writes tests/fixtures/estimator/scenarios.json) and by
tests/estimator/test_vs_tf215.py under flowgraph. Each takes `tf` (the tf.compat.v1 module
of either) and a scratch directory, and returns a JSON-able record: the logged lines
(normalized), the files written, variable names and values, losses, metrics and
predictions. Weights are constant-initialized so both runs compute the same numbers."""
import logging
import os
import re

import numpy as np

X = np.array([[1., 2.], [3., 4.], [5., 6.], [7., 8.], [2., 1.], [0., 3.]], np.float32)
Y = np.array([[1.], [2.], [3.], [4.], [1.5], [1.]], np.float32)
XC = np.array([[0.5, 1.0, -1.0], [1.5, -0.5, 0.2], [-1.0, 0.3, 0.8], [0.2, 0.2, 0.2],
               [1.0, -1.0, 0.5], [-0.3, 0.9, -0.6], [0.7, 0.1, 0.4], [-0.8, -0.2, 1.1]],
              np.float32)
YC = np.array([0, 1, 2, 0, 1, 2, 1, 0], np.int32)

# TF lines flowgraph does not print: session-manager internals, and the step counter's
# warning that TF prints only when its racy read of the global step lost the race
_SKIP = ("Graph was finalized.", "Running local_init_op.", "Done running local_init_op.",
         "Restoring parameters from ", "Using config:", "Using default config.",
         "It seems that global step", "Not using Distribute Coordinator.")


class LogCapture(logging.Handler):
    """Collects the messages of the TF ("tensorflow") or flowgraph ("flowgraph") logger."""

    def __init__(self, logger_name):
        super().__init__(logging.DEBUG)
        self.lines = []
        self._logger = logging.getLogger(logger_name)

    def emit(self, record):
        self.lines.append(record.getMessage())

    def __enter__(self):
        self._level = self._logger.level
        self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)


def normalize(lines, model_dir):
    """Drops lines flowgraph does not print; replaces paths, times and rates."""
    out = []
    for line in lines:
        if line.startswith(_SKIP) or "deprecat" in line.lower() or \
                "already exists; retrying" in line:  # two exports in one second
            continue
        line = line.replace(model_dir, "<dir>")
        line = re.sub(r"\(\d+\.\d+ sec\)", "(<t> sec)", line)
        line = re.sub(r"global_step/sec: [\d.e+-]+", "global_step/sec: <r>", line)
        line = re.sub(r"\d{4}-\d\d-\d\dT?-?\d\d:\d\d:\d\d", "<date>", line)
        line = re.sub(r"Inference Time : [\d.]+s", "Inference Time : <t>s", line)
        line = re.sub(r"temp-\d+", "temp-<ts>", line)
        out.append(line)
    return out


def files(model_dir):
    """The files under model_dir, event files as `events.out.tfevents.*`."""
    out = []
    for root, _, names in os.walk(model_dir):
        rel = os.path.relpath(root, model_dir)
        for n in names:
            if n.startswith("events.out.tfevents."):
                n = "events.out.tfevents.*"
            out.append(n if rel == "." else f"{rel}/{n}")
    return sorted(out)


def _as_json(value):
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    a = np.asarray(value)
    if a.dtype.kind in "SU O":
        return a.astype(str).tolist()
    return a.tolist()


def linear_model_fn(tf):
    def model_fn(features, labels, mode, params):
        x = features["x"]
        w = tf.get_variable("w", [2, 1], initializer=tf.constant_initializer(0.1))
        b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
        pred = tf.matmul(x, w) + b
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"y": pred, "x2": x * 2.0})
        loss = tf.losses.mean_squared_error(labels, pred)
        opt = tf.train.GradientDescentOptimizer(params["lr"])
        train_op = opt.minimize(loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(
            mode, loss=loss, train_op=train_op,
            eval_metric_ops={"mae": tf.metrics.mean_absolute_error(labels, pred)})
    return model_fn


def linear(tf, model_dir):
    """numpy_input_fn input; train 5 steps (checkpoints every 3, logs every 2), evaluate,
    predict, resume for 3 more steps, then a max_steps that is already reached."""
    rec = {}
    config = tf.estimator.RunConfig(log_step_count_steps=2, save_checkpoints_steps=3,
                                    save_summary_steps=2)
    est = tf.estimator.Estimator(linear_model_fn(tf), model_dir=model_dir, config=config,
                                 params={"lr": 0.01})
    train_in = tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=2, shuffle=False,
                                                  num_epochs=None)
    with LogCapture(_logger(tf)) as log:
        est.train(train_in, steps=5)
    rec["train_log"] = normalize(log.lines, model_dir)
    rec["files_after_train"] = files(model_dir)
    rec["variable_names"] = est.get_variable_names()
    rec["w"] = _as_json(est.get_variable_value("w"))
    rec["b"] = _as_json(est.get_variable_value("b"))
    eval_in = tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=4, shuffle=False,
                                                 num_epochs=1)
    with LogCapture(_logger(tf)) as log:
        metrics = est.evaluate(eval_in)
    rec["eval_log"] = normalize(log.lines, model_dir)
    rec["eval"] = _as_json(metrics)
    rec["eval_types"] = {k: type(v).__name__ for k, v in metrics.items()}
    pred_in = tf.estimator.inputs.numpy_input_fn({"x": X}, batch_size=4, shuffle=False)
    preds = list(est.predict(pred_in))
    rec["predictions"] = _as_json(preds)
    rec["predict_y_only"] = _as_json(list(est.predict(pred_in, predict_keys=["y"])))
    rec["predict_batches"] = _as_json(list(est.predict(pred_in,
                                                       yield_single_examples=False)))
    with LogCapture(_logger(tf)) as log:
        est.train(train_in, steps=3)
    rec["resume_log"] = normalize(log.lines, model_dir)
    rec["w_resumed"] = _as_json(est.get_variable_value("w"))
    rec["latest"] = os.path.basename(est.latest_checkpoint())
    with LogCapture(_logger(tf)) as log:
        est.train(train_in, max_steps=8)
    rec["skip_log"] = normalize(log.lines, model_dir)
    rec["files_final"] = files(model_dir)
    return rec


def dnn_model_fn(tf):
    def model_fn(features, labels, mode, config):
        x = features
        h = tf.layers.dense(x, 4, activation=tf.nn.relu,
                            kernel_initializer=tf.constant_initializer(0.3),
                            bias_initializer=tf.constant_initializer(0.05), name="hidden")
        logits = tf.layers.dense(h, 3, kernel_initializer=tf.constant_initializer(
            [[0.1, -0.2, 0.3], [0.2, 0.1, -0.1], [-0.3, 0.2, 0.1], [0.05, 0.05, 0.05]]),
            name="logits")
        classes = tf.argmax(logits, 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={
                "classes": classes, "probabilities": tf.nn.softmax(logits)})
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        train_op = tf.train.AdagradOptimizer(0.5).minimize(
            loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                          eval_metric_ops={
                                              "accuracy": tf.metrics.accuracy(labels,
                                                                              classes)})
    return model_fn


def _dataset_input(tf, epochs, batch):
    def input_fn():
        ds = tf.data.Dataset.from_tensor_slices((XC, YC))
        return ds.repeat(epochs).batch(batch)
    return input_fn


def dnn(tf, model_dir):
    """tf.layers DNN on a tf.data input_fn: train to max_steps 6 (input of 5 batches per
    epoch ends the first call after 4 steps), evaluate 2 steps under a name, predict."""
    rec = {}
    config = tf.estimator.RunConfig(log_step_count_steps=3, save_checkpoints_steps=4,
                                    save_summary_steps=100, keep_checkpoint_max=2)
    est = tf.estimator.Estimator(dnn_model_fn(tf), model_dir=model_dir, config=config)
    with LogCapture(_logger(tf)) as log:
        est.train(_dataset_input(tf, 1, 2), max_steps=6)
    rec["train_log"] = normalize(log.lines, model_dir)
    with LogCapture(_logger(tf)) as log:
        est.train(_dataset_input(tf, None, 3), max_steps=6)
    rec["train2_log"] = normalize(log.lines, model_dir)
    rec["variable_names"] = est.get_variable_names()
    rec["kernel"] = _as_json(est.get_variable_value("hidden/kernel"))
    with LogCapture(_logger(tf)) as log:
        metrics = est.evaluate(_dataset_input(tf, 1, 3), steps=2, name="holdout")
    rec["eval_log"] = normalize(log.lines, model_dir)
    rec["eval"] = _as_json(metrics)
    rec["predictions"] = _as_json(list(est.predict(
        lambda: tf.data.Dataset.from_tensor_slices(XC).batch(5))))
    rec["files_final"] = files(model_dir)
    return rec


def warm(tf, model_dir, source_dir):
    """A new Estimator warm-started from `source_dir` (variables renamed) evaluates with
    the source's weights without training; a second one warm-starts only `b`."""
    rec = {}

    def renamed_fn(features, labels, mode, params):
        with tf.variable_scope("new"):
            return linear_model_fn(tf)(features, labels, mode, params)
    settings = tf.estimator.WarmStartSettings(
        source_dir, vars_to_warm_start=".*",
        var_name_to_prev_var_name={"new/w": "w", "new/b": "b"})
    est = tf.estimator.Estimator(renamed_fn, model_dir=model_dir, params={"lr": 0.0},
                                 warm_start_from=settings)
    eval_in = tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=6, shuffle=False,
                                                 num_epochs=1)
    with LogCapture(_logger(tf)) as log:
        rec["eval"] = _as_json(est.evaluate(eval_in))
    rec["eval_log"] = [line.replace(source_dir, "<src>")
                       for line in normalize(log.lines, model_dir)]
    est2 = tf.estimator.Estimator(linear_model_fn(tf), model_dir=model_dir + "_b",
                                  params={"lr": 0.0},
                                  warm_start_from=tf.estimator.WarmStartSettings(
                                      source_dir, vars_to_warm_start=["b"]))
    train_in = tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=2, shuffle=False,
                                                  num_epochs=None)
    est2.train(train_in, steps=1)
    rec["b_only_w"] = _as_json(est2.get_variable_value("w"))
    rec["b_only_b"] = _as_json(est2.get_variable_value("b"))
    # from a SavedModel directory: its variables/ checkpoint
    source = tf.estimator.Estimator(linear_model_fn(tf), model_dir=source_dir,
                                    params={"lr": 0.0})
    with tf.Graph().as_default():
        raw_fn = tf.estimator.export.build_raw_serving_input_receiver_fn(
            {"x": tf.placeholder(tf.float32, [None, 2], name="x")})
    saved = source.export_saved_model(model_dir + "_export", raw_fn)
    est3 = tf.estimator.Estimator(linear_model_fn(tf), model_dir=model_dir + "_sm",
                                  params={"lr": 0.0}, warm_start_from=saved)
    rec["from_saved_model"] = _as_json(est3.evaluate(eval_in))
    return rec


def export_model_fn(tf):
    """The linear model with a second, regression export output."""
    def model_fn(features, labels, mode, params):
        spec = linear_model_fn(tf)(features, labels, mode, params)
        if mode != tf.estimator.ModeKeys.PREDICT:
            return spec
        y = spec.predictions["y"]
        return spec._replace(export_outputs={
            "serving_default": tf.estimator.export.PredictOutput(spec.predictions),
            "regress": tf.estimator.export.RegressionOutput(tf.reshape(y, [-1]))})
    return model_fn


def _signatures(meta_graph):
    out = {}
    for key, sig in meta_graph.signature_def.items():
        out[key] = {"method_name": sig.method_name, **{
            side: {k: [v.name, int(v.dtype), [d.size for d in v.tensor_shape.dim],
                       bool(v.tensor_shape.unknown_rank)]
                   for k, v in getattr(sig, side).items()} for side in ("inputs", "outputs")}}
    return out


def _examples(tf, rows):
    return [tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=list(map(float, r))))})
    ).SerializeToString() for r in rows]


def export(tf, model_dir):
    """Exports a trained model with a raw and with a parsing receiver; loads each back."""
    rec = {}
    est = tf.estimator.Estimator(export_model_fn(tf), model_dir=model_dir,
                                 params={"lr": 0.01})
    est.train(tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=2, shuffle=False,
                                                 num_epochs=None), steps=3)
    with tf.Graph().as_default():
        raw_fn = tf.estimator.export.build_raw_serving_input_receiver_fn(
            {"x": tf.placeholder(tf.float32, [None, 2], name="x")})
    parse_fn = tf.estimator.export.build_parsing_serving_input_receiver_fn(
        {"x": tf.FixedLenFeature([2], tf.float32)})
    base = os.path.join(model_dir, "export")
    with LogCapture(_logger(tf)) as log:
        raw_dir = est.export_saved_model(base, raw_fn)
    rec["raw_log"] = [line.replace(os.fsdecode(raw_dir), "<export>")
                      for line in normalize(log.lines, model_dir)]
    rec["raw_dir_type"] = type(raw_dir).__name__
    rec["raw_files"] = files(os.fsdecode(raw_dir))
    rec["raw_parent"] = [n for n in os.listdir(base) if n.startswith("temp-")]
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], raw_dir)
        rec["raw_tags"] = list(meta.meta_info_def.tags)
        rec["raw_signatures"] = _signatures(meta)
        sig = meta.signature_def["serving_default"]
        rec["raw_outputs"] = _as_json(sess.run(
            {k: v.name for k, v in sig.outputs.items()}, {sig.inputs["x"].name: X}))
        rec["raw_collections"] = sorted(meta.collection_def.keys())
    with LogCapture(_logger(tf)) as log:
        parse_dir = est.export_savedmodel(base + "_parsing", parse_fn)
    rec["parse_log"] = [line.replace(os.fsdecode(parse_dir), "<export>")
                        for line in normalize(log.lines, model_dir)]
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], parse_dir)
        rec["parse_signatures"] = _signatures(meta)
        out = {}
        for key, sig in sorted(meta.signature_def.items()):
            feed = {sig.inputs[k].name: _examples(tf, X) for k in sig.inputs}
            out[key] = _as_json(sess.run({k: v.name for k, v in sig.outputs.items()}, feed))
        rec["parse_outputs"] = out
    rec["export_dir"] = os.fsdecode(raw_dir)
    return rec


def _error(fn, model_dir):
    """(class name, message with object reprs and paths blanked) of what fn raises."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        msg, prev = str(e).replace(model_dir, "DIR"), None
        while msg != prev:  # innermost first: <function f.<locals>.<lambda> at 0x..>
            prev, msg = msg, re.sub(r"<[^<>]*>", "OBJ", msg)
        msg = re.sub(r"Tensor\(\"[^\"]*\", shape=\([^)]*\), dtype=\w+\)", "TENSOR", msg)
        return [type(e).__name__, msg]
    return None


def errors(tf, model_dir):
    """User errors: the class and message of each."""
    xin = tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=2, shuffle=False,
                                             num_epochs=None)

    def spec_fn(**fields):
        def model_fn(features, labels, mode):
            pred = tf.layers.dense(features["x"], 1, name="d")
            loss = train_op = None
            if labels is not None:
                loss = tf.losses.mean_squared_error(labels, pred)
                train_op = tf.train.GradientDescentOptimizer(0.1).minimize(
                    loss, global_step=tf.train.get_global_step())
            kw = dict(predictions={"y": pred}, loss=loss, train_op=train_op)
            kw.update({k: (v(pred) if callable(v) else v) for k, v in fields.items()})
            return tf.estimator.EstimatorSpec(mode, **kw)
        return model_fn

    def est(fn, **kw):
        return tf.estimator.Estimator(fn, model_dir=model_dir, **kw)

    def no_labels_fn(features, mode):
        return None

    cases = {
        "missing_loss": lambda: est(spec_fn(loss=None)).train(xin, steps=1),
        "missing_train_op": lambda: est(spec_fn(train_op=None)).train(xin, steps=1),
        "missing_predictions": lambda: list(est(spec_fn(predictions=None)).predict(xin)),
        "loss_not_scalar": lambda: est(spec_fn(loss=lambda p: tf.reshape(p, [-1]))).train(
            xin, steps=1),
        "metric_named_loss": lambda: est(spec_fn(eval_metric_ops=lambda p: {
            "loss": tf.metrics.mean(p)})).evaluate(xin, steps=1),
        "metric_not_tuple": lambda: est(spec_fn(eval_metric_ops=lambda p: {
            "m": p})).evaluate(xin, steps=1),
        "bad_hook": lambda: est(spec_fn(training_hooks=[object()])).train(xin, steps=1),
        "bad_train_hook_arg": lambda: est(spec_fn()).train(xin, hooks=[1], steps=1),
        "not_a_spec": lambda: est(lambda features, labels, mode: 3).train(xin, steps=1),
        "no_features_arg": lambda: est(lambda x, labels: None),
        "params_not_taken": lambda: est(lambda features, labels: None, params={"a": 1}),
        "unexpected_arg": lambda: est(lambda features, labels, extra: None),
        "labels_not_taken": lambda: est(no_labels_fn).train(xin, steps=1),
        "steps_zero": lambda: est(spec_fn()).train(xin, steps=0),
        "steps_and_max": lambda: est(spec_fn()).train(xin, steps=1, max_steps=2),
        "eval_steps_zero": lambda: est(spec_fn()).evaluate(xin, steps=0),
        "no_checkpoint": lambda: est(spec_fn()).get_variable_names(),
        "predict_keys_non_dict": lambda: list(est(spec_fn(predictions=lambda p: p)).predict(
            xin, predict_keys=["y"])),
        "predict_keys_unknown": lambda: list(est(spec_fn()).predict(xin,
                                                                    predict_keys=["z"])),
        "both_ckpt_settings": lambda: tf.estimator.RunConfig(save_checkpoints_steps=1,
                                                             save_checkpoints_secs=1),
        "replace_unknown": lambda: tf.estimator.RunConfig().replace(foo=1),
        "replace_both": lambda: tf.estimator.RunConfig().replace(save_checkpoints_steps=2,
                                                                 save_checkpoints_secs=3),
        "bad_summary_steps": lambda: tf.estimator.RunConfig(save_summary_steps=-1),
        "bad_log_steps": lambda: tf.estimator.RunConfig(log_step_count_steps=0),
        "bad_seed": lambda: tf.estimator.RunConfig(tf_random_seed=1.5),
        "config_not_runconfig": lambda: est(spec_fn(), config=3),
        "model_dir_conflict": lambda: tf.estimator.Estimator(
            spec_fn(), model_dir=model_dir + "a",
            config=tf.estimator.RunConfig(model_dir=model_dir + "b")),
        "shuffle_missing": lambda: tf.estimator.inputs.numpy_input_fn({"x": X}),
        "x_not_dict": lambda: tf.estimator.inputs.numpy_input_fn([1, 2], shuffle=False)(),
        "length_mismatch": lambda: tf.estimator.inputs.numpy_input_fn(
            {"x": X}, Y[:3], shuffle=False)(),
        "warm_start_type": lambda: est(spec_fn(), warm_start_from=3),
        "no_model_fn": lambda: tf.estimator.Estimator(None, model_dir=model_dir),
    }
    out = {}
    for name, fn in cases.items():
        with tf.Graph().as_default():
            out[name] = _error(fn, model_dir)
    return out


def counting_hook(tf):
    class Hook(tf.train.SessionRunHook):
        def __init__(self):
            self.calls = {"begin": 0, "after_create_session": 0, "before_run": 0,
                          "after_run": 0, "end": 0}

        def begin(self):
            self.calls["begin"] += 1

        def after_create_session(self, session, coord):
            self.calls["after_create_session"] += 1

        def before_run(self, run_context):
            self.calls["before_run"] += 1

        def after_run(self, run_context, run_values):
            self.calls["after_run"] += 1

        def end(self, session):
            self.calls["end"] += 1
    return Hook


def hooks(tf, model_dir):
    """Hooks given to train/evaluate/predict and returned in the EstimatorSpec are all
    called; a listener sees each checkpoint; input_fns returning tensors; config and
    params reach the model_fn."""
    hook_cls = counting_hook(tf)
    spec_hooks = {m: hook_cls() for m in ("train", "chief", "eval", "predict")}
    seen = {}

    def model_fn(features, labels, mode, params, config):
        seen[mode] = [params, os.path.basename(config.model_dir)]
        spec = linear_model_fn(tf)(features, labels, mode, {"lr": 0.01})
        return spec._replace(training_hooks=[spec_hooks["train"]],
                             training_chief_hooks=[spec_hooks["chief"]],
                             evaluation_hooks=[spec_hooks["eval"]],
                             prediction_hooks=[spec_hooks["predict"]])

    class Listener(tf.train.CheckpointSaverListener):
        steps = []

        def after_save(self, session, global_step_value):
            self.steps.append(int(global_step_value))

    config = tf.estimator.RunConfig(save_checkpoints_steps=2)
    est = tf.estimator.Estimator(model_fn, model_dir=model_dir, config=config,
                                 params={"p": 7})
    arg_hooks = {m: hook_cls() for m in ("train", "eval", "predict")}

    def const_input():
        return {"x": tf.constant(X)}, tf.constant(Y)
    est.train(const_input, steps=4, hooks=[arg_hooks["train"]],
              saving_listeners=[Listener()])
    metrics = est.evaluate(const_input, steps=3, hooks=[arg_hooks["eval"]])
    preds = list(est.predict(tf.estimator.inputs.numpy_input_fn(
        {"x": X}, batch_size=4, shuffle=False), hooks=[arg_hooks["predict"]]))
    return {"spec_hooks": {k: h.calls for k, h in spec_hooks.items()},
            "arg_hooks": {k: h.calls for k, h in arg_hooks.items()},
            "listener_steps": Listener.steps, "seen": {k: v for k, v in sorted(seen.items())},
            "eval": _as_json(metrics), "n_predictions": len(preds)}


def config(tf, model_dir):
    """RunConfig values: defaults, checkpoint settings, replace."""
    def props(c):
        return {k: getattr(c, k) for k in (
            "model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps",
            "save_checkpoints_secs", "keep_checkpoint_max", "keep_checkpoint_every_n_hours",
            "log_step_count_steps", "session_creation_timeout_secs", "is_chief",
            "task_type", "task_id", "master", "num_ps_replicas", "num_worker_replicas",
            "checkpoint_save_graph_def")}
    c = tf.estimator.RunConfig()
    return {"default": props(c),
            "steps": props(tf.estimator.RunConfig(save_checkpoints_steps=10)),
            "secs_none": props(tf.estimator.RunConfig(save_checkpoints_secs=None)),
            "replace_steps": props(c.replace(save_checkpoints_steps=7, tf_random_seed=3)),
            "replace_secs": props(c.replace(save_checkpoints_steps=7).replace(
                save_checkpoints_secs=9)),
            "estimator_model_dir": os.path.basename(tf.estimator.Estimator(
                linear_model_fn(tf), model_dir=model_dir).config.model_dir),
            "session_config_allow_soft": tf.estimator.Estimator(
                linear_model_fn(tf), model_dir=model_dir).config.session_config
            .allow_soft_placement,
            "modes": [tf.estimator.ModeKeys.TRAIN, tf.estimator.ModeKeys.EVAL,
                      tf.estimator.ModeKeys.PREDICT]}


def train_and_evaluate(tf, model_dir):
    """train_and_evaluate to max_steps 6, checkpoints every 3 steps: evaluations after
    checkpoints 3 and 6 (not 0), with latest, best and final exporters."""
    config = tf.estimator.RunConfig(save_checkpoints_steps=3, log_step_count_steps=100)
    est = tf.estimator.Estimator(linear_model_fn(tf), model_dir=model_dir, config=config,
                                 params={"lr": 0.01})
    parse_fn = tf.estimator.export.build_parsing_serving_input_receiver_fn(
        {"x": tf.FixedLenFeature([2], tf.float32)})
    exporters = [tf.estimator.LatestExporter("latest", parse_fn, exports_to_keep=1),
                 tf.estimator.BestExporter(serving_input_receiver_fn=parse_fn),
                 tf.estimator.FinalExporter("final", parse_fn)]
    train_spec = tf.estimator.TrainSpec(tf.estimator.inputs.numpy_input_fn(
        {"x": X}, Y, batch_size=2, shuffle=False, num_epochs=None), max_steps=6)
    eval_spec = tf.estimator.EvalSpec(tf.estimator.inputs.numpy_input_fn(
        {"x": X}, Y, batch_size=3, shuffle=False, num_epochs=1), steps=None,
        exporters=exporters, throttle_secs=0)
    with LogCapture(_logger(tf)) as log:
        metrics, exports = tf.estimator.train_and_evaluate(est, train_spec, eval_spec)
    lines = [re.sub(r"/\d{10}", "/<ts>", line) for line in normalize(log.lines, model_dir)]
    export_root = os.path.join(model_dir, "export")
    return {"metrics": _as_json(metrics),
            "exports": [None if e is None else os.path.relpath(
                os.path.dirname(os.fsdecode(e)), model_dir) for e in exports],
            "export_dirs": {d: len(os.listdir(os.path.join(export_root, d)))
                            for d in sorted(os.listdir(export_root))},
            "log": [line for line in lines if not line.startswith((
                "Calling checkpoint listeners", "SavedModel written", "No assets",
                "Assets added", "Signatures"))],
            "files": [f for f in files(model_dir) if not f.startswith("export/")]}


def _read_all(tf, input_fn):
    """(static shapes, every batch) of what input_fn() returns, until its input ends."""
    with tf.Graph().as_default():
        out = input_fn()
        flat = out if isinstance(out, tuple) else (out,)
        shapes = [{k: v.shape.as_list() for k, v in sorted(t.items())} if isinstance(t, dict)
                  else t.shape.as_list() for t in flat]
        batches = []
        with tf.train.MonitoredSession() as sess:
            while not sess.should_stop():
                batches.append(_as_json(sess.run(out)))
    return {"shapes": shapes, "batches": batches}


def inputs(tf, model_dir):
    """numpy_input_fn batches and static shapes: dict and array x, dict y, one or more
    epochs (a short last batch), endless input (a static batch size; first batches)."""
    fn = tf.estimator.inputs.numpy_input_fn
    x2 = {"b": X[:, 0], "a": X[:, 1:]}
    endless = fn({"x": X}, Y, batch_size=4, shuffle=False, num_epochs=None)
    with tf.Graph().as_default():
        feats, labels = endless()
        with tf.train.MonitoredSession() as sess:
            first = [_as_json(sess.run([feats, labels])) for _ in range(3)]
        endless_shapes = [feats["x"].shape.as_list(), labels.shape.as_list()]
    shuffled = _read_all(tf, fn({"x": X}, Y, batch_size=4, shuffle=True, num_epochs=2))
    return {"dict_x": _read_all(tf, fn(x2, Y, batch_size=4, shuffle=False)),
            "array_x": _read_all(tf, fn(X, batch_size=4, shuffle=False, num_epochs=2)),
            "dict_y": _read_all(tf, fn({"x": X}, {"t": Y, "u": Y * 2}, batch_size=5,
                                       shuffle=False)),
            "endless": {"shapes": endless_shapes, "first": first},
            "shuffled_count": sum(len(b[1]) for b in shuffled["batches"]),
            "shuffled_rows": sorted(r for b in shuffled["batches"] for r in b[1])}


def pandas_inputs(tf, model_dir):
    """pandas_input_fn batches (Series and DataFrame targets) and a short training run."""
    import pandas as pd
    df = pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1]}, index=range(10, 16))
    fn = tf.estimator.inputs.pandas_input_fn
    series = pd.Series(Y[:, 0], index=df.index)
    frame = pd.DataFrame({"t": Y[:, 0], "u": Y[:, 0] * 2}, index=df.index)

    def model_fn(features, labels, mode):
        x = tf.stack([features["x1"], features["x2"]], axis=1)
        spec = linear_model_fn(tf)({"x": x}, tf.reshape(labels, [-1, 1]), mode, {"lr": 0.01})
        return spec
    est = tf.estimator.Estimator(model_fn, model_dir=model_dir)
    est.train(fn(df, series, batch_size=2, shuffle=False, num_epochs=None), steps=3)
    return {"series": _read_all(tf, fn(df, series, batch_size=4, shuffle=False)),
            "frame": _read_all(tf, fn(df, frame, batch_size=4, shuffle=False)),
            "features_only": _read_all(tf, fn(df, batch_size=5, shuffle=False)),
            "trained_w": _as_json(est.get_variable_value("w")),
            "index_mismatch": _error(lambda: fn(df, pd.Series(Y[:, 0]), shuffle=False),
                                     model_dir)}


def _logger(tf):
    return "flowgraph" if tf.__name__.startswith("flowgraph") else "tensorflow"


def run_all(tf, scratch):
    """{scenario: record} for every scenario, each in its own directory of `scratch`."""
    out = {"linear": linear(tf, os.path.join(scratch, "linear")),
           "dnn": dnn(tf, os.path.join(scratch, "dnn"))}
    out["warm"] = warm(tf, os.path.join(scratch, "warm"), os.path.join(scratch, "linear"))
    out["export"] = export(tf, os.path.join(scratch, "export"))
    out["errors"] = errors(tf, os.path.join(scratch, "errors"))
    out["hooks"] = hooks(tf, os.path.join(scratch, "hooks"))
    out["config"] = config(tf, os.path.join(scratch, "config"))
    out["train_and_evaluate"] = train_and_evaluate(tf, os.path.join(scratch, "tae"))
    out["inputs"] = inputs(tf, os.path.join(scratch, "inputs"))
    try:
        import pandas  # noqa: F401
    except ImportError:
        return out
    out["pandas"] = pandas_inputs(tf, os.path.join(scratch, "pandas"))
    return out
