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
from flowgraph.keras import backend

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
