"""TF2's TensorList ops, on which `tf.TensorArray` is built: a functional list of
tensors held in one `variant` tensor, so it can be a loop variable of `tf.while_loop`.

A list's run-time value is a `TensorList`: a Python list of arrays (None for an entry not
written yet). It is never changed in place: each write makes a new list, sharing the
unchanged arrays. The gradient of a list is a list of the same length (missing entries are
zeros), summed by `AddN` and zeroed by `ZerosLike` through numpy's dispatch protocols."""
import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.framework.op_builder import apply_op, constant_value, constant_value_as_shape
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape

__all__ = []


# -- the run-time value --------------------------------------------------------------------
class TensorList:
    """The value of a variant list tensor: `items` (arrays, or None where unwritten),
    the declared `element_shape` (tuple with None dims, or None for unknown rank) and
    the numpy `dtype` of the elements."""

    __slots__ = ("items", "element_shape", "dtype")
    shape = ()  # a variant tensor is a scalar (a list can hold lists: loop tapes)

    def __init__(self, items, element_shape, dtype):
        self.items, self.element_shape, self.dtype = items, element_shape, dtype

    def with_items(self, items):
        return TensorList(items, self.element_shape, self.dtype)

    def __len__(self):
        return len(self.items)

    def __repr__(self):
        return f"TensorList(len={len(self.items)}, dtype={self.dtype})"

    # ZerosLike and AddN reach lists through numpy's dispatch (a gradient list is summed
    # and zeroed like any gradient).
    def zeros_like(self):
        return self.with_items([None if x is None else x.zeros_like()
                                if isinstance(x, TensorList) else _xp(x).zeros_like(x)
                                for x in self.items])

    def __add__(self, other):
        if not isinstance(other, TensorList):
            return NotImplemented
        if len(self.items) != len(other.items):
            raise errors.InvalidArgumentError(
                None, None, f"Trying to add two lists of tensors with different lengths, "
                            f"one is {len(self.items)} and the other is {len(other.items)}")
        out = []
        for a, b in zip(self.items, other.items):
            out.append(b if a is None else a if b is None else
                       a + b if isinstance(a, TensorList) else _xp(a).add(a, b))
        return self.with_items(out)

    __radd__ = __add__

    def __array_function__(self, func, types, args, kwargs):
        if func is np.zeros_like and args and args[0] is self:
            return self.zeros_like()
        return NotImplemented

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is np.add and method == "__call__" and len(inputs) == 2 and not kwargs:
            return inputs[0] + inputs[1]
        return NotImplemented


def _xp(a):
    """The array module of an item: numpy, or CuPy for a GPU array."""
    if isinstance(a, (np.ndarray, np.generic)):
        return np
    import cupy
    return cupy


def _shape_value(v):
    """A kernel's element_shape input as a tuple with None dims, or None (unknown rank)."""
    v = np.asarray(v)
    if v.ndim == 0:
        if int(v) != -1:
            raise errors.InvalidArgumentError(None, None, f"Element shape must be -1 (unknown "
                                                          f"rank) or a vector, got {int(v)}")
        return None
    return tuple(None if int(d) < 0 else int(d) for d in v.reshape(-1).tolist())


def _merge(a, b):
    """The merge of two kernel shapes (tuples/None); None where they disagree."""
    if a is None:
        return b
    if b is None:
        return a
    if len(a) != len(b):
        return False
    out = []
    for x, y in zip(a, b):
        if x is not None and y is not None and x != y:
            return False
        out.append(x if x is not None else y)
    return tuple(out)


def _check_item(lst, shape, what):
    m = _merge(lst.element_shape, tuple(shape))
    if m is False:
        raise errors.InvalidArgumentError(
            None, None, f"Incompatible shapes during {what}: list element shape "
                        f"{_fmt(lst.element_shape)} vs. item shape {list(shape)}")


def _fmt(s):
    return "<unknown>" if s is None else "[" + ",".join("?" if d is None else str(d)
                                                         for d in s) + "]"


def _zeros_shape(lst, element_shape, index):
    """The shape of the zeros standing for unwritten entry `index`: the op's element_shape
    merged with the list's, completed from a written entry when still partial."""
    s = _merge(_shape_value(element_shape), lst.element_shape)
    if s is False:
        s = None
    if s is None or None in s:
        for x in lst.items:
            if x is not None:
                m = _merge(s, tuple(x.shape))
                if m is not False:
                    s = m
                    break
    if s is None or None in s:
        raise errors.InvalidArgumentError(
            None, None, f"Trying to read an uninitialized tensor (element {index}) but "
                        f"element_shape is not fully defined: {_fmt(s)}")
    return s


def _zeros_rest(lst, element_shape, index):
    """The shape after the first dimension of unwritten entry `index` (for concat)."""
    s = _merge(_shape_value(element_shape), lst.element_shape)
    rest = None if not s else s[1:]
    if rest is None or None in rest:
        for x in lst.items:
            if x is not None and x.ndim >= 1:
                m = _merge(rest, tuple(x.shape[1:]))
                if m is not False:
                    rest = m
                    break
    if rest is None or None in rest:
        raise errors.InvalidArgumentError(
            None, None, f"Trying to concat list with uninitialized element {index} but "
                        f"its shape is not fully defined")
    return tuple(rest)


def _item(xp, lst, i, element_shape):
    x = lst.items[i]
    if x is None:
        return xp.zeros(_zeros_shape(lst, element_shape, i), dtype=lst.dtype)
    return x


def _index(i, n, verb="access"):
    i = int(i)
    if i < 0 or i >= n:
        raise errors.InvalidArgumentError(
            None, None, f"Trying to {verb} element {i} in a list with {n} elements.")
    return i


def _stack(xp, lst, element_shape, dtype):
    if not lst.items:
        s = _zeros_shape(TensorList([], lst.element_shape, dtype), element_shape, 0)
        return xp.zeros((0,) + tuple(s), dtype=dtype)
    items = [_item(xp, lst, i, element_shape) for i in range(len(lst.items))]
    shapes = {x.shape for x in items}
    if len(shapes) > 1:
        raise errors.InvalidArgumentError(
            None, None, f"Tried to stack list elements of different shapes: "
                        f"{sorted(list(s) for s in shapes)}")
    return xp.stack(items).astype(dtype, copy=False)


# -- shape rules -------------------------------------------------------------------------
def _variant_scalar(op):
    return TensorShape([])


def _static_element_shape(t):
    """The partial shape a 1-D (or -1 scalar) element_shape tensor describes."""
    v = constant_value(t)
    if v is not None and np.ndim(v) == 0:
        return unknown_shape()
    if t.shape.ndims == 0:
        return unknown_shape()
    return constant_value_as_shape(t)


def _leading(t):
    """The static length of a 1-D tensor (None when unknown)."""
    return t.shape[0] if t.shape.ndims == 1 else None


# -- ops -------------------------------------------------------------------------------------
@defop("TensorListReserve", inputs=("element_shape: shape_type", "num_elements: int32"),
       outputs=("handle: variant",), attrs={"element_dtype": None, "shape_type": None})
class TensorListReserve:
    """A list of `num_elements` unwritten entries of the given element shape and type."""
    shape = staticmethod(_variant_scalar)

    def kernel(xp, element_shape, num_elements, element_dtype):
        n = int(num_elements)
        if n < 0:
            raise errors.InvalidArgumentError(None, None, f"The num_elements to reserve "
                                                          f"must be a non negative number, "
                                                          f"but got {n}")
        return TensorList([None] * n, _shape_value(element_shape), element_dtype)
    grad = NOT_DIFFERENTIABLE


@defop("TensorListFromTensor", inputs=("tensor: element_dtype", "element_shape: shape_type"),
       outputs=("output_handle: variant",), attrs={"element_dtype": None, "shape_type": None})
class TensorListFromTensor:
    """The list of the slices of `tensor` along its first dimension."""
    shape = staticmethod(_variant_scalar)

    def kernel(xp, tensor, element_shape, element_dtype):
        if tensor.ndim < 1:
            raise errors.InvalidArgumentError(None, None, "Tensor must be at least a vector, "
                                                          f"but saw shape: {list(tensor.shape)}")
        s = _shape_value(element_shape)
        if _merge(s, tuple(tensor.shape[1:])) is False:
            raise errors.InvalidArgumentError(
                None, None, f"Specified a list with shape {_fmt(s)} from a tensor with "
                            f"shape {list(tensor.shape)}")
        return TensorList([tensor[i] for i in range(tensor.shape[0])], s, element_dtype)

    def grad(op, dlist):
        tensor = op.inputs[0]
        n = tensor.shape.as_list()[0] if tensor.shape.ndims else None
        return [tensor_list_stack(dlist, tensor.dtype.base_dtype, _element_shape_of(tensor),
                                  num_elements=-1 if n is None else n), None]


@defop("TensorListSetItem", inputs=("input_handle: variant", "index: int32",
                                    "item: element_dtype"),
       outputs=("output_handle: variant",),
       attrs={"element_dtype": None, "resize_if_index_out_of_bounds": False})
class TensorListSetItem:
    """A copy of the list with entry `index` set to `item`."""
    shape = staticmethod(_variant_scalar)

    def kernel(xp, input_handle, index, item, resize_if_index_out_of_bounds):
        items = list(input_handle.items)
        i = int(index)
        if resize_if_index_out_of_bounds and i >= len(items):
            items.extend([None] * (i + 1 - len(items)))
        i = _index(i, len(items), "modify")
        _check_item(input_handle, item.shape, "SetItem")
        items[i] = item
        return input_handle.with_items(items)

    def grad(op, dlist):
        lst, index, item = op.inputs
        item_grad = tensor_list_get_item(dlist, index, item.dtype.base_dtype,
                                         _shape(item))
        from flowgraph.ops import array_ops
        list_grad = tensor_list_set_item(dlist, index, array_ops.zeros_like(item))
        if op.get_attr("resize_if_index_out_of_bounds"):
            list_grad = apply_op("TensorListResize", [list_grad,
                                                      tensor_list_length(lst)])
        return [list_grad, None, item_grad]


@defop("TensorListGetItem", inputs=("input_handle: variant", "index: int32",
                                    "element_shape: Tshape"),
       outputs=("item: element_dtype",), attrs={"element_dtype": None,
                                                "Tshape": dtypes.int32})
class TensorListGetItem:
    """Entry `index` of the list (zeros of `element_shape` where never written)."""
    def shape(op):
        return _static_element_shape(op.inputs[2])

    def kernel(xp, input_handle, index, element_shape, element_dtype):
        if input_handle.dtype != element_dtype:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid data types; op elements {np.dtype(element_dtype).name}"
                            f" but list elements {np.dtype(input_handle.dtype).name}")
        i = _index(index, len(input_handle.items))
        return _item(xp, input_handle, i, element_shape)

    def grad(op, ditem):
        lst, index = op.inputs[0], op.inputs[1]
        out = op.outputs[0]
        zeros = tensor_list_reserve(_shape(out), tensor_list_length(lst),
                                    out.dtype.base_dtype)
        return [tensor_list_set_item(zeros, index, ditem), None, None]


@defop("TensorListStack", inputs=("input_handle: variant", "element_shape: int32"),
       outputs=("tensor: element_dtype",), attrs={"element_dtype": None, "num_elements": -1})
class TensorListStack:
    """The entries stacked along a new first dimension (zeros where never written)."""
    def shape(op):
        n = op.get_attr("num_elements")
        return TensorShape([None if n < 0 else n]).concatenate(
            _static_element_shape(op.inputs[1]))

    def kernel(xp, input_handle, element_shape, element_dtype, num_elements):
        n = len(input_handle.items)
        if num_elements != -1 and num_elements != n:
            raise errors.InvalidArgumentError(
                None, None, f"Operation expected a list with {num_elements} elements but "
                            f"got a list with {n} elements.")
        return _stack(xp, input_handle, element_shape, element_dtype)

    def grad(op, dtensor):
        return [tensor_list_from_tensor(dtensor, _element_shape_of(dtensor)), None]


@defop("TensorListGather", inputs=("input_handle: variant", "indices: int32",
                                   "element_shape: int32"),
       outputs=("values: element_dtype",), attrs={"element_dtype": None})
class TensorListGather:
    """The entries at `indices`, stacked."""
    def shape(op):
        return TensorShape([_leading(op.inputs[1])]).concatenate(
            _static_element_shape(op.inputs[2]))

    def kernel(xp, input_handle, indices, element_shape, element_dtype):
        n = len(input_handle.items)
        idx = [_index(i, n) for i in np.asarray(indices).reshape(-1).tolist()]
        if not idx:
            return _stack(xp, input_handle.with_items([]), element_shape, element_dtype)
        items = [_item(xp, input_handle, i, element_shape) for i in idx]
        if len({x.shape for x in items}) > 1:
            raise errors.InvalidArgumentError(None, None, "Tried to gather list elements "
                                                          "of different shapes")
        return xp.stack(items).astype(element_dtype, copy=False)

    def grad(op, dtensor):
        # A gathered index may repeat: its gradients add up (a segment sum).
        from flowgraph.ops import gather_ops
        lst, indices = op.inputs[0], op.inputs[1]
        dense = gather_ops.unsorted_segment_sum(dtensor, indices, tensor_list_length(lst))
        return [tensor_list_from_tensor(dense, _element_shape_of(dtensor)), None, None]


@defop("TensorListScatterIntoExistingList",
       inputs=("input_handle: variant", "tensor: element_dtype", "indices: int32"),
       outputs=("output_handle: variant",), attrs={"element_dtype": None})
class TensorListScatterIntoExistingList:
    """A copy of the list with entry `indices[i]` set to `tensor[i]` (the list grows to
    hold the largest index)."""
    shape = staticmethod(_variant_scalar)

    def kernel(xp, input_handle, tensor, indices):
        idx = np.asarray(indices).reshape(-1).tolist()
        if tensor.ndim < 1 or tensor.shape[0] != len(idx):
            raise errors.InvalidArgumentError(
                None, None, f"Invalid number of rows in input tensor. Expected: {len(idx)} "
                            f"Actual: {tensor.shape[0] if tensor.ndim else 'scalar'}")
        _check_item(input_handle, tensor.shape[1:], "Scatter")
        items = list(input_handle.items)
        for k, i in enumerate(idx):
            if i < 0:
                raise errors.InvalidArgumentError(None, None, f"Indices in "
                                                              f"TensorListScatter must all be "
                                                              f"non-negative. (got {i})")
            if i >= len(items):
                items.extend([None] * (i + 1 - len(items)))
            items[i] = tensor[k]
        return input_handle.with_items(items)

    def grad(op, dlist):
        lst, tensor, indices = op.inputs
        dtensor = tensor_list_gather(dlist, indices, tensor.dtype.base_dtype,
                                     _element_shape_of(tensor))
        from flowgraph.ops import array_ops
        return [tensor_list_scatter(dlist, array_ops.zeros_like(tensor), indices), dtensor,
                None]


@defop("TensorListLength", inputs=("input_handle: variant",), outputs=("length: int32",))
class TensorListLength:
    """The number of entries of the list."""
    shape = staticmethod(_variant_scalar)

    def kernel(xp, input_handle):
        return np.int32(len(input_handle.items))
    grad = NOT_DIFFERENTIABLE


@defop("TensorListElementShape", inputs=("input_handle: variant",),
       outputs=("element_shape: shape_type",), attrs={"shape_type": None})
class TensorListElementShape:
    """The list's declared element shape (-1 for unknown rank or dims)."""
    def shape(op):
        return unknown_shape()

    def kernel(xp, input_handle, shape_type):
        s = input_handle.element_shape
        if s is None:
            return np.array(-1, dtype=shape_type)
        return np.array([-1 if d is None else d for d in s], dtype=shape_type)
    grad = NOT_DIFFERENTIABLE


@defop("TensorListResize", inputs=("input_handle: variant", "size: int32"),
       outputs=("output_handle: variant",))
class TensorListResize:
    """A copy of the list cut or padded (with unwritten entries) to `size` entries."""
    shape = staticmethod(_variant_scalar)

    def kernel(xp, input_handle, size):
        n = int(size)
        if n < 0:
            raise errors.InvalidArgumentError(None, None, f"TensorListSlice expects size to "
                                                          f"be non-negative. Got: {n}")
        items = list(input_handle.items[:n])
        return input_handle.with_items(items + [None] * (n - len(items)))

    def grad(op, dlist):
        return [apply_op("TensorListResize", [dlist, tensor_list_length(op.inputs[0])]),
                None]


@defop("TensorListConcatV2", inputs=("input_handle: variant", "element_shape: shape_type",
                                     "leading_dims: int64"),
       outputs=("tensor: element_dtype", "lengths: int64"),
       attrs={"element_dtype": None, "shape_type": None})
class TensorListConcatV2:
    """The entries concatenated along their first dimension, and each entry's length."""
    def shape(op):
        s = _static_element_shape(op.inputs[1])
        rest = s[1:] if s.ndims else unknown_shape()
        return [TensorShape([None]).concatenate(rest), TensorShape([None])]

    def kernel(xp, input_handle, element_shape, leading_dims, element_dtype):
        items = input_handle.items
        if not items:
            s = _merge(_shape_value(element_shape), input_handle.element_shape)
            if not s or None in s[1:]:
                raise errors.InvalidArgumentError(
                    None, None, "All except the first dimension must be fully defined when "
                                "concatenating an empty tensor list.")
            return xp.zeros((0,) + s[1:], dtype=element_dtype), np.zeros(0, np.int64)
        lead = np.asarray(leading_dims).reshape(-1).tolist()
        vals = []
        for i, x in enumerate(items):
            if x is None and len(lead) == len(items):  # unwritten: its length is given
                rest = _zeros_rest(input_handle, element_shape, i)
                x = xp.zeros((int(lead[i]),) + rest, element_dtype)
            elif x is None:
                x = xp.zeros(_zeros_shape(input_handle, element_shape, i), element_dtype)
            if x.ndim < 1:
                raise errors.InvalidArgumentError(
                    None, None, "Concat saw a scalar shape at index 0 but requires at "
                                "least vectors.")
            vals.append(x)
        lengths = np.array([x.shape[0] for x in vals], dtype=np.int64)
        return xp.concatenate(vals, axis=0).astype(element_dtype, copy=False), lengths

    def grad(op, dtensor, dlengths):
        return [apply_op("TensorListSplit", [dtensor, _element_shape_of(dtensor, 0),
                                             op.outputs[1]]), None, None]


@defop("TensorListSplit", inputs=("tensor: element_dtype", "element_shape: shape_type",
                                  "lengths: int64"),
       outputs=("output_handle: variant",), attrs={"element_dtype": None, "shape_type": None})
class TensorListSplit:
    """The list of consecutive pieces of `tensor` (along dimension 0) of `lengths`."""
    shape = staticmethod(_variant_scalar)

    def kernel(xp, tensor, element_shape, lengths, element_dtype):
        lengths = np.asarray(lengths).reshape(-1).tolist()
        if tensor.ndim < 1:
            raise errors.InvalidArgumentError(None, None, "Tensor must be at least a vector, "
                                                          f"but saw shape: {list(tensor.shape)}")
        if sum(lengths) != tensor.shape[0] or any(n < 0 for n in lengths):
            raise errors.InvalidArgumentError(
                None, None, f"Unaligned lengths: sum of lengths {sum(lengths)} vs. "
                            f"tensor length {tensor.shape[0]}")
        bounds = np.cumsum([0] + lengths)
        items = [tensor[bounds[i]:bounds[i + 1]] for i in range(len(lengths))]
        return TensorList(items, _shape_value(element_shape), element_dtype)

    def grad(op, dlist):
        t = op.inputs[0]
        out = apply_op("TensorListConcatV2", [dlist, _element_shape_of(t, 0),
                                              op.inputs[2]],
                       {"element_dtype": t.dtype.base_dtype})
        return [out[0], None, None]


# -- builders of the list ops ----------------------------------------------------------------
def _build_element_shape(shape):
    """An element_shape input: a 1-D int32 with -1 for unknown dims, -1 for unknown rank,
    or a given tensor."""
    if isinstance(shape, Tensor):
        return shape
    shape = tensor_shape.as_shape(shape) if shape is not None else unknown_shape()
    if shape.ndims is None:
        return np.array(-1, np.int32)
    return np.array([-1 if d is None else d for d in shape.as_list()], np.int32)


def _shape(t):
    """`shape(t)`: a constant when static."""
    from flowgraph.ops import array_ops
    return array_ops.shape(t)


def _element_shape_of(t, dims=1):
    """The shape of `t` without its first dimension, as an element_shape input (the
    whole shape, first dimension unknown, when `dims` is 0)."""
    s = t.shape
    if s.ndims is not None and (s[1:].is_fully_defined() if dims else True):
        if dims == 0:
            return np.array([-1] + [-1 if d is None else d for d in s.as_list()[1:]],
                            np.int32)
        return np.array(s.as_list()[1:], np.int32)
    from flowgraph.ops import array_ops
    sh = array_ops.shape(t)
    if dims == 0:
        return array_ops.concat([[-1], sh[1:]], 0)
    return sh[1:]


def tensor_list_reserve(element_shape, num_elements, element_dtype, name=None):
    return apply_op("TensorListReserve", [_build_element_shape(element_shape), num_elements],
                    {"element_dtype": dtypes.as_dtype(element_dtype)}, name=name)


def tensor_list_from_tensor(tensor, element_shape, name=None):
    return apply_op("TensorListFromTensor", [tensor, _build_element_shape(element_shape)],
                    name=name)


def tensor_list_set_item(input_handle, index, item, resize_if_index_out_of_bounds=False,
                         name=None):
    return apply_op("TensorListSetItem", [input_handle, index, item],
                    {"resize_if_index_out_of_bounds": resize_if_index_out_of_bounds},
                    name=name)


def tensor_list_get_item(input_handle, index, element_dtype, element_shape=None, name=None):
    return apply_op("TensorListGetItem", [input_handle, index,
                                          _build_element_shape(element_shape)],
                    {"element_dtype": dtypes.as_dtype(element_dtype)}, name=name)


def tensor_list_stack(input_handle, element_dtype, element_shape=None, num_elements=-1,
                      name=None):
    return apply_op("TensorListStack", [input_handle, _build_element_shape(element_shape)],
                    {"element_dtype": dtypes.as_dtype(element_dtype),
                     "num_elements": int(num_elements)}, name=name)


def tensor_list_gather(input_handle, indices, element_dtype, element_shape=None, name=None):
    return apply_op("TensorListGather", [input_handle, indices,
                                         _build_element_shape(element_shape)],
                    {"element_dtype": dtypes.as_dtype(element_dtype)}, name=name)


def tensor_list_scatter(input_handle, tensor, indices, name=None):
    return apply_op("TensorListScatterIntoExistingList", [input_handle, tensor, indices],
                    name=name)


def tensor_list_length(input_handle, name=None):
    return apply_op("TensorListLength", [input_handle], name=name)


def tensor_list_element_shape(input_handle, shape_type=dtypes.int32, name=None):
    return apply_op("TensorListElementShape", [input_handle], {"shape_type": shape_type},
                    name=name)

