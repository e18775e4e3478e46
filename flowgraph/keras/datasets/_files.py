"""Shared by the dataset loaders: Keras's download location, a clear offline error, and
reading `.npz` / pickle files without ever running code from them."""

import os
import pickle
import zipfile

import numpy as np

from flowgraph.keras.utils import data_utils

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# The only globals a dataset pickle may name: numpy's array reconstruction and dtypes
# (and the codec Python 3 uses for bytes in protocol 2). Anything else is refused.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            "refusing to load %s.%s from a dataset file: only numpy arrays, lists, "
            "dicts, strings and numbers are read" % (module, name))


def safe_pickle_load(f, encoding="ASCII"):
    """`pickle.load` that only rebuilds plain data and numpy arrays."""
    return _RestrictedUnpickler(f, encoding=encoding).load()


def load_npz(path):
    """Every array of an `.npz` file as a dict; object arrays go through the safe unpickler."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            key = name[:-4] if name.endswith(".npy") else name
            with archive.open(name) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                else:
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                if dtype.hasobject:
                    out[key] = safe_pickle_load(f, encoding="latin1")
                    continue
                data = f.read()
            arr = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape, dtype=np.int64)))
            order = "F" if fortran else "C"
            out[key] = arr.reshape(shape, order=order).copy(order=order)
    return out


def fetch(fname, origin, file_hash=None, cache_dir=None, cache_subdir="datasets",
          untar=False):
    """`get_file` for a Keras dataset file; offline, the error says where to put the file."""
    if cache_dir:
        cache_dir = os.path.expanduser(cache_dir)
        os.makedirs(cache_dir, exist_ok=True)
    try:
        return data_utils.get_file(fname, origin=origin, file_hash=file_hash,
                                   cache_dir=cache_dir, cache_subdir=cache_subdir,
                                   untar=untar)
    except Exception as e:
        if not str(e).startswith("URL fetch failure"):
            raise
        base = cache_dir or data_utils.keras_cache_dir()
        local = fname if not untar or fname.endswith(".tar.gz") else fname + ".tar.gz"
        where = os.path.join(os.path.expanduser(base), cache_subdir, local)
        raise Exception(
            "%s\nCould not download the dataset file %r. On a machine without network, "
            "download %s elsewhere and put it at %s" % (e, local, origin, where)) from e
