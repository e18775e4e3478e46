"""More string ops: `UnsortedSegmentJoin` (`tf.strings.unsorted_segment_join`), and for
scalar strings `tf.strings.bytes_split` and `unicode_split_with_offsets` (a RaggedTensor
in TF for higher ranks, which flowgraph does not have)."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.constant_value import get_static_value
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import array_ops
from flowgraph.ops.array_ops import _host
from flowgraph.ops.string_ops import _b, string_split
from flowgraph.ops.unicode_ops import unicode_decode_with_offsets, unicode_encode

__all__ = []
__namespaces__ = {"strings": ["unsorted_segment_join", "bytes_split",
                              "unicode_split_with_offsets"]}


@defop("UnsortedSegmentJoin", inputs=("inputs: string", "segment_ids: Tindices",
                                      "num_segments: Tnumsegments"),
       outputs=("output: string",), attrs={"separator": "", "Tnumsegments": dtypes.int32})
class UnsortedSegmentJoin:
    """Joins the strings of `inputs` sharing a segment id (in order, with `separator`);
    ids index the leading dimensions."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        ids = op.inputs[1].shape
        x = op.inputs[0].shape
        n = get_static_value(op.inputs[2])
        if ids.ndims is None or x.ndims is None:
            return TensorShape(None)
        return TensorShape([None if n is None else int(n)]).concatenate(x[ids.ndims:])

    def kernel(xp, inputs, segment_ids, num_segments, separator):
        x, ids = _host(inputs), _host(segment_ids).astype(np.int64)
        n = int(num_segments)
        if x.shape[:ids.ndim] != ids.shape:
            raise errors.InvalidArgumentError(
                None, None, f"segment_ids.shape = {list(ids.shape)} does not match the "
                            f"prefix of inputs.shape = {list(x.shape)}")
        if (ids >= n).any() or (ids < 0).any():
            raise errors.InvalidArgumentError(
                None, None, "segment_ids are not allowed to exceed num_segments or to have "
                            "negative values.")
        rest = x.shape[ids.ndim:]
        width = int(np.prod(rest)) if rest else 1
        rows = x.reshape(ids.size, width)
        parts = [[[] for _ in range(width)] for _ in range(n)]
        for k, s in enumerate(ids.reshape(-1)):
            for j, v in enumerate(rows[k]):
                parts[s][j].append(_b(v))
        sep = _b(separator)
        out = np.array([[sep.join(p) for p in seg] for seg in parts], object)
        return out.reshape((n,) + rest)


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """Joins the strings of `inputs` by segment into `num_segments` strings."""
    return apply_op("UnsortedSegmentJoin", [
        convert_to_tensor(inputs, dtype=dtypes.string),
        convert_to_tensor(segment_ids), convert_to_tensor(num_segments)],
        {"separator": separator}, name=name)


def _scalar(input, what):
    input = convert_to_tensor(input, dtype=dtypes.string, name="input")
    if input.shape.ndims != 0:
        raise NotImplementedError(f"{what} of a tensor of rank >= 1 gives a RaggedTensor, "
                                  f"which flowgraph does not have; pass a scalar string")
    return input


def bytes_split(input, name=None):
    """The bytes of the scalar string `input`, each a string."""
    with name_scope(name, "BytesSplit", [input]):
        input = _scalar(input, "bytes_split")
        return string_split(array_ops.reshape(input, [1]), "").values


def unicode_split_with_offsets(input, input_encoding, errors="replace",
                               replacement_char=65533, name=None):
    """(characters of the scalar string `input`, each a string; their byte offsets)."""
    with name_scope(name, "UnicodeSplitWithOffsets", [input]):
        input = _scalar(input, "unicode_split_with_offsets")
        points, offsets = unicode_decode_with_offsets(input, input_encoding, errors,
                                                      replacement_char)
        chars = unicode_encode(array_ops.expand_dims(points, -1), input_encoding, errors,
                               replacement_char)
        return chars, offsets
