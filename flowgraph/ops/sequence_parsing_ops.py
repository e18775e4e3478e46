"""Parsing `tf.train.SequenceExample` protos: the op `ParseSequenceExampleV2` (TF's
signature, host-only) with `parse_single_sequence_example` and `parse_sequence_example`.
Context features parse like an Example's; feature lists give per-step dense tensors
(with lengths) or SparseTensors [steps, values] (a batch adds a leading dimension)."""
import math

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import parsing_ops as _p
from flowgraph.ops.parsing_config import (FixedLenFeature, FixedLenSequenceFeature, Params,
                                          VarLenFeature)
from flowgraph.proto import example_pb2

__all__ = ["parse_single_sequence_example"]
__namespaces__ = {"io": ["parse_single_sequence_example", "parse_sequence_example"]}


def _feature_lists(seqs, key, dt, names):
    """Per example: None (missing) or a list of per-step value lists."""
    out = []
    for i, fl in enumerate(seqs):
        if key not in fl:
            out.append(None)
            continue
        out.append([_p._values(f, dt, names[i], key, i) for f in fl[key].feature])
    return out


def _list_sparse(steps_by_ex, dt, scalar):
    rows, n_steps = [], 0
    for i, steps in enumerate(steps_by_ex):
        steps = steps or []
        n_steps = max(n_steps, len(steps))
        rows.extend(((t,) if scalar else (i, t), v) for t, v in enumerate(steps))
    ind, val, width = _p._sparse(rows, dt, 1 if scalar else 2)
    shape = [n_steps, width] if scalar else [len(steps_by_ex), n_steps, width]
    return ind, val, np.asarray(shape, dtype=np.int64)


def _list_dense(steps_by_ex, dt, shape, missing_ok, key, names):
    n = math.prod(shape)
    per_ex = []
    for i, steps in enumerate(steps_by_ex):
        if steps is None:
            if not missing_ok:
                raise _p._bad(f"Name: {names[i]}, Feature list '{key}' is required but could "
                              f"not be found.  Did you mean to include it in "
                              f"feature_list_dense_missing_assumed_empty or "
                              f"feature_list_dense_defaults?")
            steps = []
        for t, v in enumerate(steps):
            if len(v) != n:
                raise _p._bad(f"Name: {names[i]}, Key: {key}, Index: {t}.  Number of "
                              f"{_p._KIND[dt][1]} values != expected.  values size: "
                              f"{len(v)} but output shape: {_p._shape_str(shape)}")
        per_ex.append([_p._array(v, dt).reshape(shape) for v in steps])
    most = max([len(s) for s in per_ex], default=0)
    pad = b"" if dt.kind == "O" else 0
    out = np.full((len(per_ex), most) + tuple(shape), pad, dtype=dt)
    for i, steps in enumerate(per_ex):
        for t, v in enumerate(steps):
            out[i, t] = v
    return out, np.asarray([len(s) for s in per_ex], dtype=np.int64)


@defop("ParseSequenceExampleV2",
       inputs=("serialized: string", "debug_name: string", "context_sparse_keys: string",
               "context_dense_keys: string", "context_ragged_keys: string",
               "feature_list_sparse_keys: string", "feature_list_dense_keys: string",
               "feature_list_ragged_keys: string",
               "feature_list_dense_missing_assumed_empty: bool",
               "context_dense_defaults: Tcontext_dense"),
       outputs=("context_sparse_indices: Ncontext_sparse * int64",
                "context_sparse_values: context_sparse_types",
                "context_sparse_shapes: Ncontext_sparse * int64",
                "context_dense_values: Tcontext_dense",
                "context_ragged_values: context_ragged_value_types",
                "context_ragged_row_splits: context_ragged_split_types",
                "feature_list_sparse_indices: Nfeature_list_sparse * int64",
                "feature_list_sparse_values: feature_list_sparse_types",
                "feature_list_sparse_shapes: Nfeature_list_sparse * int64",
                "feature_list_dense_values: feature_list_dense_types",
                "feature_list_dense_lengths: Nfeature_list_dense * int64",
                "feature_list_ragged_values: feature_list_ragged_value_types",
                "feature_list_ragged_outer_splits: feature_list_ragged_split_types",
                "feature_list_ragged_inner_splits: feature_list_ragged_split_types"),
       attrs={"Ncontext_sparse": 0, "Tcontext_dense": [], "context_sparse_types": [],
              "context_ragged_value_types": [], "context_ragged_split_types": [],
              "context_dense_shapes": [], "Nfeature_list_sparse": 0,
              "Nfeature_list_dense": 0, "feature_list_dense_types": [],
              "feature_list_sparse_types": [], "feature_list_ragged_value_types": [],
              "feature_list_ragged_split_types": [], "feature_list_dense_shapes": []})
class ParseSequenceExampleV2:
    """Parses serialized `SequenceExample` protos (a scalar or a vector) into context and
    feature-list tensors."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        rank, batch = _p._batch(op)
        r = None if rank is None else rank + 1
        nc = op.get_attr("Ncontext_sparse")
        nf = op.get_attr("Nfeature_list_sparse")
        ctx_dense = [None if batch is None else batch + _p._dims(s)
                     for s in op.get_attr("context_dense_shapes")]
        fl_dense = [None if batch is None else batch + [None] + _p._dims(s)
                    for s in op.get_attr("feature_list_dense_shapes")]
        fr = None if rank is None else rank + 2
        return ([[None, r]] * nc + [[None]] * nc + [[r]] * nc + ctx_dense
                + [[None, fr]] * nf + [[None]] * nf + [[fr]] * nf + fl_dense
                + [batch] * len(fl_dense))

    def kernel(xp, serialized, debug_name, context_sparse_keys, context_dense_keys,
               context_ragged_keys, feature_list_sparse_keys, feature_list_dense_keys,
               feature_list_ragged_keys, feature_list_dense_missing_assumed_empty,
               context_dense_defaults, Ncontext_sparse, Tcontext_dense, context_sparse_types,
               context_ragged_value_types, context_ragged_split_types, context_dense_shapes,
               Nfeature_list_sparse, Nfeature_list_dense, feature_list_dense_types,
               feature_list_sparse_types, feature_list_ragged_value_types,
               feature_list_ragged_split_types, feature_list_dense_shapes):
        _p._no_ragged(context_ragged_keys)
        _p._no_ragged(feature_list_ragged_keys)
        ser = np.asarray(_p._host(serialized), dtype=object)
        if ser.ndim > 1:
            raise _p._bad(f"Expected serialized to be a scalar or vector, got shape: "
                          f"{list(ser.shape)}")
        scalar = ser.ndim == 0
        items = ser.reshape(-1).tolist()
        names = _p._names(debug_name, len(items))
        protos = [_p._parse(example_pb2.SequenceExample, s, names[i])
                  for i, s in enumerate(items)]
        ctx = _p._parse_features(
            [e.context.feature for e in protos], scalar, names,
            _p._strings(context_sparse_keys), [_p._np_dtype(t) for t in context_sparse_types],
            _p._strings(context_dense_keys), [_p._np_dtype(t) for t in Tcontext_dense],
            [_p._dims(s) for s in context_dense_shapes], context_dense_defaults)
        lists = [e.feature_lists.feature_list for e in protos]
        fs_idx, fs_val, fs_shape = [], [], []
        for key, t in zip(_p._strings(feature_list_sparse_keys), feature_list_sparse_types):
            dt = _p._np_dtype(t)
            i, v, s = _list_sparse(_feature_lists(lists, key, dt, names), dt, scalar)
            fs_idx.append(i)
            fs_val.append(v)
            fs_shape.append(s)
        fd_val, fd_len = [], []
        missing = np.asarray(_p._host(feature_list_dense_missing_assumed_empty)).reshape(-1)
        for j, (key, t, shape) in enumerate(zip(_p._strings(feature_list_dense_keys),
                                                feature_list_dense_types,
                                                feature_list_dense_shapes)):
            dt = _p._np_dtype(t)
            v, n = _list_dense(_feature_lists(lists, key, dt, names), dt, _p._dims(shape),
                               bool(missing[j]) if j < missing.size else False, key, names)
            fd_val.append(v[0, ...] if scalar else v)
            fd_len.append(n[0, ...] if scalar else n)
        return [a for part in ctx for a in part] + fs_idx + fs_val + fs_shape + fd_val + fd_len


def _parse_sequence_v2(serialized, context_features, sequence_features, example_names,
                       name):
    context_features = context_features or {}
    sequence_features = sequence_features or {}
    if not context_features and not sequence_features:
        raise ValueError("Missing features.")
    for k, f in context_features.items():
        if not isinstance(f, (FixedLenFeature, VarLenFeature)):
            raise ValueError(f"Unsupported feature type for context features: {f}")
    for k, f in sequence_features.items():
        if not isinstance(f, (FixedLenSequenceFeature, VarLenFeature)):
            raise ValueError(f"Unsupported feature type for sequence features: {f}")
    ctx = Params(context_features)
    seq = Params(sequence_features, sequence=True)
    with name_scope(name, "ParseSequenceExample", [serialized, example_names]):
        defaults = [_p._dense_default(k, t, s, d, False) for k, t, s, d in zip(
            ctx.dense_keys, ctx.dense_types, ctx.dense_shapes, ctx.dense_defaults)]
        debug = "" if example_names is None else example_names
        outs = apply_op("ParseSequenceExampleV2", [
            serialized, debug, ctx.sparse_keys, ctx.dense_keys, [], seq.sparse_keys,
            seq.dense_keys, [], [bool(m) for m in seq.allow_missing], defaults],
            {"Ncontext_sparse": len(ctx.sparse_keys), "context_sparse_types": ctx.sparse_types,
             "Tcontext_dense": ctx.dense_types, "context_dense_shapes": ctx.dense_shapes,
             "Nfeature_list_sparse": len(seq.sparse_keys),
             "feature_list_sparse_types": seq.sparse_types,
             "Nfeature_list_dense": len(seq.dense_keys),
             "feature_list_dense_types": seq.dense_types,
             "feature_list_dense_shapes": seq.dense_shapes})
    nc, nd = len(ctx.sparse_keys), len(ctx.dense_keys)
    nf, nl = len(seq.sparse_keys), len(seq.dense_keys)
    parts = iter(outs)

    def take(n):
        return [next(parts) for _ in range(n)]

    c_sparse = _p._build_sparse(take(nc), take(nc), take(nc))
    c_dense = take(nd)
    f_sparse = _p._build_sparse(take(nf), take(nf), take(nf))
    f_dense = take(nl)
    lengths = take(nl)
    context = dict(zip(ctx.sparse_keys, c_sparse))
    context.update(zip(ctx.dense_keys, c_dense))
    lists = dict(zip(seq.sparse_keys, f_sparse))
    lists.update(zip(seq.dense_keys, f_dense))
    return context, lists, dict(zip(seq.dense_keys, lengths))


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None):
    """Parses one serialized `SequenceExample` into (context dict, feature_list dict)."""
    with name_scope(name, "ParseSingleSequenceExample", [serialized, example_name]):
        serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        serialized.shape.with_rank(0)
        ctx, lists, _ = _parse_sequence_v2(serialized, context_features, sequence_features,
                                           example_name, None)
    return ctx, lists


def parse_sequence_example(serialized, context_features=None, sequence_features=None,
                           example_names=None, name=None):
    """Parses a vector of serialized `SequenceExample`s into (context dict, feature_list
    dict, lengths dict); dense feature lists are padded to the longest example."""
    with name_scope(name, "ParseSequenceExample", [serialized]):
        return _parse_sequence_v2(serialized, context_features, sequence_features,
                                  example_names, None)
