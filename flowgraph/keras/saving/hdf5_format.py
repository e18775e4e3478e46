"""Keras's HDF5 files (`model.save('m.h5')`, `save_weights('w.h5')`) through h5py, in the
layout Keras writes and reads:

- root attrs `keras_version`, `backend`, `model_config` (JSON), `training_config` (JSON);
- group `model_weights` (or the root, for weights-only files) with attr `layer_names`
  and one group per layer holding attr `weight_names` and a dataset per weight, named
  by the variable (`dense/kernel:0`, so under a subgroup `dense`), trainable weights
  first; group `top_level_model_weights` for weights of the model itself;
- group `optimizer_weights` with attr `weight_names` and the optimizer's variables.

String lists longer than HDF5's 64 KB header limit are split over `name0`, `name1`, ...
attrs, as Keras does.
"""

import json
import os

import numpy as np

try:
    import h5py
except ImportError:  # pragma: no cover - h5py is a dependency
    h5py = None

from flowgraph.framework import dtypes, tensor_shape
from flowgraph import tf_logging
from flowgraph.keras import backend, losses, metrics, optimizers
from flowgraph.keras.engine import functional
from flowgraph.keras.utils import generic_utils

__all__ = ["save_model_to_hdf5", "load_model_from_hdf5", "save_weights_to_hdf5_group",
           "load_weights_from_hdf5_group", "load_weights_from_hdf5_group_by_name",
           "save_attributes_to_hdf5_group", "load_attributes_from_hdf5_group",
           "model_metadata", "KERAS_VERSION", "HDF5_OBJECT_HEADER_LIMIT"]

KERAS_VERSION = "2.21.0"
HDF5_OBJECT_HEADER_LIMIT = 64512


def _need_h5py(what):
    if h5py is None:
        raise ImportError("`%s()` using h5 format requires h5py. Could not import h5py."
                          % what)


def json_default(obj):
    """`json.dumps` fallback for the values Keras configs hold (numpy, shapes, dtypes)."""
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, tensor_shape.TensorShape):
        return obj.as_list() if obj.rank is not None else None
    if isinstance(obj, tensor_shape.Dimension):
        return obj.value
    if isinstance(obj, dtypes.DType):
        return obj.name
    if isinstance(obj, bytes):
        return obj.decode("utf-8")
    if callable(obj) and hasattr(obj, "__name__"):
        return obj.__name__
    raise TypeError("Not JSON Serializable: %r" % (obj,))


def _decode(value):
    return value.decode("utf-8") if hasattr(value, "decode") else value


def save_attributes_to_hdf5_group(group, name, data):
    """Stores a list of strings as attr `name`, split into `name0`, `name1`, ... when it
    would pass HDF5's object header limit."""
    too_big = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_big:
        raise RuntimeError("The following attributes cannot be saved to HDF5 file because "
                           "they are larger than %d bytes: %s"
                           % (HDF5_OBJECT_HEADER_LIMIT, too_big))
    as_array = np.asarray(data)
    chunks = 1
    pieces = np.array_split(as_array, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in pieces):
        chunks += 1
        pieces = np.array_split(as_array, chunks)
    if chunks == 1:
        group.attrs[name] = data
    else:
        for i, piece in enumerate(pieces):
            group.attrs["%s%d" % (name, i)] = piece


def load_attributes_from_hdf5_group(group, name):
    """The list of strings `save_attributes_to_hdf5_group` stored (chunked or not)."""
    if name in group.attrs:
        return [_decode(n) for n in group.attrs[name]]
    out, i = [], 0
    while "%s%d" % (name, i) in group.attrs:
        out.extend(_decode(n) for n in group.attrs["%s%d" % (name, i)])
        i += 1
    return out


def _layer_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _top_level_weights(model):
    return (list(getattr(model, "_trainable_weights", []) or []) +
            list(getattr(model, "_non_trainable_weights", []) or []))


def _weight_name(w):
    return str(w.name)


def _write_weights(group, weights):
    values = backend.batch_get_value(weights) if weights else []
    names = [_weight_name(w).encode("utf8") for w in weights]
    save_attributes_to_hdf5_group(group, "weight_names", names)
    for name, value in zip(names, values):
        value = np.asarray(value)
        dset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if value.shape:
            dset[:] = value
        else:
            dset[()] = value


def _read_weights(group):
    return [np.asarray(group[name]) for name in
            load_attributes_from_hdf5_group(group, "weight_names")]


def save_weights_to_hdf5_group(f, model):
    """Writes `model`'s layer weights into `f` (an h5py File or Group) in Keras's layout."""
    save_attributes_to_hdf5_group(f, "layer_names",
                                  [layer.name.encode("utf8") for layer in model.layers])
    f.attrs["backend"] = backend.backend().encode("utf8")
    f.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda l: l.name):
        _write_weights(f.create_group(layer.name), _layer_weights(layer))
    _write_weights(f.create_group("top_level_model_weights"), _top_level_weights(model))


def _check_shapes(pairs, describe):
    for w, value in pairs:
        expected = tuple(backend.int_shape(w))
        if expected != tuple(np.shape(value)):
            raise ValueError(describe(w, expected, np.shape(value)))


def load_weights_from_hdf5_group(f, model):
    """Sets the weights of `model`'s layers that have weights, in order, from the
    layers of the file that have weights (layer names need not match)."""
    layers = [layer for layer in model.layers if _layer_weights(layer)]
    names = [n for n in load_attributes_from_hdf5_group(f, "layer_names")
             if load_attributes_from_hdf5_group(f[n], "weight_names")]
    if len(names) != len(layers):
        raise ValueError("Layer count mismatch when loading weights from file. Model "
                         "expected %d layers, found %d saved layers."
                         % (len(layers), len(names)))
    pairs = []
    for k, (name, layer) in enumerate(zip(names, layers)):
        symbolic = _layer_weights(layer)
        values = _read_weights(f[name])
        if len(values) != len(symbolic):
            raise ValueError(
                "Weight count mismatch for layer #%d (named %s in the current model, %s in "
                "the save file). Layer expects %d weight(s). Received %d saved weight(s)"
                % (k, layer.name, name, len(symbolic), len(values)))
        layer_pairs = list(zip(symbolic, values))
        _check_shapes(layer_pairs, lambda w, e, r, k=k, layer=layer: (
            "Shape mismatch in layer #%d (named %s) for weight %s. Weight expects shape "
            "%s. Received saved weight with shape %s" % (k, layer.name, w.name, e, r)))
        pairs += layer_pairs
    if "top_level_model_weights" in f:
        symbolic = _top_level_weights(model)
        values = _read_weights(f["top_level_model_weights"])
        if len(values) != len(symbolic):
            raise ValueError(
                "Weight count mismatch for top-level weights when loading weights from "
                "file. Model expects %d top-level weight(s). Received %d saved top-level "
                "weight(s)" % (len(symbolic), len(values)))
        pairs += zip(symbolic, values)
    backend.batch_set_value(pairs)


def load_weights_from_hdf5_group_by_name(f, model, skip_mismatch=False):
    """Sets the weights of every layer whose name is in the file; with `skip_mismatch`,
    layers whose weight count or shapes differ are left alone (with a warning)."""
    by_name = {}
    for layer in model.layers:
        if layer.name:
            by_name.setdefault(layer.name, []).append(layer)
    pairs = []
    for k, name in enumerate(load_attributes_from_hdf5_group(f, "layer_names")):
        values = _read_weights(f[name])
        for layer in by_name.get(name, []):
            symbolic = _layer_weights(layer)
            if len(values) != len(symbolic):
                msg = ("Weight count mismatch for layer #%d (named %s). Layer expects %d "
                       "weight(s). Received %d saved weight(s)"
                       % (k, layer.name, len(symbolic), len(values)))
                if skip_mismatch:
                    tf_logging.warning("Skipping loading of weights for layer #%d "
                                            "(named %s) due to mismatch in number of "
                                            "weights." % (k, layer.name))
                    continue
                raise ValueError(msg)
            for w, value in zip(symbolic, values):
                expected = tuple(backend.int_shape(w))
                if expected != tuple(value.shape):
                    if skip_mismatch:
                        tf_logging.warning(
                            "Skipping loading weights for layer #%d (named %s) due to "
                            "mismatch in shape for weight %s. Weight expects shape %s. "
                            "Received saved weight with shape %s"
                            % (k, layer.name, w.name, expected, value.shape))
                        continue
                    raise ValueError(
                        "Shape mismatch in layer #%d (named %s) for weight %s. Weight "
                        "expects shape %s. Received saved weight with shape %s"
                        % (k, layer.name, w.name, expected, value.shape))
                pairs.append((w, value))
    if "top_level_model_weights" in f:
        symbolic = _top_level_weights(model)
        values = _read_weights(f["top_level_model_weights"])
        if len(values) != len(symbolic) and not skip_mismatch:
            raise ValueError(
                "Weight count mismatch for top-level weights of model named %s. Model "
                "expects %d top-level weight(s). Received %d saved top-level weight(s)"
                % (model.name, len(symbolic), len(values)))
        pairs += [(w, v) for w, v in zip(symbolic, values)
                  if tuple(backend.int_shape(w)) == tuple(v.shape)]
    backend.batch_set_value(pairs)


# -- whole models ------------------------------------------------------------------------

def _serialize_compile_arg(value):
    """A loss/metric argument of `compile` as Keras writes it in `training_config`:
    strings stay, functions become their names, objects `{class_name, config}`."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {k: _serialize_compile_arg(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_compile_arg(v) for v in value]
    if hasattr(value, "get_config"):
        return {"class_name": type(value).__name__, "config": value.get_config()}
    return getattr(value, "__name__", None) or getattr(value, "name", None) or str(value)


def training_config(model):
    """`compile`'s arguments and the optimizer's config, as Keras's `training_config`."""
    opt = model.optimizer
    return {"loss": _serialize_compile_arg(getattr(model, "loss", None)),
            "metrics": _serialize_compile_arg(getattr(model, "_compile_metrics", None)),
            "loss_weights": _serialize_compile_arg(getattr(model, "loss_weights", None)),
            "sample_weight_mode": getattr(model, "sample_weight_mode", None),
            "weighted_metrics": _serialize_compile_arg(
                getattr(model, "_compile_weighted_metrics", None)),
            "optimizer_config": {"class_name": generic_utils.get_registered_name(type(opt)),
                                 "config": opt.get_config()}}


def model_metadata(model, include_optimizer=True):
    """The root attrs of a model file: versions, `model_config`, `training_config`."""
    meta = {"keras_version": KERAS_VERSION, "backend": backend.backend(),
            "model_config": {"class_name": type(model).__name__,
                             "config": model.get_config()}}
    if include_optimizer and getattr(model, "optimizer", None) is not None:
        meta["training_config"] = training_config(model)
    return meta


def save_optimizer_weights_to_hdf5_group(f, optimizer):
    """Group `optimizer_weights`: attr `weight_names` and one dataset per variable."""
    weights = list(optimizer.weights)
    if weights:
        _write_weights(f.create_group("optimizer_weights"), weights)


def load_optimizer_weights_from_hdf5_group(f):
    """The optimizer's saved values, in `weight_names` order."""
    return _read_weights(f["optimizer_weights"])


def save_model_to_hdf5(model, filepath, overwrite=True, include_optimizer=True):
    """Writes the architecture, the weights and (when compiled) the training
    configuration and the optimizer's state into one HDF5 file."""
    _need_h5py("save_model")
    own = not isinstance(filepath, h5py.Group)
    if own:
        filepath = os.fspath(filepath)
        if not overwrite and os.path.isfile(filepath):
            if not _ask_to_proceed(filepath):
                return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        f = h5py.File(filepath, mode="w")
    else:
        f = filepath
    try:
        for key, value in model_metadata(model, include_optimizer).items():
            if isinstance(value, (dict, list, tuple)):
                f.attrs[key] = json.dumps(value, default=json_default).encode("utf8")
            else:
                f.attrs[key] = value
        save_weights_to_hdf5_group(f.create_group("model_weights"), model)
        if include_optimizer and getattr(model, "optimizer", None) is not None:
            save_optimizer_weights_to_hdf5_group(f, model.optimizer)
        f.flush()
    finally:
        if own:
            f.close()


def _ask_to_proceed(filepath):
    answer = input("[WARNING] %s already exists - overwrite? [y/n]" % filepath)
    while answer.strip().lower() not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).')
    if answer.strip().lower() == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def _lambdas_in(config):
    """Names of Lambda layers in a model config whose function is Python bytecode."""
    found = []
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            fn = (config.get("config") or {}).get("function")
            if fn is not None and not isinstance(fn, str) and not (
                    isinstance(fn, dict) and "class_name" in fn):
                found.append((config.get("config") or {}).get("name"))
            elif (config.get("config") or {}).get("function_type") == "lambda":
                found.append((config.get("config") or {}).get("name"))
        for v in config.values():
            found += _lambdas_in(v)
    elif isinstance(config, list):
        for v in config:
            found += _lambdas_in(v)
    return found


def _deserialize_compile_arg(value, custom_objects, kind):
    if isinstance(value, dict) and "class_name" in value:
        return kind.deserialize(value, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _deserialize_compile_arg(v, custom_objects, kind) for k, v in value.items()}
    if isinstance(value, list):
        return [_deserialize_compile_arg(v, custom_objects, kind) for v in value]
    if isinstance(value, str) and custom_objects and value in custom_objects:
        return custom_objects[value]
    return value


def compile_args_from_training_config(config, custom_objects=None):
    """`compile`'s keyword arguments from a `training_config` dict."""
    custom_objects = custom_objects or {}
    return {"optimizer": optimizers.deserialize(config["optimizer_config"],
                                                custom_objects=custom_objects),
            "loss": _deserialize_compile_arg(config.get("loss"), custom_objects, losses),
            "metrics": _deserialize_compile_arg(config.get("metrics"), custom_objects,
                                                metrics),
            "weighted_metrics": _deserialize_compile_arg(config.get("weighted_metrics"),
                                                         custom_objects, metrics),
            "loss_weights": config.get("loss_weights"),
            "sample_weight_mode": config.get("sample_weight_mode")}


def load_model_from_hdf5(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model a Keras HDF5 file describes, with its weights, compiled (with the
    optimizer's state) when the file has a training config and `compile` is true.

    Loading never runs code from the file: a Lambda layer holding Python bytecode is
    refused unless `safe_mode=False` (and flowgraph's Lambda refuses bytecode even then);
    a named function comes back by name through `custom_objects`.
    """
    _need_h5py("load_model")
    custom_objects = dict(generic_utils.get_custom_objects(), **(custom_objects or {}))
    own = not isinstance(filepath, h5py.Group)
    f = h5py.File(os.fspath(filepath), mode="r") if own else filepath
    try:
        model_config = f.attrs.get("model_config")
        if model_config is None:
            raise ValueError("No model config found in the file at %s." % (filepath,))
        model_config = json.loads(_decode(model_config))
        lambdas = _lambdas_in(model_config)
        if lambdas and safe_mode:
            raise ValueError(
                "Requested the deserialization of a Lambda layer (%s) with a Python "
                "`lambda` inside it. This carries a potential risk of arbitrary code "
                "execution and thus it is disallowed by default. If you trust the source "
                "of the saved model, you can pass `safe_mode=False` to the loading "
                "function in order to allow Lambda layer loading." % ", ".join(
                    str(n) for n in lambdas))
        model = functional.deserialize_layer(model_config, custom_objects=custom_objects)
        load_weights_from_hdf5_group(f["model_weights"], model)
        if not compile:
            return model
        config = f.attrs.get("training_config")
        if config is None:
            tf_logging.warning("No training configuration found in the save file, so the "
                               "model was *not* compiled. Compile it manually.")
            return model
        config = json.loads(_decode(config))
        model.compile(**compile_args_from_training_config(config, custom_objects))
        if "optimizer_weights" in f:
            values = load_optimizer_weights_from_hdf5_group(f)
            try:
                model.optimizer._create_all_weights(model.trainable_weights)
                model.optimizer.set_weights(values)
            except (ValueError, NotImplementedError, AttributeError):
                tf_logging.warning("Error in loading the saved optimizer state. As a "
                                   "result, your model is starting with a freshly "
                                   "initialized optimizer.")
        return model
    finally:
        if own:
            f.close()
