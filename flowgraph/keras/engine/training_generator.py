"""`fit_generator`, `evaluate_generator`, `predict_generator`: the loops over batches
drawn from a Python generator / iterator or a `keras.utils.Sequence` (read in this
thread, in order; `workers` and `use_multiprocessing` are accepted and ignored)."""
import inspect

import numpy as np

from flowgraph.keras import callbacks as cbks

__all__ = ["is_generator_or_sequence", "fit_generator", "evaluate_generator",
           "predict_generator"]


def is_sequence(x):
    """A `keras.utils.Sequence` (anything indexable by batch with `on_epoch_end`)."""
    return (hasattr(x, "__getitem__") and hasattr(x, "__len__") and
            hasattr(x, "on_epoch_end") and not isinstance(x, (np.ndarray, list, tuple, dict)))


def is_generator_or_sequence(x):
    return inspect.isgenerator(x) or is_sequence(x) or (
        hasattr(x, "__next__") and not isinstance(x, (np.ndarray, list, tuple, dict)))


class _Batches:
    """Batches of a generator or Sequence, epoch by epoch."""

    def __init__(self, data, shuffle=False):
        self.data, self.shuffle = data, shuffle
        self.seq = is_sequence(data)
        self._order, self._pos, self._iter = None, 0, None
        if not self.seq:
            self._iter = iter(data)

    def __len__(self):
        return len(self.data)

    def start_epoch(self):
        if self.seq:
            self._order = list(range(len(self.data)))
            if self.shuffle:
                np.random.shuffle(self._order)
            self._pos = 0

    def end_epoch(self):
        if self.seq:
            self.data.on_epoch_end()

    def next(self):
        if self.seq:
            if self._pos >= len(self._order):
                self.start_epoch()
            item = self.data[self._order[self._pos]]
            self._pos += 1
            return item
        return next(self._iter)


def _unpack(item):
    if not isinstance(item, tuple):
        return item, None, None
    if len(item) == 2:
        return item[0], item[1], None
    if len(item) == 3:
        return item
    raise ValueError("Output of generator should be a tuple `(x, y, sample_weight)` or "
                     f"`(x, y)`. Found: {item}")


def _steps(data, steps, name):
    if steps is not None:
        return steps
    if is_sequence(data):
        return len(data)
    raise ValueError(f"`{name}=None` is only valid for a generator based on the "
                     "`keras.utils.Sequence` class. Please specify `" + name + "` or use "
                     "the `keras.utils.Sequence` class.")


def fit_generator(model, generator, steps_per_epoch=None, epochs=1, verbose=1,
                  callbacks=None, validation_data=None, validation_steps=None,
                  validation_freq=1, class_weight=None, shuffle=True, initial_epoch=0):
    """Trains `model` for `epochs` epochs of `steps_per_epoch` batches each."""
    steps_per_epoch = _steps(generator, steps_per_epoch, "steps_per_epoch")
    batches = _Batches(generator, shuffle=shuffle)
    do_validation = validation_data is not None
    val_gen = do_validation and is_generator_or_sequence(validation_data)
    if do_validation and not val_gen:
        vx, vy, vsw = _unpack(tuple(validation_data))
    callbacks = cbks.configure_callbacks(callbacks, model, do_validation=do_validation,
                                         epochs=epochs, steps_per_epoch=steps_per_epoch,
                                         verbose=verbose, count_mode="steps")
    model.stop_training = False
    callbacks.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        if model.stop_training:
            break
        model.reset_metrics()
        epoch_logs = {}
        callbacks.on_epoch_begin(epoch, epoch_logs)
        batches.start_epoch()
        loss_sum, outs = 0.0, None
        for step in range(steps_per_epoch):
            x, y, sw = _unpack(batches.next())
            batch_size = len(np.asarray(x if not isinstance(x, (list, dict)) else
                                        list(x.values())[0] if isinstance(x, dict) else x[0]))
            batch_logs = {"batch": step, "size": batch_size}
            callbacks.on_train_batch_begin(step, batch_logs)
            outs = model.train_on_batch(x, y, sample_weight=sw, class_weight=class_weight,
                                        reset_metrics=False)
            outs = outs if isinstance(outs, list) else [outs]
            loss_sum += outs[0]
            batch_logs.update(zip(model.metrics_names, outs))
            callbacks.on_train_batch_end(step, batch_logs)
            if model.stop_training:
                break
        batches.end_epoch()
        results = [loss_sum / steps_per_epoch] + list(outs[1:])
        epoch_logs.update(zip(model.metrics_names, results))
        if do_validation and (epoch + 1) % validation_freq == 0 and not model.stop_training:
            if val_gen:
                val_outs = evaluate_generator(model, validation_data, steps=validation_steps,
                                              callbacks=callbacks, in_fit=True)
            else:
                val_outs = model.evaluate(vx, vy, sample_weight=vsw, verbose=0)
            val_outs = val_outs if isinstance(val_outs, list) else [val_outs]
            epoch_logs.update(("val_" + n, v) for n, v in zip(model.metrics_names, val_outs))
        callbacks.on_epoch_end(epoch, epoch_logs)
    callbacks.on_train_end()
    return model.history


def evaluate_generator(model, generator, steps=None, callbacks=None, verbose=0,
                       in_fit=False):
    """The loss (averaged over the steps, as Keras's v1 loop does) and the metrics over
    `steps` batches."""
    steps = _steps(generator, steps, "steps")
    batches = _Batches(generator)
    if not in_fit:
        callbacks = cbks.configure_callbacks(callbacks, model, steps_per_epoch=steps,
                                             epochs=1, verbose=verbose, mode="test")
    model.reset_metrics()
    callbacks.on_test_begin()
    batches.start_epoch()
    loss_sum, outs = 0.0, None
    for step in range(steps):
        x, y, sw = _unpack(batches.next())
        callbacks.on_test_batch_begin(step, {"batch": step, "size": 1})
        outs = model.test_on_batch(x, y, sample_weight=sw, reset_metrics=False)
        outs = outs if isinstance(outs, list) else [outs]
        loss_sum += outs[0]
        callbacks.on_test_batch_end(step, dict(zip(model.metrics_names, outs)))
    if not in_fit:
        batches.end_epoch()
    results = [np.float32(loss_sum / steps)] + [np.float32(o) for o in outs[1:]]
    callbacks.on_test_end(dict(zip(model.metrics_names, results)))
    return results[0] if len(results) == 1 else results


def predict_generator(model, generator, steps=None, callbacks=None, verbose=0):
    """The model's outputs over `steps` batches, concatenated."""
    steps = _steps(generator, steps, "steps")
    batches = _Batches(generator)
    callbacks = cbks.configure_callbacks(callbacks, model, steps_per_epoch=steps, epochs=1,
                                         verbose=verbose, mode="predict")
    callbacks.on_predict_begin()
    batches.start_epoch()
    parts = None
    for step in range(steps):
        item = batches.next()
        x = item[0] if isinstance(item, tuple) and len(item) in (2, 3) else item
        callbacks.on_predict_batch_begin(step, {"batch": step, "size": 1})
        outs = model.predict_on_batch(x)
        outs = outs if isinstance(outs, list) else [outs]
        if parts is None:
            parts = [[] for _ in outs]
        for p, o in zip(parts, outs):
            p.append(o)
        callbacks.on_predict_batch_end(step, {"batch": step, "size": 1, "outputs": outs})
    callbacks.on_predict_end()
    results = [np.concatenate(p) for p in parts or []]
    return results[0] if len(results) == 1 else results
