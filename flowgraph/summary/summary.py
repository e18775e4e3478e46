"""`tf.summary` builders (TF1): each adds a summary op whose output is a serialized
`Summary` protobuf string, and collects it in `GraphKeys.SUMMARIES`."""
import contextlib
import re

from flowgraph.framework import dtypes
from flowgraph.framework.graph import GraphKeys, get_default_graph, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.ops import summary_ops  # noqa: F401  (registers the ops)

__all__ = ["scalar", "histogram", "image", "audio", "text", "tensor_summary", "merge",
           "merge_all"]

_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w.]")


def clean_tag(name):
    """Replaces characters TensorBoard does not allow in tags by '_' and drops leading '/'."""
    if name is None:
        return None
    return _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")


@contextlib.contextmanager
def summary_scope(name, family=None, default_name=None, values=None):
    """Opens the name scope of a summary op; yields `(tag, scope)`. With a `family`, the
    scope is `family/name` and the tag is prefixed by the family again (TensorBoard shows
    the family as the tab)."""
    name, family = clean_tag(name), clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    with name_scope(base, default_name, values=values) as scope:
        tag = scope.rstrip("/")
        yield (tag if family is None else f"{family}/{tag}"), scope


def _collect(val, collections, default):
    g = val.graph
    for key in (default if collections is None else collections):
        g.add_to_collection(key, val)


def scalar(name, tensor, collections=None, family=None):
    """A `Summary` protobuf holding a single scalar value (a `ScalarSummary` op).

    Args:
      name: the node name; the tag is the name within the current name scope.
      tensor: a real numeric tensor holding a single value.
      collections: graph collections to add the op to (default `[GraphKeys.SUMMARIES]`).
      family: optional tag prefix, shown as the TensorBoard tab.
    Returns:
      A scalar string `Tensor` (serialized `Summary`).
    """
    with summary_scope(name, family, values=[tensor]) as (tag, scope):
        val = apply_op("ScalarSummary", [tag, tensor], name=scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def histogram(name, values, collections=None, family=None):
    """A `Summary` protobuf with a histogram of `values` (a `HistogramSummary` op); any
    non-finite value fails at run time with `InvalidArgumentError`."""
    with summary_scope(name, family, values=[values], default_name="HistogramSummary") \
            as (tag, scope):
        val = apply_op("HistogramSummary", [tag, values], name=scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """A `Summary` protobuf with up to `max_outputs` PNG images (an `ImageSummary` op).

    `tensor` is `[batch, height, width, channels]` (1, 3 or 4 channels) of uint8, float16,
    float32 or float64. Float images are rescaled per image: if all values are >= 0 the
    largest becomes 255, otherwise 0 maps to 128 and the largest magnitude to 0 or 255.
    Tags are `name/image/0`, `name/image/1`... (`name/image` when `max_outputs` is 1).
    """
    with summary_scope(name, family, values=[tensor]) as (tag, scope):
        val = apply_op("ImageSummary", [tag, tensor], {"max_images": max_outputs}, name=scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """A `Summary` protobuf with up to `max_outputs` WAV clips (an `AudioSummaryV2` op).

    `tensor` is float32 `[batch, frames]` or `[batch, frames, channels]` in [-1, 1];
    `sample_rate` is a scalar (Hz)."""
    with summary_scope(name, family=family, values=[tensor]) as (tag, scope):
        sample_rate = convert_to_tensor(sample_rate, dtype=dtypes.float32, name="sample_rate")
        val = apply_op("AudioSummaryV2", [tag, tensor, sample_rate],
                       {"max_outputs": max_outputs}, name=scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def _metadata_pb():
    from tensorboardX.proto import summary_pb2
    return summary_pb2.SummaryMetadata


def tensor_summary(name, tensor, summary_description=None, collections=None,
                   summary_metadata=None, family=None, display_name=None):
    """A `Summary` protobuf holding the whole `tensor` (a `TensorSummaryV2` op), with
    `summary_metadata` (a `SummaryMetadata` proto, e.g. naming a TensorBoard plugin)."""
    if summary_metadata is None:
        summary_metadata = _metadata_pb()()
    if summary_description is not None:
        summary_metadata.summary_description = summary_description
    if display_name is not None:
        summary_metadata.display_name = display_name
    meta = summary_metadata.SerializeToString()
    with summary_scope(name, family, values=[tensor]) as (tag, scope):
        val = apply_op("TensorSummaryV2", [tag, tensor, meta], name=scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def text(name, tensor, collections=None):
    """A `Summary` protobuf of a string tensor for TensorBoard's text plugin (Markdown)."""
    tensor = convert_to_tensor(tensor)
    if tensor.dtype.base_dtype != dtypes.string:
        raise ValueError(f"Expected tensor {tensor.name} to have dtype string, got "
                         f"<dtype: '{tensor.dtype.base_dtype.name}'>")
    meta = _metadata_pb()()
    meta.plugin_data.plugin_name = "text"
    return tensor_summary(name, tensor, summary_metadata=meta, collections=collections)


def merge(inputs, collections=None, name=None):
    """Merges summaries: a `MergeSummary` op whose output holds every input's values
    (duplicate tags fail at run time with `InvalidArgumentError`)."""
    with name_scope(name, "Merge", inputs):
        val = apply_op("MergeSummary", [list(inputs)], name=name)
        _collect(val, collections, [])
    return val


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """Merges every summary in collection `key` (filtered by `scope`); None if empty."""
    found = get_default_graph().get_collection(key, scope=scope)
    if not found:
        return None
    return merge(found, name=name)
