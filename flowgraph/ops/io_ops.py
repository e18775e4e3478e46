"""Checkpoint ops: `SaveV2` / `RestoreV2` read and write V2 tensor bundles (see
`flowgraph/framework/tensor_bundle.py`); `ShardedFilename`, `StringJoin` and `MergeV2Checkpoints`
make sharded saves. All are TF's ops with TF's signatures, so saver graphs move between
flowgraph and TensorFlow."""

import numpy as np

from flowgraph.framework import dtypes as _dtypes, errors, tensor_bundle, tensor_shape
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = ["string_join"]


def _host(v):
    """A numpy view of a kernel input that may live on a GPU."""
    return v.get() if hasattr(v, "get") and not isinstance(v, np.ndarray) else np.asarray(v)


def _text(v):
    v = _host(v)
    v = v.item() if v.ndim == 0 else v
    if not isinstance(v, (bytes, str)):
        raise errors.InvalidArgumentError(None, None, f"Expected a string scalar, got {v!r}")
    return v.decode() if isinstance(v, bytes) else v


def _texts(v, what):
    v = _host(v)
    if v.ndim != 1:
        raise errors.InvalidArgumentError(None, None, f"{what} must be a vector, got shape "
                                                      f"{list(v.shape)}")
    return [x.decode() if isinstance(x, bytes) else str(x) for x in v.tolist()]


def _os_error(e, what):
    """An OSError as TF's error class."""
    cls = errors.PermissionDeniedError if isinstance(e, PermissionError) else \
        errors.NotFoundError if isinstance(e, FileNotFoundError) else errors.UnknownError
    return cls(None, None, f"{what}: {e}")


def _vector_of(n):
    def rule(op):
        for i in range(1, 3):
            s = op.inputs[i].shape
            if s.ndims not in (None, 1):
                raise ValueError(f"Shape must be rank 1 but is rank {s.ndims}")
            op.inputs[i].shape.merge_with([n(op)])
        if op.inputs[0].shape.ndims not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {op.inputs[0].shape.ndims}")
        return None
    return rule


@defop("SaveV2", inputs=("prefix: string", "tensor_names: string",
                         "shape_and_slices: string", "tensors: dtypes"),
       attrs={"dtypes": []}, stateful=True)
class SaveV2:
    """Writes `tensors` under `tensor_names` to the V2 checkpoint at `prefix`."""

    def shape(op):
        _vector_of(lambda op: len(op.get_attr("dtypes")))(op)
        return []

    def kernel(ctx, prefix, tensor_names, shape_and_slices, tensors):
        prefix = _text(prefix)
        names = _texts(tensor_names, "tensor_names")
        slices = _texts(shape_and_slices, "shape_and_slices")
        if not len(names) == len(slices) == len(tensors):
            raise errors.InvalidArgumentError(
                None, None, f"Got {len(names)} tensor names, {len(slices)} shape_and_slices "
                            f"and {len(tensors)} tensors: they must agree")
        if any(slices):
            raise errors.UnimplementedError(None, None, "Saving slices of tensors "
                                                        "(partitioned variables) is not supported")
        try:
            writer = tensor_bundle.BundleWriter(prefix)
        except OSError as e:
            raise _os_error(e, f"Failed to create checkpoint {prefix}") from None
        try:
            for n, t in zip(names, tensors):
                writer.add(n, _host(t))
            writer.finish()
        except OSError as e:
            writer.abort()
            raise _os_error(e, f"Failed to write checkpoint {prefix}") from None
        except BaseException:
            writer.abort()
            raise
        return None
    grad = NOT_DIFFERENTIABLE


@defop("RestoreV2", inputs=("prefix: string", "tensor_names: string",
                            "shape_and_slices: string"),
       outputs=("tensors: dtypes",), attrs={"dtypes": []}, stateful=True)
class RestoreV2:
    """Reads the tensors named `tensor_names` from the V2 checkpoint at `prefix`."""

    def shape(op):
        _vector_of(lambda op: len(op.get_attr("dtypes")))(op)
        return [tensor_shape.unknown_shape() for _ in op.outputs]

    def kernel(ctx, prefix, tensor_names, shape_and_slices, dtypes):
        prefix = _text(prefix)
        names = _texts(tensor_names, "tensor_names")
        slices = _texts(shape_and_slices, "shape_and_slices")
        if not len(names) == len(slices) == len(dtypes):
            raise errors.InvalidArgumentError(
                None, None, f"Got {len(names)} tensor names and {len(slices)} "
                            f"shape_and_slices for {len(dtypes)} dtypes: they must agree")
        if any(slices):
            raise errors.UnimplementedError(None, None, "Restoring slices of tensors "
                                                        "(partitioned variables) is not supported")
        reader = tensor_bundle.BundleReader(prefix)
        out = []
        for n, want in zip(names, dtypes):
            have = reader.dtype(n)
            want = _dtypes.as_dtype(want)
            if have != want:
                raise errors.InvalidArgumentError(
                    None, None, f"tensor_name = {n}; expected dtype {want.name} does not "
                                f"equal original dtype {have.name}")
            v = reader.read(n)
            out.append(v if ctx.xp is np else ctx.xp.asarray(v))
        return out
    grad = NOT_DIFFERENTIABLE


@defop("MergeV2Checkpoints", inputs=("checkpoint_prefixes: string",
                                     "destination_prefix: string"),
       attrs={"delete_old_dirs": True, "allow_missing_files": False}, stateful=True)
class MergeV2Checkpoints:
    """Merges single-shard V2 checkpoints into one sharded checkpoint."""

    def shape(op):
        if op.inputs[1].shape.ndims not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {op.inputs[1].shape.ndims}")
        return []

    def kernel(ctx, checkpoint_prefixes, destination_prefix, delete_old_dirs,
               allow_missing_files):
        prefixes = _texts(np.reshape(_host(checkpoint_prefixes), -1), "checkpoint_prefixes")
        dest = _text(destination_prefix)
        try:
            tensor_bundle.merge_bundles(prefixes, dest, delete_old_dirs, allow_missing_files)
        except OSError as e:
            raise _os_error(e, f"Failed to merge checkpoints into {dest}") from None
        return None
    grad = NOT_DIFFERENTIABLE


@defop("ShardedFilename", inputs=("basename: string", "shard: int32", "num_shards: int32"),
       outputs=("filename: string",))
class ShardedFilename:
    """`basename-SSSSS-of-NNNNN`: the file name of one shard."""

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(xp, basename, shard, num_shards):
        return np.array(f"{_text(basename)}-{int(shard):05d}-of-{int(num_shards):05d}".encode(),
                        dtype=object)
    grad = NOT_DIFFERENTIABLE


@defop("StringJoin", inputs=("inputs: N * string",), outputs=("output: string",),
       attrs={"separator": ""})
class StringJoin:
    """Joins strings elementwise (scalars broadcast) with `separator` between them."""

    def shape(op):
        out = tensor_shape.TensorShape([])
        for t in op.inputs:
            if t.shape.ndims == 0:
                continue
            out = t.shape if out.ndims == 0 else out.merge_with(t.shape)
        return out

    def kernel(xp, inputs, separator):
        sep = separator.encode() if isinstance(separator, str) else separator
        arrs = [_host(x) for x in inputs]
        shape = ()
        for a in arrs:
            if a.ndim:
                if shape and a.shape != shape:
                    raise errors.InvalidArgumentError(
                        None, None, f"Input shapes do not match: {list(shape)} vs. "
                                    f"{list(a.shape)}")
                shape = a.shape
        flat = [np.broadcast_to(a, shape).reshape(-1) for a in arrs]
        n = int(np.prod(shape)) if shape else 1
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = sep.join(f[i] if isinstance(f[i], bytes) else str(f[i]).encode()
                              for f in flat)
        return out.reshape(shape)
    grad = NOT_DIFFERENTIABLE


def string_join(inputs, separator="", name=None):
    """Joins a list of string tensors elementwise (scalars are broadcast)."""
    return apply_op("StringJoin", [list(inputs)], {"separator": separator}, name=name)


def save_v2(prefix, tensor_names, shape_and_slices, tensors, name=None):
    """The `SaveV2` op (returns the Operation)."""
    return apply_op("SaveV2", [prefix, tensor_names, shape_and_slices, list(tensors)],
                    name=name)


def restore_v2(prefix, tensor_names, shape_and_slices, dtypes, name=None):
    """The `RestoreV2` op: a list of tensors, one per name."""
    out = apply_op("RestoreV2", [prefix, tensor_names, shape_and_slices],
                   {"dtypes": list(dtypes)}, name=name)
    return out if isinstance(out, list) else [out]


def sharded_filename(basename, shard, num_shards, name=None):
    return apply_op("ShardedFilename", [basename, shard, num_shards], name=name)


def merge_v2_checkpoints(checkpoint_prefixes, destination_prefix, delete_old_dirs=True,
                         allow_missing_files=False, name=None):
    return apply_op("MergeV2Checkpoints", [checkpoint_prefixes, destination_prefix],
                    {"delete_old_dirs": delete_old_dirs,
                     "allow_missing_files": allow_missing_files}, name=name)
