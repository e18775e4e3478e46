"""`save_model` / `load_model` and the file side of `Model.save_weights` /
`Model.load_weights`: HDF5 (Keras's layout) or TF checkpoint, chosen as Keras does."""

import os

try:
    import h5py
except ImportError:  # pragma: no cover - h5py is a dependency
    h5py = None

from flowgraph.keras.saving import hdf5_format, tf_format

__all__ = ["save_model", "load_model", "save_weights", "load_weights"]

_H5_ENDINGS = (".h5", ".hdf5", ".keras")


def _is_h5_path(filepath):
    return (h5py is not None and isinstance(filepath, h5py.Group)) or \
        os.fspath(filepath).endswith(_H5_ENDINGS)


def _weights_format(filepath, save_format):
    is_h5 = _is_h5_path(filepath)
    if save_format is None:
        return "h5" if is_h5 else "tf"
    fmt = save_format.lower().strip()
    if fmt in ("tensorflow", "tf"):
        if is_h5:
            raise ValueError('save_weights got save_format="tf"/"tensorflow", but the '
                             'filepath ("%s") looks like an HDF5 file. Omit the ".h5"/'
                             '".keras" when saving in TensorFlow format.' % (filepath,))
        return "tf"
    if fmt in ("h5", "keras", "hdf5"):
        return "h5"
    raise ValueError("Unknown format. Received: `save_format`=%s. Was expecting one of "
                     "{'tf', 'h5'}." % (save_format,))


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None,
               signatures=None, options=None, save_traces=True):
    """Saves architecture, weights and training state in one HDF5 file, TF 1.x Keras's
    default format (SavedModel, `save_format='tf'`, is not supported)."""
    fmt = None if save_format is None else save_format.lower().strip()
    if fmt in ("tf", "tensorflow"):
        raise NotImplementedError(
            "Saving a whole model in the SavedModel format (save_format='tf') is not "
            "supported by flowgraph; use save_format='h5' (the TF 1.x default) or "
            "model.save_weights() for a TF checkpoint.")
    if fmt not in (None, "h5", "keras", "hdf5"):
        raise ValueError("Unknown format. Received: `save_format`=%s. Was expecting one of "
                         "{'tf', 'h5'}." % (save_format,))
    hdf5_format.save_model_to_hdf5(model, filepath, overwrite, include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, options=None, safe_mode=True):
    """The model saved by `save_model` (flowgraph's or Keras's HDF5 file), compiled
    when the file has a training config."""
    if h5py is not None and isinstance(filepath, h5py.Group):
        return hdf5_format.load_model_from_hdf5(filepath, custom_objects, compile, safe_mode)
    path = os.fspath(filepath)
    if os.path.isfile(path) and h5py is not None and h5py.is_hdf5(path):
        return hdf5_format.load_model_from_hdf5(path, custom_objects, compile, safe_mode)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "saved_model.pb")):
        raise NotImplementedError("%s is a SavedModel directory; flowgraph loads Keras "
                                  "models from HDF5 files only." % path)
    if os.path.exists(path):
        raise OSError("Unable to load model from %s: not an HDF5 file." % path)
    raise OSError("No file or directory found at %s" % path)


def save_weights(model, filepath, overwrite=True, save_format=None, options=None):
    """HDF5 (a path ending in .h5/.keras, or `save_format='h5'`) or a TF checkpoint."""
    fmt = _weights_format(filepath, save_format)
    path = filepath if isinstance(filepath, str) or (
        h5py is not None and isinstance(filepath, h5py.Group)) else os.fspath(filepath)
    if not overwrite and isinstance(path, str):
        exists = os.path.isfile(path if fmt == "h5" else path + ".index")
        if exists and not hdf5_format._ask_to_proceed(path):
            return
    if fmt == "h5":
        if h5py is not None and isinstance(path, h5py.Group):
            hdf5_format.save_weights_to_hdf5_group(path, model)
            return
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with h5py.File(path, "w") as f:
            hdf5_format.save_weights_to_hdf5_group(f, model)
    else:
        tf_format.save_weights_to_checkpoint(model, path,
                                             getattr(model, "optimizer", None))


def load_weights(model, filepath, by_name=False, skip_mismatch=False, options=None):
    """Loads what `save_weights` (or Keras) wrote: HDF5 by layer order or by name, a TF
    checkpoint by the object graph."""
    if skip_mismatch and not by_name:
        raise ValueError("When calling model.load_weights, skip_mismatch can only be set "
                         "to True when by_name is True.")
    if h5py is not None and isinstance(filepath, h5py.Group):
        f = filepath
        if "layer_names" not in f.attrs and "model_weights" in f:
            f = f["model_weights"]
        _load_h5(f, model, by_name, skip_mismatch)
        return None
    path = os.fspath(filepath)
    if _is_h5_path(path) or (os.path.isfile(path) and h5py.is_hdf5(path)):
        with h5py.File(path, "r") as f:
            if "layer_names" not in f.attrs and "model_weights" in f:
                f = f["model_weights"]
            _load_h5(f, model, by_name, skip_mismatch)
        return None
    if by_name:
        raise NotImplementedError("Weights may only be loaded based on topology into "
                                  "Models when loading TensorFlow-formatted weights (got "
                                  "by_name=True to load_weights).")
    tf_format.load_weights_from_checkpoint(model, path, getattr(model, "optimizer", None))
    return None


def _load_h5(f, model, by_name, skip_mismatch):
    if by_name:
        hdf5_format.load_weights_from_hdf5_group_by_name(f, model, skip_mismatch)
    else:
        hdf5_format.load_weights_from_hdf5_group(f, model)
