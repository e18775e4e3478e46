"""`Model`: a `Network` that trains. `compile` builds the loss, the metrics and the
optimizer's updates as graph ops; `fit`/`evaluate`/`predict` run them through
`backend.function` (one `Session.run` per batch), as Keras's TF1 training loop does."""
import numpy as np

from flowgraph.framework import nest
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.keras import backend as K
from flowgraph.keras import losses as losses_module
from flowgraph.keras import metrics as metrics_module
from flowgraph.keras import optimizers
from flowgraph.keras.engine import base_layer, training_arrays, training_dataset, \
    training_generator
from flowgraph.keras.engine import training_utils as tu
from flowgraph.keras.engine.functional import Network
from flowgraph.keras.saving.model_methods import ModelSavingMixin
from flowgraph.ops import array_ops, core, creation_ops, math_ops, reduction_ops, unary_ops

__all__ = ["Model"]

_ACC = ("accuracy", "acc")
_CE = ("crossentropy", "ce")


def _fn_name(fn):
    return getattr(fn, "name", None) if not hasattr(fn, "__name__") else fn.__name__


def _is_named(loss_fn, *names):
    name = getattr(loss_fn, "__name__", None) or type(loss_fn).__name__
    snake = {"BinaryCrossentropy": "binary_crossentropy",
             "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
             "CategoricalCrossentropy": "categorical_crossentropy"}.get(name, name)
    fn = getattr(loss_fn, "fn", None)
    return snake in names or getattr(fn, "__name__", None) in names


class _MetricSpec:
    """One metric of one output: its name, the graph tensors of its batch sum and count
    (or a stateful Metric object), accumulated over an epoch in Python."""

    def __init__(self, name, fn=None, obj=None):
        self.name, self.fn, self.obj = name, fn, obj
        self.total = self.count = 0.0


class Model(ModelSavingMixin, Network):
    """Groups layers into an object with training and inference features."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.optimizer = None
        self._is_compiled = False
        self._train_fn = self._test_fn = self._predict_fn = None
        self.stop_training = False
        self.history = None
        self._metric_specs = []
        self._loss_tracks = []

    # -- compile -------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None,
                **kwargs):
        """Sets the optimizer, the loss(es) and the metrics, and builds them as graph ops
        (at once when the model is built, else on the first `fit`)."""
        for k in kwargs:
            if k not in ("run_eagerly", "distribute", "steps_per_execution"):
                raise TypeError(f"Invalid keyword argument(s) in `compile`: {set(kwargs)}")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss or {}
        self._compile_metrics = metrics
        self._compile_weighted_metrics = weighted_metrics
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self._target_tensors = target_tensors
        self._is_compiled = True
        self._train_fn = self._test_fn = self._predict_fn = None
        if self.outputs is not None:
            self._compile_graph()

    def _per_output(self, value, what, default=None):
        names = self.output_names
        if isinstance(value, dict):
            for k in value:
                if k not in names:
                    raise ValueError(f"Unknown entries in {what} dictionary: ['{k}']. Only "
                                     f"expected following keys: {names}")
            return [value.get(n, default) for n in names]
        if isinstance(value, (list, tuple)) and what != "metrics":
            if len(value) != len(names):
                raise ValueError(f"When passing a list as {what}, it should have one entry "
                                 f"per model outputs. The model has {len(names)} outputs, "
                                 f"but you passed {what}={value}")
            return list(value)
        return [value for _ in names]

    def _compile_graph(self):
        outputs, names = self.outputs, self.output_names
        loss_fns = []
        for l in self._per_output(self.loss, "loss"):
            loss_fns.append(None if l is None else losses_module.get(l))
        self.loss_functions = loss_fns
        weights = self._per_output(self.loss_weights, "loss_weights", 1.0) \
            if self.loss_weights is not None else [1.0] * len(names)
        sw_modes = self._per_output(self.sample_weight_mode, "sample_weight_mode") \
            if self.sample_weight_mode is not None else [None] * len(names)
        with name_scope(""):
            self.targets, self.sample_weights = [], []
            given = self._target_tensors
            for i, (out, name, fn) in enumerate(zip(outputs, names, loss_fns)):
                if fn is None:
                    self.targets.append(None)
                    self.sample_weights.append(None)
                    continue
                if given is not None:
                    target = nest.flatten(given)[i]
                else:
                    ndim = out.shape.ndims
                    target = K.placeholder(ndim=ndim, name=name + "_target",
                                           dtype=out.dtype.base_dtype.name)
                    if _is_named(fn, "sparse_categorical_crossentropy"):
                        target.set_shape([None] * (ndim - 1) + [1]) if ndim else None
                self.targets.append(target)
                sw_shape = [None, None] if sw_modes[i] == "temporal" else [None]
                self.sample_weights.append(core.placeholder_with_default(
                    creation_ops.ones(array_ops.shape(out)[:len(sw_shape)]),
                    shape=sw_shape, name=name + "_sample_weights"))
        self._feed_outputs = [o for o, t in zip(outputs, self.targets) if t is not None]
        self._feed_targets = [t for t in self.targets if t is not None]
        self._feed_sample_weights = [w for w in self.sample_weights if w is not None]
        self._feed_output_names = [n for n, t in zip(names, self.targets) if t is not None]
        self._feed_loss_fns = [f for f in loss_fns if f is not None]
        self._sample_weight_modes = sw_modes
        # Losses: the weighted mean of each output's loss, summed with loss_weights, plus
        # the layers' regularization losses.
        total, per_output = None, []
        with name_scope("loss"):
            for i, (out, name, fn) in enumerate(zip(outputs, names, loss_fns)):
                if fn is None:
                    continue
                with name_scope(name + "_loss"):
                    value = self._weighted_loss(fn, self.targets[i], out,
                                                self.sample_weights[i])
                per_output.append(value)
                term = value if weights[i] == 1.0 else math_ops.multiply(
                    unary_ops.cast(weights[i], value.dtype), value)
                total = term if total is None else math_ops.add(total, term)
            reg = [l for l in self.losses if l is not None]
            if reg:
                reg_sum = math_ops.add_n([unary_ops.cast(l, K.floatx()) for l in reg]) \
                    if len(reg) > 1 else unary_ops.cast(reg[0], K.floatx())
                total = reg_sum if total is None else math_ops.add(total, reg_sum)
            if total is None:
                raise ValueError("The model cannot be compiled because it has no loss to "
                                 "optimize.")
        self.total_loss = total
        self._output_losses = per_output
        self._loss_tracks = [_MetricSpec(n + "_loss") for n in self._feed_output_names] \
            if len(per_output) > 1 else []
        self._build_metrics()
        self._collected_trainable_weights = self.trainable_weights

    @staticmethod
    def _weighted_loss(fn, y_true, y_pred, sample_weight):
        if hasattr(fn, "call") and hasattr(fn, "reduction"):
            return fn(y_true, y_pred, sample_weight=sample_weight)
        values = fn(y_true, y_pred)
        values = unary_ops.cast(values, K.floatx())
        sw = sample_weight
        if values.shape.ndims is not None and sw.shape.ndims is not None and \
                values.shape.ndims > sw.shape.ndims:
            values = reduction_ops.reduce_mean(
                values, axis=list(range(sw.shape.ndims, values.shape.ndims)))
        weighted = math_ops.multiply(values, sw)
        n = unary_ops.cast(array_ops.size(weighted), K.floatx())
        return math_ops.div_no_nan(reduction_ops.reduce_sum(weighted), n)

    def _metric_fns(self, metric, loss_fn, output):
        """(name, function or Metric object) for one metric entry of one output."""
        if metric in _ACC or metric in _CE:
            last = output.shape.as_list()[-1] if output.shape.ndims else None
            binary = last == 1 or _is_named(loss_fn, "binary_crossentropy")
            sparse = _is_named(loss_fn, "sparse_categorical_crossentropy")
            if metric in _ACC:
                fn = metrics_module.binary_accuracy if binary else \
                    metrics_module.sparse_categorical_accuracy if sparse else \
                    metrics_module.categorical_accuracy
                return "acc", fn, None
            fn = losses_module.binary_crossentropy if binary else \
                losses_module.sparse_categorical_crossentropy if sparse else \
                losses_module.categorical_crossentropy
            return "ce", fn, None
        if hasattr(metric, "update_state") and hasattr(metric, "result"):
            return metric.name, None, metric
        fn = metrics_module.get(metric)
        if hasattr(fn, "update_state") and hasattr(fn, "result"):
            return fn.name, None, fn
        return _fn_name(fn), fn, None

    def _build_metrics(self):
        self._metric_specs = []
        names = self._feed_output_names
        plain = self._compile_metrics
        weighted = self._compile_weighted_metrics
        for kind, entries in (("plain", plain), ("weighted", weighted)):
            if not entries:
                continue
            if isinstance(entries, dict):
                per_output = [entries.get(n, []) for n in names]
            elif isinstance(entries, (list, tuple)) and entries and \
                    all(isinstance(e, (list, tuple)) for e in entries):
                per_output = list(entries)
            else:
                per_output = [entries for _ in names]
            for i, (name, ms) in enumerate(zip(names, per_output)):
                ms = ms if isinstance(ms, (list, tuple)) else [ms]
                out, target = self._feed_outputs[i], self._feed_targets[i]
                sw = self._feed_sample_weights[i]
                for m in ms:
                    short, fn, obj = self._metric_fns(m, self._feed_loss_fns[i], out)
                    if kind == "weighted":
                        short = "weighted_" + short
                    full = short if len(names) == 1 else f"{name}_{short}"
                    spec = _MetricSpec(full, fn, obj)
                    with name_scope(f"metrics/{short}"):
                        if obj is not None:
                            upd = obj.update_state(target, out,
                                                   sample_weight=sw if kind == "weighted"
                                                   else None)
                            spec.update_op = upd
                            spec.result = obj.result()
                            spec.tensors = []
                        else:
                            vals = unary_ops.cast(fn(target, out), K.floatx())
                            w = sw if kind == "weighted" else creation_ops.ones_like(sw)
                            if vals.shape.ndims is not None and vals.shape.ndims > 1 and \
                                    w.shape.ndims == 1:
                                w = array_ops.expand_dims(w, -1) if vals.shape.ndims == 2 \
                                    else w
                            wb = math_ops.multiply(creation_ops.ones_like(vals), w)
                            spec.tensors = [reduction_ops.reduce_sum(
                                math_ops.multiply(vals, wb)), reduction_ops.reduce_sum(wb)]
                    self._metric_specs.append(spec)
        self.metrics_names = ["loss"] + [s.name for s in self._loss_tracks] + \
            [s.name for s in self._metric_specs]

    @property
    def metrics(self):
        return [s.obj for s in self._metric_specs if s.obj is not None]

    def reset_metrics(self):
        """Starts the running means of the metrics again."""
        for spec in self._metric_specs + self._loss_tracks:
            spec.total = spec.count = 0.0
            if spec.obj is not None and hasattr(spec.obj, "reset_states"):
                spec.obj.reset_states()

    # -- execution functions ----------------------------------------------------------------
    def _metric_fetches(self):
        fetches = list(self._output_losses) if self._loss_tracks else []
        for spec in self._metric_specs:
            fetches += spec.tensors if spec.obj is None else [spec.result]
        return fetches

    def _feeds(self):
        return list(self.inputs) + self._feed_targets + self._feed_sample_weights

    def _make_fn(self, mode):
        self._check_compiled()
        lp = K.learning_phase()
        feeds = self._feeds()
        extra = {}
        if isinstance(lp, Tensor):
            extra = {lp: mode == "train"}
        outputs = [self.total_loss] + self._metric_fetches()
        updates = []
        if mode == "train":
            with name_scope("training"):
                updates = list(self.optimizer.get_updates(
                    params=self._collected_trainable_weights, loss=self.total_loss))
            updates += [u for u in self.updates if u is not None]
        metric_updates = [s.update_op for s in self._metric_specs if s.obj is not None]
        fn = K.function(feeds, outputs, updates=updates + metric_updates,
                        name=f"{mode}_function")
        return _BoundFunction(fn, extra)

    def _make_train_function(self):
        if self._train_fn is None:
            self._train_fn = self._make_fn("train")
        return self._train_fn

    def _make_test_function(self):
        if self._test_fn is None:
            self._test_fn = self._make_fn("test")
        return self._test_fn

    def _make_predict_function(self):
        if self._predict_fn is None:
            lp = K.learning_phase()
            extra = {lp: False} if isinstance(lp, Tensor) else {}
            self._predict_fn = _BoundFunction(
                K.function(list(self.inputs), list(self.outputs), updates=self.state_updates,
                           name="predict_function"), extra)
        return self._predict_fn

    def _check_compiled(self):
        if not self._is_compiled or self.optimizer is None:
            raise RuntimeError("You must compile your model before training/testing. Use "
                               "`model.compile(optimizer, loss)`.")

    def _fold_results(self, raw, reset):
        """The per-batch values of `metrics_names` from a function's raw outputs, folding
        each metric's batch sum/count into its running mean."""
        if reset:
            self.reset_metrics()
        out = [float(raw[0])]
        i = 1
        for spec in self._loss_tracks:
            spec.total += float(raw[i])
            spec.count += 1
            out.append(spec.total / spec.count)
            i += 1
        for spec in self._metric_specs:
            if spec.obj is not None:
                out.append(float(raw[i]))
                i += 1
            else:
                spec.total += float(raw[i])
                spec.count += float(raw[i + 1])
                out.append(spec.total / spec.count if spec.count else 0.0)
                i += 2
        return out

    # -- data ----------------------------------------------------------------------------
    def _standardize_user_data(self, x, y=None, sample_weight=None, class_weight=None,
                               check_steps=False, batch_size=None):
        if self.inputs is None:
            self._build_from_data(x)
            if self._is_compiled:
                self._compile_graph()
        feed_shapes = [tuple(t.shape.as_list()) if t.shape.ndims is not None else None
                       for t in self.inputs]
        xs = tu.standardize_input_data(x, self.input_names, feed_shapes,
                                       check_batch_axis=False, exception_prefix="input")
        xs = [np.asarray(a, dtype=t.dtype.as_numpy_dtype) if isinstance(a, np.ndarray) and
              a.dtype != t.dtype.as_numpy_dtype else a for a, t in zip(xs, self.inputs)]
        if y is None:
            return xs, [], []
        self._check_compiled()
        tshapes = []
        for t, fn, out in zip(self._feed_targets, self._feed_loss_fns, self._feed_outputs):
            shape = tuple(out.shape.as_list()) if out.shape.ndims is not None else None
            if shape is not None and _is_named(fn, "sparse_categorical_crossentropy"):
                shape = shape[:-1] + (1,)
            tshapes.append(shape)
        ys = tu.standardize_input_data(y, self._feed_output_names, None,
                                       check_batch_axis=False, exception_prefix="target")
        for yv, fn, shape, name in zip(ys, self._feed_loss_fns, tshapes,
                                       self._feed_output_names):
            self._check_target(yv, fn, shape, name)
        ys = [np.asarray(a, dtype=t.dtype.as_numpy_dtype) for a, t in
              zip(ys, self._feed_targets)]
        sws = sample_weight
        if sws is None or isinstance(sws, np.ndarray):
            sws = [sws] * len(ys) if len(ys) == 1 or sws is None else [sws]
        elif isinstance(sws, dict):
            sws = [sws.get(n) for n in self._feed_output_names]
        cws = class_weight
        if cws is None or (isinstance(cws, dict) and not any(
                isinstance(v, dict) for v in cws.values())):
            cws = [cws] * len(ys)
        else:
            cws = [cws.get(n) for n in self._feed_output_names]
        weights = [tu.standardize_weights(yv, sw, cw, mode) for yv, sw, cw, mode in
                   zip(ys, sws, cws, [m for m, t in zip(self._sample_weight_modes,
                                                        self.targets) if t is not None])]
        tu.check_array_lengths(xs, ys, weights)
        return xs, ys, weights

    def _check_target(self, y, fn, shape, name):
        if shape is None:
            return
        if y.ndim != len(shape):
            raise ValueError(f"Error when checking target: expected {name} to have "
                             f"{len(shape)} dimensions, but got array with shape {y.shape}")
        if _is_named(fn, "categorical_crossentropy") and y.shape[-1] == 1 and \
                shape[-1] not in (None, 1):
            raise ValueError(f"You are passing a target array of shape {y.shape} while "
                             "using as loss `categorical_crossentropy`. "
                             "`categorical_crossentropy` expects targets to be binary "
                             "matrices (1s and 0s) of shape (samples, classes). If your "
                             "targets are integer classes, you can convert them to the "
                             "expected format via:\n```\nfrom keras.utils import "
                             "to_categorical\ny_binary = to_categorical(y_int)\n```\n\n"
                             "Alternatively, you can use the loss function "
                             "`sparse_categorical_crossentropy` instead, which does expect "
                             "integer targets.")
        if _is_named(fn, "sparse_categorical_crossentropy"):
            return
        for got, want in zip(y.shape[1:], shape[1:]):
            if want is not None and got != want:
                raise ValueError(f"A target array with shape {y.shape} was passed for an "
                                 f"output of shape {shape} while using as loss "
                                 f"`{_fn_name(fn)}`. This loss expects targets to have the "
                                 "same shape as the output.")

    def _build_from_data(self, x):
        """A model with no inputs yet (a Sequential without `input_shape`, a subclassed
        model) is called on placeholders shaped like the data (`input_1`, ...), as
        Keras's `_set_inputs` does: its outputs are `output_1`, ..."""
        arrays = [np.asarray(a) for a in nest.flatten(x)]
        with name_scope(""):
            inputs = [core.placeholder(
                K.floatx() if a.dtype.kind == "f" else a.dtype.name,
                shape=(None,) + a.shape[1:], name=f"input_{i + 1}")
                for i, a in enumerate(arrays)]
        outputs = self(inputs[0] if len(inputs) == 1 else inputs)
        self.inputs, self.outputs = inputs, nest.flatten(outputs)
        self.input_names = [f"input_{i + 1}" for i in range(len(inputs))]
        self.output_names = [f"output_{i + 1}" for i in range(len(self.outputs))]
        self._feed_input_names = list(self.input_names)
        self.built = True

    # -- public loops ----------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None,
            validation_steps=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False, **kwargs):
        """Trains the model for `epochs` epochs; returns a `History`."""
        if kwargs.pop("nb_epoch", None) is not None:
            raise TypeError("The `nb_epoch` argument in `fit` has been renamed `epochs`.")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        if training_generator.is_generator_or_sequence(x):
            return self.fit_generator(
                x, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                callbacks=callbacks, validation_data=validation_data,
                validation_steps=validation_steps, validation_freq=validation_freq,
                class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                initial_epoch=initial_epoch)
        if training_dataset.is_dataset(x):
            training_dataset.check_dataset_args(x, y, sample_weight, batch_size,
                                                validation_split)
            if shuffle:
                training_dataset.verify_shuffled(x)
            data = training_dataset.DatasetFeed(self, x, "train", steps_per_epoch, epochs,
                                                "steps_per_epoch")
        else:
            if batch_size is None and steps_per_epoch is None:
                batch_size = 32
            data = self._standardize_user_data(x, y, sample_weight, class_weight)
        val = None
        if training_dataset.is_dataset(validation_data):
            val = training_dataset.DatasetFeed(self, validation_data, "test",
                                               validation_steps, epochs, "validation_steps")
        elif validation_data is not None:
            if training_generator.is_generator_or_sequence(validation_data):
                raise ValueError("flowgraph's `fit` on arrays takes array validation data; "
                                 "use `fit_generator` for generator validation data.")
            if len(validation_data) == 2:
                vx, vy = validation_data
                vsw = None
            elif len(validation_data) == 3:
                vx, vy, vsw = validation_data
            else:
                raise ValueError("When passing a `validation_data` argument, it must contain "
                                 "either 2 items (x_val, y_val), or 3 items (x_val, y_val, "
                                 "val_sample_weights), or alternatively it could be a "
                                 f"dataset or a dataset iterator. However we received "
                                 f"`validation_data={validation_data}`")
            val = self._standardize_user_data(vx, vy, vsw)
        elif validation_split and 0.0 < validation_split < 1.0:
            xs, ys, sws = data
            split_at = int(int(xs[0].shape[0]) * (1.0 - validation_split))
            val = ([a[split_at:] for a in xs], [a[split_at:] for a in ys],
                   [None if w is None else w[split_at:] for w in sws])
            data = ([a[:split_at] for a in xs], [a[:split_at] for a in ys],
                    [None if w is None else w[:split_at] for w in sws])
        return training_arrays.fit_loop(
            self, data, batch_size=batch_size, epochs=epochs, verbose=verbose,
            callbacks=callbacks, val_data=val, shuffle=shuffle, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
            validation_freq=validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None, callbacks=None, max_queue_size=10, workers=1,
                 use_multiprocessing=False, return_dict=False, **kwargs):
        """The loss (and metrics) on the data: a scalar, or a list in `metrics_names`."""
        if training_generator.is_generator_or_sequence(x):
            return self.evaluate_generator(x, steps=steps, callbacks=callbacks,
                                           verbose=verbose)
        if training_dataset.is_dataset(x):
            training_dataset.check_dataset_args(x, y, sample_weight, batch_size)
            data = training_dataset.DatasetFeed(self, x, "test", steps)
        else:
            if batch_size is None and steps is None:
                batch_size = 32
            data = self._standardize_user_data(x, y, sample_weight)
        out = training_arrays.test_loop(self, data, batch_size=batch_size,
                                        verbose=verbose, steps=steps, callbacks=callbacks)
        if return_dict:
            return dict(zip(self.metrics_names, nest.flatten(out)))
        return out

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        """The model's outputs on `x`, computed batch by batch."""
        if training_generator.is_generator_or_sequence(x):
            return self.predict_generator(x, steps=steps, callbacks=callbacks,
                                          verbose=verbose)
        if training_dataset.is_dataset(x):
            training_dataset.check_dataset_args(x, batch_size=batch_size)
            xs = training_dataset.DatasetFeed(self, x, "predict", steps)
        else:
            if batch_size is None and steps is None:
                batch_size = 32
            xs, _, _ = self._standardize_user_data(x)
        return training_arrays.predict_loop(self, xs, batch_size=batch_size,
                                            verbose=verbose, steps=steps,
                                            callbacks=callbacks)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient update on one batch; returns the loss (and metrics)."""
        xs, ys, sws = self._standardize_user_data(x, y, sample_weight, class_weight)
        raw = self._make_train_function()(training_arrays.feed_values(self, xs, ys, sws))
        return self._batch_result(raw, reset_metrics, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """The loss (and metrics) on one batch."""
        xs, ys, sws = self._standardize_user_data(x, y, sample_weight)
        raw = self._make_test_function()(training_arrays.feed_values(self, xs, ys, sws))
        return self._batch_result(raw, reset_metrics, return_dict)

    def _batch_result(self, raw, reset, return_dict):
        # As Keras's v1 loop: the running metrics continue from before the batch and
        # are reset after it when `reset_metrics`.
        out = self._fold_results(raw, reset=False)
        if reset:
            self.reset_metrics()
        if return_dict:
            return dict(zip(self.metrics_names, out))
        return out[0] if len(out) == 1 else out

    def predict_on_batch(self, x):
        """The model's outputs on one batch."""
        xs, _, _ = self._standardize_user_data(x)
        outs = self._make_predict_function()(xs)
        return outs[0] if len(outs) == 1 else outs

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Trains on batches from a Python generator or a `keras.utils.Sequence`."""
        return training_generator.fit_generator(
            self, generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
            verbose=verbose, callbacks=callbacks, validation_data=validation_data,
            validation_steps=validation_steps, validation_freq=validation_freq,
            class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """The loss (and metrics) over batches from a generator or Sequence."""
        return training_generator.evaluate_generator(self, generator, steps=steps,
                                                     callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """The model's outputs over batches from a generator or Sequence."""
        return training_generator.predict_generator(self, generator, steps=steps,
                                                    callbacks=callbacks, verbose=verbose)


class _BoundFunction:
    """A backend function with fixed extra feeds (the learning phase)."""

    def __init__(self, fn, extra):
        self.fn = fn
        if extra:
            fn.feed_dict = dict(extra)

    def __call__(self, values):
        return self.fn(values)


# tf_keras names functional models' class "Functional" in configs and files.
base_layer.LAYER_CLASSES["Functional"] = Model
