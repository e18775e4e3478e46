"""`tf.estimator.export`: serving input receivers (the placeholders a SavedModel is fed
and the features the model_fn gets from them) and the functions that build them."""
import collections

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.ops import core, parsing_ops

__all__ = ["ServingInputReceiver", "TensorServingInputReceiver",
           "build_parsing_serving_input_receiver_fn", "build_raw_serving_input_receiver_fn"]

_DEFAULT_NAMES = {"feature": "feature", "label": "label", "receiver_tensor": "input",
                  "receiver_tensors_alternative": "input"}


def _check_tensor(tensor, name, error_label="feature"):
    if not isinstance(tensor, (Tensor, SparseTensor)):
        fmt_name = f" {name}" if name else ""
        raise ValueError(f"{error_label}{fmt_name} must be a Tensor, SparseTensor, or "
                         f"RaggedTensor.")


def _check_tensor_key(name, error_label="feature", allow_ints=False):
    if not isinstance(name, str):
        if not allow_ints:
            raise ValueError(f"{error_label} keys must be strings: {name}.")
        if not isinstance(name, int):
            raise ValueError(f"{error_label} keys must be strings or ints: {name}.")


def wrap_and_check_input_tensors(tensors, field_name, allow_int_keys=False):
    """`tensors` as a dict (a lone tensor under the field's default name), checked."""
    if tensors is None:
        raise ValueError(f"{field_name}s must be defined.")
    if not isinstance(tensors, dict):
        tensors = {_DEFAULT_NAMES[field_name]: tensors}
    for name, tensor in tensors.items():
        _check_tensor_key(name, error_label=field_name, allow_ints=allow_int_keys)
        _check_tensor(tensor, name, error_label=field_name)
    return tensors


class ServingInputReceiver(collections.namedtuple(
        "ServingInputReceiver", ["features", "receiver_tensors",
                                 "receiver_tensors_alternatives"])):
    """`features` (what model_fn gets) computed from `receiver_tensors` (what a served
    request feeds); both dicts (a lone tensor is `feature` / `input`)."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        features = wrap_and_check_input_tensors(features, "feature", allow_int_keys=True)
        receiver_tensors = wrap_and_check_input_tensors(receiver_tensors, "receiver_tensor")
        if receiver_tensors_alternatives is not None:
            if not isinstance(receiver_tensors_alternatives, dict):
                raise ValueError(f"receiver_tensors_alternatives must be a dict: "
                                 f"{receiver_tensors_alternatives}.")
            for name, alt in receiver_tensors_alternatives.items():
                receiver_tensors_alternatives[name] = wrap_and_check_input_tensors(
                    alt, "receiver_tensors_alternative")
        return super().__new__(cls, features=features, receiver_tensors=receiver_tensors,
                               receiver_tensors_alternatives=receiver_tensors_alternatives)


class TensorServingInputReceiver(collections.namedtuple(
        "TensorServingInputReceiver", ["features", "receiver_tensors",
                                       "receiver_tensors_alternatives"])):
    """A ServingInputReceiver whose features are one tensor (not a dict)."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        if features is None:
            raise ValueError("features must be defined.")
        _check_tensor(features, None)
        r = ServingInputReceiver(features, receiver_tensors, receiver_tensors_alternatives)
        return super().__new__(cls, features=r.features["feature"],
                               receiver_tensors=r.receiver_tensors,
                               receiver_tensors_alternatives=r.receiver_tensors_alternatives)


def build_parsing_serving_input_receiver_fn(feature_spec, default_batch_size=None):
    """A serving_input_receiver_fn taking serialized tf.Examples (`examples`, fed to the
    placeholder `input_example_tensor`) parsed with `feature_spec`."""
    def serving_input_receiver_fn():
        serialized = core.placeholder(dtype=dtypes.string, shape=[default_batch_size],
                                           name="input_example_tensor")
        features = parsing_ops.parse_example(serialized, feature_spec)
        return ServingInputReceiver(features, {"examples": serialized})
    return serving_input_receiver_fn


def _placeholder_from_tensor(t, default_batch_size=None):
    shape = tensor_shape.TensorShape([default_batch_size]).concatenate(t.get_shape()[1:])
    name = getattr(getattr(t, "op", None), "name", None)
    return core.placeholder(dtype=t.dtype, shape=shape, name=name)


def build_raw_serving_input_receiver_fn(features, default_batch_size=None):
    """A serving_input_receiver_fn feeding placeholders shaped like `features` (a dict of
    tensors; the batch dimension becomes `default_batch_size`) straight to the model."""
    def serving_input_receiver_fn():
        tensors = {name: _placeholder_from_tensor(t, default_batch_size)
                   for name, t in features.items()}
        return ServingInputReceiver(tensors, tensors)
    return serving_input_receiver_fn
