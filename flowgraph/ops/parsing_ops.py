"""Parsing `tf.train.Example` and `SequenceExample` protos: the ops `ParseExampleV2` and
`ParseSequenceExampleV2` (TF's signatures, host-only) and the builders
`parse_example`, `parse_single_example`, `parse_single_sequence_example`,
`parse_sequence_example`. Variable-length features come out as `SparseTensor`s."""
import math

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, constant, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE, REQUIRED_LIST
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.ops import array_ops, gather_ops, join_ops, math_ops, extra_array_ops
from flowgraph.ops import slicing_ops
from flowgraph.ops.parsing_config import Params
from flowgraph.proto import example_pb2

__all__ = ["parse_example", "parse_single_example"]
__namespaces__ = {"io": ["parse_example", "parse_single_example"]}

_KIND = {np.dtype(np.float32): ("float_list", "float"),
         np.dtype(np.int64): ("int64_list", "int64"),
         np.dtype(object): ("bytes_list", "string")}
_KIND_NAME = {"float_list": "float", "int64_list": "int64", "bytes_list": "string"}


def _bad(msg):
    return errors.InvalidArgumentError(None, None, msg)


_NP_DTYPES = {}


def _np_dtype(dt):
    out = _NP_DTYPES.get(dt)
    if out is None:
        d = dtypes.as_dtype(dt)
        out = _NP_DTYPES[dt] = np.dtype(object) if d == dtypes.string else \
            np.dtype(d.as_numpy_dtype)
    return out


def _host(v):
    return v.get() if hasattr(v, "get") and not isinstance(v, np.ndarray) else np.asarray(v)


def _strings(v):
    return [x.decode() if isinstance(x, bytes) else str(x)
            for x in np.asarray(_host(v), dtype=object).reshape(-1).tolist()]


def _parse(cls, data, name):
    msg = cls()
    try:
        if not isinstance(data, bytes):
            data = str(data).encode()
        msg.ParseFromString(data)
    except Exception:
        raise _bad(f"Name: {name}, Could not parse example input, value: "
                   f"'{data[:64]!r}'") from None
    return msg


def _values(feature, dt, name, key, index):
    """The values of one Feature as a list, checking its type against `dt`."""
    kind = feature.WhichOneof("kind")
    want, want_name = _KIND[dt]
    if kind is None:
        return []
    if kind != want:
        raise _bad(f"Name: {name}, Key: {key}, Index: {index}.  Data types don't match. "
                   f"Data type: {_KIND_NAME[kind]} but expected type: {want_name}")
    return list(getattr(feature, kind).value)


def _array(vals, dt):
    if dt == np.dtype(object):
        out = np.empty(len(vals), dtype=object)
        out[:] = [bytes(v) for v in vals]
        return out
    return np.asarray(vals, dtype=dt)


def _shape_str(dims):
    return "[" + ",".join("?" if d is None or d < 0 else str(d) for d in dims) + "]"


def _sparse(rows, dt, prefix_rank):
    """COO parts of ragged `rows` (list of (index prefix, values)) with `prefix_rank`
    leading index columns, and the dense shape's leading sizes."""
    idx, vals = [], []
    width = 0
    for prefix, v in rows:
        width = max(width, len(v))
        idx.extend(tuple(prefix) + (j,) for j in range(len(v)))
        vals.extend(v)
    indices = np.asarray(idx, dtype=np.int64).reshape(-1, prefix_rank + 1)
    return indices, _array(vals, dt), width


def _dense_fixed(vals_by_ex, dt, shape, default, key, names):
    """[B] + shape (each example needs exactly prod(shape) values, or the default)."""
    n = math.prod(shape)
    out = []
    for i, vals in enumerate(vals_by_ex):
        if vals is None:
            if default.size == 0:
                raise _bad(f"Name: {names[i]}, Feature: {key} (data type: "
                           f"{_KIND[dt][1]}) is required but could not be found.")
            out.append(np.asarray(default, dtype=dt).reshape(shape))
        elif len(vals) != n:
            raise _bad(f"Name: {names[i]}, Key: {key}, Index: {i}.  Number of "
                       f"{_KIND[dt][1]} values != expected.  Values size: {len(vals)} but "
                       f"output shape: {_shape_str(shape)}")
        else:
            out.append(_array(vals, dt).reshape(shape))
    if not out:
        return np.zeros((0,) + tuple(shape), dtype=dt) if dt.kind != "O" else \
            np.full((0,) + tuple(shape), b"", dtype=object)
    if len(out) == 1:
        return out[0].reshape((1,) + tuple(shape))
    return np.stack(out)


def _dense_var(vals_by_ex, dt, rest, default, key, names):
    """[B, max steps] + rest, padded with the default (a scalar) or zeros."""
    stride = math.prod(rest)
    pad = default.reshape(-1)[0] if default.size else (b"" if dt.kind == "O" else 0)
    rows = []
    for i, vals in enumerate(vals_by_ex):
        vals = vals or []
        if stride == 0 or len(vals) % stride:
            raise _bad(f"Name: {names[i]}, Key: {key}, Index: {i}.  Number of "
                       f"{_KIND[dt][1]} values is not a multiple of stride length. Saw "
                       f"{len(vals)} values but output shape is: "
                       f"{_shape_str([None] + list(rest))}")
        rows.append(_array(vals, dt).reshape((-1,) + tuple(rest)))
    steps = max([r.shape[0] for r in rows], default=0)
    out = np.full((len(rows), steps) + tuple(rest), pad, dtype=dt)
    for i, r in enumerate(rows):
        out[i, :r.shape[0]] = r
    return out


def _feature_values(features_maps, key, dt, names):
    out = []
    for i, fmap in enumerate(features_maps):
        if key in fmap:
            out.append(_values(fmap[key], dt, names[i], key, i))
        else:
            out.append(None)
    return out


def _parse_features(fmaps, scalar, names, sparse_keys, sparse_dts, dense_keys, dense_dts,
                    dense_shapes, defaults):
    """(sparse indices, sparse values, sparse shapes, dense values) for feature maps."""
    s_idx, s_val, s_shape, dense = [], [], [], []
    b = len(fmaps)
    for key, dt in zip(sparse_keys, sparse_dts):
        vals = _feature_values(fmaps, key, dt, names)
        rows = [((() if scalar else (i,)), v or []) for i, v in enumerate(vals)]
        ind, val, width = _sparse(rows, dt, 0 if scalar else 1)
        s_idx.append(ind)
        s_val.append(val)
        s_shape.append(np.asarray([width] if scalar else [b, width], dtype=np.int64))
    for key, dt, shape, default in zip(dense_keys, dense_dts, dense_shapes, defaults):
        vals = _feature_values(fmaps, key, dt, names)
        default = np.asarray(_host(default))
        if shape and shape[0] is None:
            out = _dense_var(vals, dt, shape[1:], default, key, names)
        else:
            out = _dense_fixed(vals, dt, shape, default, key, names)
        dense.append(out[0, ...] if scalar else out)
    return s_idx, s_val, s_shape, dense


def _dims(shape):
    shape = tensor_shape.as_shape(shape)
    return [None if d is None or d < 0 else int(d) for d in shape.as_list()]


def _names(names, n):
    got = _strings(names)
    return got if len(got) == n else ["<unknown>"] * n


def _batch(op, index=0):
    s = op.inputs[index].shape
    if s.ndims is None:
        return None, None
    if s.ndims > 1:
        raise ValueError(f"Shape must be at most rank 1 but is rank {s.ndims}")
    return s.ndims, ([] if s.ndims == 0 else [s.as_list()[0]])


def _no_ragged(keys):
    if np.asarray(_host(keys)).size:
        raise errors.UnimplementedError(None, None, "Ragged features are not supported")


@defop("ParseExampleV2",
       inputs=("serialized: string", "names: string", "sparse_keys: string",
               "dense_keys: string", "ragged_keys: string", "dense_defaults: Tdense"),
       outputs=("sparse_indices: num_sparse * int64", "sparse_values: sparse_types",
                "sparse_shapes: num_sparse * int64", "dense_values: Tdense",
                "ragged_values: ragged_value_types", "ragged_row_splits: ragged_split_types"),
       attrs={"Tdense": REQUIRED_LIST, "num_sparse": None, "sparse_types": REQUIRED_LIST,
              "ragged_value_types": REQUIRED_LIST, "ragged_split_types": REQUIRED_LIST,
              "dense_shapes": REQUIRED_LIST})  # TF's OpDef has no defaults for these
class ParseExampleV2:
    """Parses serialized `Example` protos (a scalar or a vector) into sparse and dense
    tensors."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        rank, batch = _batch(op)
        n = op.get_attr("num_sparse")
        idx = [[None, None if rank is None else rank + 1]] * n
        vals = [[None]] * n
        shp = [[None if rank is None else rank + 1]] * n
        dense = [None if batch is None else batch + _dims(s)
                 for s in op.get_attr("dense_shapes")]
        return idx + vals + shp + dense

    def kernel(xp, serialized, names, sparse_keys, dense_keys, ragged_keys, dense_defaults,
               Tdense, num_sparse, sparse_types, ragged_value_types, ragged_split_types,
               dense_shapes):
        _no_ragged(ragged_keys)
        ser = np.asarray(_host(serialized), dtype=object)
        if ser.ndim > 1:
            raise _bad(f"Expected serialized to be a scalar or vector, got shape: "
                       f"{list(ser.shape)}")
        items = ser.reshape(-1).tolist()
        nm = _names(names, len(items))
        fmaps = [_parse(example_pb2.Example, s, nm[i]).features.feature
                 for i, s in enumerate(items)]
        out = _parse_features(fmaps, ser.ndim == 0, nm, _strings(sparse_keys),
                              [_np_dtype(t) for t in sparse_types], _strings(dense_keys),
                              [_np_dtype(t) for t in Tdense],
                              [_dims(s) for s in dense_shapes], dense_defaults)
        return [a for part in out for a in part]


def _dense_default(key, dtype, shape, default, sequence):
    """The dense_defaults input for one dense feature, built as TF builds it."""
    if sequence:  # the padding value: a scalar
        value = default if default is not None else ("" if dtype == dtypes.string else 0)
        return constant(value, dtype=dtype)
    if default is None:
        return constant([], dtype=dtype)
    t = convert_to_tensor(default, dtype=dtype, name=f"key_{key}")
    return array_ops.reshape(t, shape.as_list())


def _build_sparse(indices, values, shapes):
    return [SparseTensor(i, v, s) for i, v, s in zip(indices, values, shapes)]


def _sparse_merge(ids, values, sizes, already_sorted):
    """A SparseFeature: the value feature's entries placed at the index features' values."""
    with name_scope(None, "SparseMerge"):
        rank_prefix = ids[0].indices.shape.as_list()[1] - 1
        cols = []
        if rank_prefix:
            cols.append(slicing_ops.strided_slice(ids[0].indices, [0, 0], [0, -1],
                                                  begin_mask=3, end_mask=1))
        cols += [array_ops.expand_dims(i.values, 1) for i in ids]
        indices = join_ops.concat(cols, 1)
        size_t = constant(sizes, dtype=dtypes.int64)
        prefix = slicing_ops.strided_slice(ids[0].dense_shape, [0], [-1], begin_mask=1)
        shape = join_ops.concat([prefix, size_t], 0)
        if already_sorted:
            return SparseTensor(indices, values.values, shape)
        # row-major order: sort by the linear position of each index
        rank = rank_prefix + len(ids)
        key = None
        for d in range(rank):
            col = slicing_ops.strided_slice(indices, [0, d], [0, d + 1], begin_mask=1,
                                            end_mask=1, shrink_axis_mask=2)
            key = col if key is None else math_ops.add(
                math_ops.multiply(key, slicing_ops.strided_slice(shape, [d], [d + 1],
                                                                 shrink_axis_mask=1)), col)
        order = extra_array_ops.argsort(key, stable=True)
        return SparseTensor(gather_ops.gather(indices, order),
                            gather_ops.gather(values.values, order), shape)


def _finish(params, features, sparse, dense):
    out = dict(zip(params.sparse_keys, sparse))
    out.update(zip(params.dense_keys, dense))
    for key, f in params.sparse_features.items():
        idx = [f.index_key] if isinstance(f.index_key, str) else list(f.index_key)
        size = [f.size] if isinstance(f.index_key, str) else list(f.size)
        out[key] = _sparse_merge([out[k] for k in idx], out[f.value_key], size,
                                 f.already_sorted)
    return {k: out[k] for k in features}


def _parse_example_v2(serialized, features, example_names, name):
    if not features:
        raise ValueError(f"Argument `features` cannot be None or falsy. Got {features}")
    params = Params(features)
    with name_scope(name, "ParseExample", [serialized, example_names]):
        defaults = [_dense_default(k, t, s, d, m) for k, t, s, d, m in zip(
            params.dense_keys, params.dense_types, params.dense_shapes,
            params.dense_defaults, params.allow_missing)]
        shapes = [tensor_shape.TensorShape([None]).concatenate(s) if m else s
                  for s, m in zip(params.dense_shapes, params.allow_missing)]
        names = [] if example_names is None else example_names
        outs = apply_op("ParseExampleV2", [
            serialized, names, params.sparse_keys, params.dense_keys, [], defaults],
            {"num_sparse": len(params.sparse_keys), "sparse_types": params.sparse_types,
             "dense_shapes": shapes, "Tdense": params.dense_types,
             "ragged_value_types": [], "ragged_split_types": []})
        n = len(params.sparse_keys)
        sparse = _build_sparse(outs[:n], outs[n:2 * n], outs[2 * n:3 * n])
        dense = outs[3 * n:3 * n + len(params.dense_keys)]
    return _finish(params, features, sparse, dense)


def parse_example(serialized, features, name=None, example_names=None):
    """Parses a batch (vector) of serialized `Example`s into a dict of `Tensor`s and
    `SparseTensor`s, one per key of `features`."""
    return _parse_example_v2(serialized, features, example_names, name)


def parse_single_example(serialized, features, name=None, example_names=None):
    """Parses one serialized `Example` (a scalar string) into a dict of tensors."""
    with name_scope(name, "ParseSingleExample", [serialized, example_names]):
        serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        serialized.shape.with_rank(0)
        return _parse_example_v2(serialized, features, example_names, None)
