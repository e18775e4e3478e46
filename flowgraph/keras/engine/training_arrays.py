"""The loops of `fit`, `evaluate` and `predict` (Keras's v1 `model_iteration`): over
numpy arrays, batches of shuffled indices; in steps, the same arrays each step or the
batches of a dataset (`training_dataset.DatasetFeed`); one backend function call per
batch, callbacks around each batch and epoch."""
import numpy as np

from flowgraph import tf_logging
from flowgraph.framework import errors
from flowgraph.keras import callbacks as cbks
from flowgraph.keras.engine import training_utils as tu

__all__ = ["fit_loop", "test_loop", "predict_loop", "feed_values"]


def feed_values(model, xs, ys, sws):
    """The values for the model's feeds: inputs, targets, sample weights (None: ones)."""
    return list(xs) + list(ys) + list(sws)


def _num_samples(arrays):
    for a in arrays:
        if a is not None:
            return int(a.shape[0])
    return 0


def print_train_info(num_train, num_val, is_dataset):
    unit = "steps" if is_dataset else "samples"  # (steps of arrays print as samples)
    msg = f"Train on {num_train} {unit}"
    if num_val:
        msg += f", validate on {num_val} {unit}"
    print(msg)


def _is_feed(data):
    return hasattr(data, "next_batch")


def _steps(data, steps):
    """(step, feed values) for one epoch in steps: the same arrays every step, or a
    dataset's batches until `steps` (None: until the data ends, then it stops)."""
    step = 0
    while steps is None or step < steps:
        yield step, (data.next_batch if _is_feed(data) else lambda: data)
        step += 1


def _ran_out(model, step, steps, epochs, steps_name):
    """What Keras does when a dataset ends within an epoch; returns the epoch's steps."""
    if steps:
        model.stop_training = True
        tf_logging.warning(
            "Your dataset ran out of data; interrupting training. Make sure that your "
            f"dataset can generate at least `{steps_name} * epochs` batches (in this case, "
            f"{steps * epochs} batches). You may need to use the repeat() function when "
            "building your dataset.")
        return steps
    return step if step > 0 else None


def fit_loop(model, data, batch_size=32, epochs=1, verbose=1, callbacks=None,
             val_data=None, shuffle=True, initial_epoch=0, steps_per_epoch=None,
             validation_steps=None, validation_freq=1):
    """Trains `model` on `data` = (inputs, targets, sample weights)."""
    is_dataset = _is_feed(data)
    ins = data if is_dataset else feed_values(model, *data)
    if is_dataset:
        steps_per_epoch = data.steps
    use_steps = is_dataset or steps_per_epoch is not None
    num = steps_per_epoch if use_steps else _num_samples(ins)
    f = model._make_train_function()
    do_validation = val_data is not None
    if do_validation:
        model._make_test_function()
    num_val = None
    if do_validation:
        num_val = val_data.steps if _is_feed(val_data) else _num_samples(val_data[0])
    if verbose:
        print_train_info(num, num_val, is_dataset)
    callbacks = cbks.configure_callbacks(
        callbacks, model, do_validation=do_validation, batch_size=batch_size, epochs=epochs,
        steps_per_epoch=steps_per_epoch, samples=None if use_steps else num,
        verbose=verbose, count_mode="steps" if use_steps else "samples")
    model.stop_training = False
    callbacks.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        if model.stop_training:
            break
        model.reset_metrics()
        epoch_logs = {}
        callbacks.on_epoch_begin(epoch, epoch_logs)
        agg = tu.MetricsAggregator(use_steps, num_samples=None if use_steps else num,
                                   steps=steps_per_epoch)
        if use_steps:
            for step, batch in _steps(ins, steps_per_epoch):
                batch_logs = {"batch": step, "size": 1}
                callbacks.on_train_batch_begin(step, batch_logs)
                try:
                    values = batch()
                except errors.OutOfRangeError:
                    steps_per_epoch = _ran_out(model, step, steps_per_epoch, epochs,
                                               "steps_per_epoch")
                    agg.steps = step or agg.steps  # (Keras's BaseLogger: the steps run)
                    break
                outs = model._fold_results(f(values), reset=False)
                agg.aggregate(outs)
                batch_logs.update(zip(model.metrics_names, outs))
                callbacks.on_train_batch_end(step, batch_logs)
                if model.stop_training:
                    break
        else:
            index_array = np.arange(num)
            if shuffle == "batch":
                index_array = tu.batch_shuffle(index_array, batch_size)
            elif shuffle:
                np.random.shuffle(index_array)
            batches = tu.make_batches(num, batch_size)
            for batch_index, (start, end) in enumerate(batches):
                ids = index_array[start:end]
                ins_batch = ins if len(batches) == 1 else tu.slice_arrays(ins, ids)
                batch_logs = {"batch": batch_index, "size": len(ids)}
                callbacks.on_train_batch_begin(batch_index, batch_logs)
                outs = model._fold_results(f(ins_batch), reset=False)
                agg.aggregate(outs, start, end)
                batch_logs.update(zip(model.metrics_names, outs))
                callbacks.on_train_batch_end(batch_index, batch_logs)
                if model.stop_training:
                    break
        agg.finalize()
        epoch_logs.update(zip(model.metrics_names, agg.results))
        if do_validation and _should_validate(validation_freq, epoch) and \
                not model.stop_training:
            val_outs = test_loop(model, val_data, batch_size=batch_size, verbose=0,
                                 steps=validation_steps, callbacks=callbacks,
                                 in_fit=True)
            val_outs = val_outs if isinstance(val_outs, list) else [val_outs]
            epoch_logs.update(("val_" + n, v) for n, v in zip(model.metrics_names, val_outs))
            if _is_feed(val_data) and epoch < epochs - 1:
                val_data.reset()
        callbacks.on_epoch_end(epoch, epoch_logs)
        if is_dataset and ins.reset_each_epoch and epoch < epochs - 1:
            ins.reset()
    callbacks.on_train_end()
    return model.history


def _should_validate(freq, epoch):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


def test_loop(model, data, batch_size=32, verbose=0, steps=None, callbacks=None,
              in_fit=False):
    """The loss and metrics of `model` over `data`, as `evaluate` returns them."""
    ins = data if _is_feed(data) else feed_values(model, *data)
    f = model._make_test_function()
    if _is_feed(data):
        steps = data.steps
    use_steps = _is_feed(data) or steps is not None
    num = steps if use_steps else _num_samples(ins)
    if not in_fit:
        callbacks = cbks.configure_callbacks(
            callbacks, model, batch_size=batch_size, epochs=1, steps_per_epoch=steps,
            samples=None if use_steps else num, verbose=verbose,
            count_mode="steps" if use_steps else "samples", mode="test")
    model.reset_metrics()
    agg = tu.MetricsAggregator(use_steps, num_samples=None if use_steps else num,
                               steps=steps)
    callbacks.on_test_begin()
    if use_steps:
        for step, batch in _steps(ins, steps):
            batch_logs = {"batch": step, "size": 1}
            callbacks.on_test_batch_begin(step, batch_logs)
            try:
                values = batch()
            except errors.OutOfRangeError:
                agg.steps = _ran_out(model, step, steps, 1, "steps")
                break
            outs = model._fold_results(f(values), reset=False)
            agg.aggregate(outs)
            batch_logs.update(zip(model.metrics_names, outs))
            callbacks.on_test_batch_end(step, batch_logs)
    else:
        batches = tu.make_batches(num, batch_size)
        index_array = np.arange(num)
        for batch_index, (start, end) in enumerate(batches):
            ids = index_array[start:end]
            ins_batch = ins if len(batches) == 1 else tu.slice_arrays(ins, ids)
            batch_logs = {"batch": batch_index, "size": len(ids)}
            callbacks.on_test_batch_begin(batch_index, batch_logs)
            outs = model._fold_results(f(ins_batch), reset=False)
            agg.aggregate(outs, start, end)
            batch_logs.update(zip(model.metrics_names, outs))
            callbacks.on_test_batch_end(batch_index, batch_logs)
    agg.finalize()
    results = agg.results
    callbacks.on_test_end(dict(zip(model.metrics_names, results)))
    results = [np.float32(r) for r in results]
    return results[0] if len(results) == 1 else results


def predict_loop(model, xs, batch_size=32, verbose=0, steps=None, callbacks=None):
    """The model's outputs over `xs`, batch by batch, concatenated."""
    f = model._make_predict_function()
    if _is_feed(xs):
        steps = xs.steps
    use_steps = _is_feed(xs) or steps is not None
    num = steps if use_steps else _num_samples(xs)
    callbacks = cbks.configure_callbacks(
        callbacks, model, batch_size=batch_size, epochs=1, steps_per_epoch=steps,
        samples=None if use_steps else num, verbose=verbose,
        count_mode="steps" if use_steps else "samples", mode="predict")
    agg = tu.OutputsAggregator()
    callbacks.on_predict_begin()
    if use_steps:
        for step, batch in _steps(xs, steps):
            batch_logs = {"batch": step, "size": 1}
            callbacks.on_predict_batch_begin(step, batch_logs)
            try:
                outs = f(batch())
            except errors.OutOfRangeError:
                _ran_out(model, step, steps, 1, "steps")
                break
            agg.aggregate(outs)
            batch_logs["outputs"] = outs
            callbacks.on_predict_batch_end(step, batch_logs)
    else:
        batches = tu.make_batches(num, batch_size)
        for batch_index, (start, end) in enumerate(batches):
            ins_batch = xs if len(batches) == 1 else [a[start:end] for a in xs]
            batch_logs = {"batch": batch_index, "size": end - start}
            callbacks.on_predict_batch_begin(batch_index, batch_logs)
            outs = f(ins_batch)
            agg.aggregate(outs)
            batch_logs["outputs"] = outs
            callbacks.on_predict_batch_end(batch_index, batch_logs)
    callbacks.on_predict_end()
    results = agg.results
    return results[0] if len(results) == 1 else results
