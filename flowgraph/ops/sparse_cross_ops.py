"""`SparseCross`: the cartesian product, row by row, of the features of several sparse and
dense 2-D inputs (`tf.sparse.cross`: "a_X_b" strings; `tf.sparse.cross_hashed`: TF's
FingerprintCat64 chain of the features' hashes, so bucket ids agree with TF's, as
`tf.feature_column.crossed_column` needs)."""
import itertools

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE, REQUIRED_LIST
from flowgraph.framework.sparse_tensor import SparseTensor, SparseTensorValue
from flowgraph.ops import math_ops
from flowgraph.ops.array_ops import _host
from flowgraph.ops.fingerprint_ops import fingerprint64

__all__ = []
__namespaces__ = {"sparse": ["cross=sparse_cross", "cross_hashed=sparse_cross_hashed"]}
_M = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
_INT64_MAX = (1 << 63) - 1
DEFAULT_HASH_KEY = 0xDECAFCAFFE


def _shift_mix(v):
    return v ^ (v >> 47)


def fingerprint_cat64(fp1, fp2):
    """TF's FingerprintCat64 of two uint64 fingerprints."""
    r = fp1 ^ _MUL
    r ^= (_shift_mix((fp2 * _MUL) & _M) * _MUL) & _M
    r = (r * _MUL) & _M
    r = (_shift_mix(r) * _MUL) & _M
    return _shift_mix(r)


def _as_bytes(v):
    return bytes(v) if isinstance(v, (bytes, np.bytes_)) else str(v).encode()


def _rows(indices, values, batch):
    """Each row's features, in the order they appear."""
    out = [[] for _ in range(batch)]
    for (r, *_), v in zip(np.asarray(indices).reshape(-1, 2), values):
        if 0 <= r < batch:
            out[int(r)].append(v)
    return out


@defop("SparseCross", inputs=("indices: N * int64", "values: sparse_types",
                              "shapes: N * int64", "dense_inputs: dense_types"),
       outputs=("output_indices: int64", "output_values: out_type", "output_shape: int64"),
       attrs={"hashed_output": None, "num_buckets": None, "hash_key": None,
              "sparse_types": REQUIRED_LIST, "dense_types": REQUIRED_LIST, "out_type": None,
              "internal_type": None})
class SparseCross:
    """Row by row, every combination of one feature from each input (the last input
    varying fastest): joined by "_X_", or hashed (then modulo `num_buckets` if > 0)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [tensor_shape.TensorShape([None, 2]), tensor_shape.TensorShape([None]),
                tensor_shape.TensorShape([2])]

    def kernel(xp, indices, values, shapes, dense_inputs, hashed_output, num_buckets,
               hash_key, sparse_types, dense_types, out_type, internal_type):
        indices = [_host(i) for i in indices]
        values = [_host(v).reshape(-1) for v in values]
        shapes = [_host(s).reshape(-1) for s in shapes]
        dense = [_host(d) for d in dense_inputs]
        for s in shapes:
            if len(s) != 2:
                raise errors.InvalidArgumentError(None, None, "Input shapes should be a "
                                                              "matrix but received shape")
        for d in dense:
            if d.ndim != 2:
                raise errors.InvalidArgumentError(None, None, "Dense inputs should be a "
                                                              "matrix")
        batch = int(shapes[0][0]) if shapes else int(dense[0].shape[0])
        for s in shapes[1:]:
            if int(s[0]) != batch:
                raise errors.InvalidArgumentError(None, None, "Expected batch size "
                                                  f"{batch} got {int(s[0])}")
        for d in dense:
            if d.shape[0] != batch:
                raise errors.InvalidArgumentError(None, None, "Expected batch size "
                                                  f"{batch} got {d.shape[0]}")
        columns = [_rows(i, v, batch) for i, v in zip(indices, values)]
        columns += [[list(d[r]) for r in range(batch)] for d in dense]

        if hashed_output:
            def feature_hash(v):
                if isinstance(v, (bytes, np.bytes_, str)):
                    return fingerprint64(_as_bytes(v))
                return int(v) & _M

            def cross(features):
                h = hash_key & _M
                for v in features:
                    h = fingerprint_cat64(h, feature_hash(v))
                return h % num_buckets if num_buckets > 0 else h % _INT64_MAX
        else:
            def cross(features):
                return b"_X_".join(_as_bytes(v) for v in features)
        out_idx, out_val, width = [], [], 0
        for r in range(batch):
            k = 0
            for features in itertools.product(*(c[r] for c in columns)):
                out_idx.append((r, k))
                out_val.append(cross(features))
                k += 1
            width = max(width, k)
        vdt = np.int64 if hashed_output else object
        return (np.asarray(out_idx, np.int64).reshape(-1, 2), np.asarray(out_val, vdt),
                np.asarray([batch, width], np.int64))


def _cross(inputs, hashed_output, num_buckets=0, hash_key=None, name=None):
    if not isinstance(inputs, (tuple, list)):
        raise TypeError("Inputs must be a list")
    inputs = [SparseTensor.from_value(i) if isinstance(i, SparseTensorValue) else i
              for i in inputs]
    inputs = [i if isinstance(i, SparseTensor) else convert_to_tensor(i) for i in inputs]
    sparse = [i for i in inputs if isinstance(i, SparseTensor)]
    dense = [i for i in inputs if not isinstance(i, SparseTensor)]
    internal = dtypes.string
    values = []
    for v in [s.values for s in sparse]:
        if v.dtype != dtypes.string:
            v, internal = math_ops.cast(v, dtypes.int64), dtypes.int64
        values.append(v)
    dense_in = []
    for d in dense:
        if d.dtype != dtypes.string:
            d, internal = math_ops.cast(d, dtypes.int64), dtypes.int64
        dense_in.append(d)
    idx, vals, shape = apply_op("SparseCross", [
        [s.indices for s in sparse], values, [s.dense_shape for s in sparse], dense_in], {
        "hashed_output": hashed_output, "num_buckets": int(num_buckets),
        "hash_key": int(hash_key or DEFAULT_HASH_KEY),
        "out_type": dtypes.int64 if hashed_output else dtypes.string,
        "internal_type": internal}, name=name)
    return SparseTensor(idx, vals, shape)


def sparse_cross(inputs, name=None, separator=None):
    """The crosses of the 2-D SparseTensors and Tensors `inputs` as "_X_"-joined strings."""
    if separator not in (None, "_X_"):
        raise NotImplementedError("flowgraph's SparseCross joins with '_X_' only")
    return _cross(inputs, hashed_output=False, name=name)


def sparse_cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """The crosses of `inputs` as int64 hashes (TF's bucket ids, modulo `num_buckets`)."""
    return _cross(inputs, hashed_output=True, num_buckets=num_buckets, hash_key=hash_key,
                  name=name)
