"""`Dataset.cache(filename)`: the first complete pass is written to a file, later passes
(also in later sessions or programs) read it back. The file is flowgraph's own plain
format (no pickling): per element its component count, then per component the dtype,
shape and bytes (strings as length-prefixed bytes)."""
import os
import struct

import numpy as np

from flowgraph.data import pipeline
from flowgraph.framework import errors

SUFFIX = ".fgcache"


def _write_array(f, a):
    a = np.asarray(a)
    dt = b"|O" if a.dtype == object else a.dtype.str.encode()
    f.write(struct.pack("<B", len(dt)) + dt + struct.pack("<B", a.ndim))
    f.write(struct.pack(f"<{a.ndim}q", *a.shape))
    if a.dtype == object:
        for x in a.reshape(-1):
            b = x.encode() if isinstance(x, str) else bytes(x)
            f.write(struct.pack("<Q", len(b)) + b)
    else:
        f.write(np.ascontiguousarray(a).tobytes())


def _read_exact(f, n):
    b = f.read(n)
    if len(b) != n:
        raise errors.DataLossError(None, None, "Truncated dataset cache file")
    return b


def _read_array(f):
    (n,) = struct.unpack("<B", _read_exact(f, 1))
    dt = _read_exact(f, n).decode()
    (ndim,) = struct.unpack("<B", _read_exact(f, 1))
    shape = struct.unpack(f"<{ndim}q", _read_exact(f, 8 * ndim))
    if dt == "|O":
        flat = np.empty(int(np.prod(shape)), dtype=object)
        for i in range(flat.size):
            (m,) = struct.unpack("<Q", _read_exact(f, 8))
            flat[i] = _read_exact(f, m)
        return flat.reshape(shape)
    dtype = np.dtype(dt)
    count = int(np.prod(shape))
    return np.frombuffer(_read_exact(f, count * dtype.itemsize), dtype).reshape(shape)


class FileCache(pipeline.DatasetValue):
    """Reads `filename`'s cache when it exists, else records a pass of its input."""

    def __init__(self, input, filename):
        self._input, self._path = input, filename + SUFFIX
        self.cardinality = input.cardinality

    def iterate(self):
        if os.path.exists(self._path):
            return self._replay()
        return self._record()

    def _replay(self):
        with open(self._path, "rb") as f:
            while True:
                head = f.read(4)
                if not head:
                    return
                (n,) = struct.unpack("<I", head)
                yield [_read_array(f) for _ in range(n)]

    def _record(self):
        tmp = f"{self._path}.tmp{os.getpid()}"
        done = False
        try:
            with open(tmp, "wb") as f:
                for e in self._input.iterate():
                    f.write(struct.pack("<I", len(e)))
                    for a in e:
                        _write_array(f, a)
                    yield e
            done = True
        finally:
            if done:
                os.replace(tmp, self._path)
            elif os.path.exists(tmp):
                os.remove(tmp)
