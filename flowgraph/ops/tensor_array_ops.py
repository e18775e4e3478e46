"""`tf.TensorArray`: a list of tensors for loops, built on the TensorList ops.

It is functional, as TF2's: each `write`, `unstack` or `scatter` returns a new TensorArray
whose `flow` (a variant tensor holding the list) is a new value; the old one still holds
the old list. A TensorArray can be a `tf.while_loop` variable or a `tf.cond` result: a
nested structure flattens it to its flow and rebuilds it around the loop's or the cond's
output flow (see `framework/nest.py`). Versions of one array share what is known of the
element shape, as in TF."""
import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, constant_value
from flowgraph.ops import list_ops

__all__ = ["TensorArray"]


def _check_handle_args(handle, flow, size, element_shape, dynamic_size, clear_after_read,
                       tensor_array_name):
    """TF1's rules for wrapping an existing array's `handle` (with its `flow`). Here the
    handle is the array's list itself, so the wrapper continues from `flow`."""
    if tensor_array_name is not None:
        raise ValueError("Cannot provide both `handle` and `tensor_array_name` arguments at "
                         "the same time.")
    if not isinstance(handle, Tensor):
        raise TypeError(f"Expected `handle` to be a Tensor, but got `{handle}` of type "
                        f"`{type(handle)}` instead.")
    if size is not None:
        raise ValueError("Cannot provide both a `handle` and `size` arguments at the same "
                         "time.")
    if element_shape is not None:
        raise ValueError("Cannot provide both `handle` and `element_shape` arguments at the "
                         "same time.")
    if dynamic_size is not None:
        raise ValueError("Cannot provide both `handle` and `dynamic_size` arguments at the "
                         "same time.")
    if clear_after_read is not None:
        raise ValueError("Cannot provide both `handle` and `clear_after_read` arguments at "
                         "the same time.")
    if flow is None:
        raise ValueError("flow must not be None if handle is not None.")
    if handle.dtype.base_dtype != dtypes.variant:
        raise TypeError(f"Expected `handle` to be the handle of a TensorArray (a variant "
                        f"tensor), but received `{handle.dtype.name}` instead.")


class TensorArray:
    """A list of tensors of one dtype, written and read by index (`write`, `read`), or
    all at once (`unstack`, `stack`, `scatter`, `gather`, `split`, `concat`)."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if handle is not None:
            _check_handle_args(handle, flow, size, element_shape, dynamic_size,
                               clear_after_read, tensor_array_name)
        if flow is not None and (not isinstance(flow, Tensor) or
                                 flow.dtype.base_dtype != dtypes.variant):
            raise TypeError(f"Expected `flow` to be a variant tensor, but received "
                            f"`{getattr(flow, 'dtype', type(flow).__name__)}` instead.")
        if flow is None and size is None:
            raise ValueError("Argument `size` must be provided if handle is not provided.")
        if flow is not None and size is not None:
            raise ValueError("Cannot provide both `flow` and `size` arguments at the same "
                             "time.")
        if flow is not None and element_shape is not None:
            raise ValueError("Cannot provide both `flow` and `element_shape` arguments at "
                             "the same time.")
        self._dtype = dtypes.as_dtype(dtype).base_dtype
        self._dynamic_size = bool(dynamic_size)
        self._infer_shape = infer_shape
        self._element_shape = [tensor_shape.as_shape(element_shape)
                               if element_shape is not None else
                               tensor_shape.unknown_shape()]
        with name_scope(name, "TensorArrayV2", [size, flow]) as scope:
            if flow is None:
                size = convert_to_tensor(size, dtype=dtypes.int32, name="num_elements")
                flow = list_ops.tensor_list_reserve(self._element_shape[0], size,
                                                    self._dtype, name=scope)
            self._size = size
            self._flow = flow

    # -- the pieces of a TensorArray -------------------------------------------------------
    @property
    def flow(self):
        """The variant tensor holding the list."""
        return self._flow

    @property
    def handle(self):
        """TF2's TensorArrays have no resource handle; this is the flow."""
        return self._flow

    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self):
        """What is known statically of the shape of the elements."""
        return self._element_shape[0]

    @property
    def dynamic_size(self):
        return self._dynamic_size

    def _with_flow(self, flow):
        ta = TensorArray.__new__(TensorArray)
        ta._dtype, ta._dynamic_size, ta._infer_shape = \
            self._dtype, self._dynamic_size, self._infer_shape
        ta._element_shape = self._element_shape  # shared, as TF's versions share it
        ta._size, ta._flow = self._size, flow
        return ta

    # nested structures (while_loop variables, cond results) hold the flow
    def _nest_components(self):
        return [self._flow]

    def _nest_rebuild(self, tensors):
        return self._with_flow(tensors[0])

    def _merge_element_shape(self, shape):
        shape = tensor_shape.as_shape(shape)
        if not shape.is_compatible_with(self.element_shape):
            raise ValueError(f"Inconsistent shapes: saw {shape} but expected "
                             f"{self.element_shape} ")
        if self._infer_shape:
            self._element_shape[0] = self.element_shape.merge_with(shape)

    def _value(self, value):
        value = convert_to_tensor(value, preferred_dtype=self._dtype, name="value")
        if value.dtype.base_dtype != self._dtype:
            raise TypeError(f"TensorArray has dtype {self._dtype.name}, but a value of dtype "
                            f"{value.dtype.base_dtype.name} was given: {value}")
        return value

    # -- reading -----------------------------------------------------------------------------
    def read(self, index, name=None):
        """The element at `index` (zeros if it was never written and its shape is known)."""
        with name_scope(name, "TensorArrayV2Read", [self._flow, index]):
            return list_ops.tensor_list_get_item(self._flow, index, self._dtype,
                                                 self.element_shape)

    def stack(self, name=None):
        """All elements stacked along a new first dimension."""
        with name_scope(name, "TensorArrayV2Stack", [self._flow]):
            n = -1
            if not self._dynamic_size and self._size is not None:
                c = constant_value(self._size) if isinstance(self._size, Tensor) else \
                    self._size
                n = -1 if c is None else int(c)
            return list_ops.tensor_list_stack(self._flow, self._dtype, self.element_shape,
                                              num_elements=n)

    def gather(self, indices, name=None):
        """The elements at `indices`, stacked."""
        with name_scope(name, "TensorArrayV2Gather", [self._flow, indices]):
            return list_ops.tensor_list_gather(self._flow, indices, self._dtype,
                                               self.element_shape)

    def concat(self, name=None):
        """The elements concatenated along their first dimension."""
        s = self.element_shape
        shape = None if s.ndims is None else [None] + s.as_list()[1:]
        with name_scope(name, "TensorArrayV2Concat", [self._flow]):
            return apply_op(
                "TensorListConcatV2", [self._flow, list_ops._build_element_shape(shape),
                                       np.zeros(0, np.int64)],
                {"element_dtype": self._dtype})[0]

    def size(self, name=None):
        """The number of elements (the constructor's size unless dynamically sized)."""
        if not self._dynamic_size and self._size is not None:
            return convert_to_tensor(self._size, dtype=dtypes.int32)
        return list_ops.tensor_list_length(self._flow, name=name)

    # -- writing (each returns a new TensorArray) -------------------------------------------
    def write(self, index, value, name=None):
        """A TensorArray with `value` at `index` (grown if dynamically sized)."""
        with name_scope(name, "TensorArrayV2Write", [self._flow, index, value]):
            value = self._value(value)
            self._merge_element_shape(value.shape)
            flow = list_ops.tensor_list_set_item(
                self._flow, index, value, resize_if_index_out_of_bounds=self._dynamic_size)
            return self._with_flow(flow)

    def unstack(self, value, name=None):
        """A TensorArray holding the slices of `value` along its first dimension."""
        with name_scope(name, "TensorArrayUnstack", [self._flow, value]):
            value = self._value(value)
            if value.shape.ndims == 0:
                raise ValueError(f"Cannot unstack a scalar: {value}")
            rest = value.shape[1:] if value.shape.ndims is not None else \
                tensor_shape.unknown_shape()
            self._merge_element_shape(rest)
            return self._with_flow(list_ops.tensor_list_from_tensor(value, rest))

    def scatter(self, indices, value, name=None):
        """A TensorArray with `value[i]` written at `indices[i]`."""
        with name_scope(name, "TensorArrayScatter", [self._flow, value, indices]):
            value = self._value(value)
            if value.shape.ndims is not None:
                self._merge_element_shape(value.shape[1:])
            return self._with_flow(list_ops.tensor_list_scatter(self._flow, value, indices))

    def split(self, value, lengths, name=None):
        """A TensorArray of the consecutive pieces of `value` of `lengths` rows."""
        from flowgraph.ops import math_ops
        with name_scope(name, "TensorArraySplit", [self._flow, value, lengths]):
            value = self._value(value)
            lengths = math_ops.cast(lengths, dtypes.int64)
            c = constant_value(lengths)
            if c is not None and value.shape.ndims is not None and np.size(c) and \
                    np.max(c) == np.min(c):
                self._merge_element_shape(
                    tensor_shape.TensorShape([int(np.max(c))]).concatenate(value.shape[1:]))
            s = self.element_shape
            flow = apply_op("TensorListSplit", [
                value, list_ops._build_element_shape(s), lengths])
            return self._with_flow(flow)

    def identity(self):
        """A TensorArray whose flow is an identity of this one's."""
        from flowgraph.ops import core
        return self._with_flow(core.identity(self._flow))

    def close(self, name=None):
        """A no-op (kept for TF1 code)."""
        from flowgraph.ops import core
        return core.no_op(name=name)

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError("TensorArray.grad: use tf.gradients on the tensors read "
                                  "from it.")

    def __repr__(self):
        return f"<TensorArray dtype={self._dtype.name} flow={self._flow.name}>"
