"""Turning a builder call into a graph op: convert arguments, infer type attrs, run the
shape rule, add the op. Also `convert_to_tensor` and TF's Python-to-dtype rules."""
import numpy as np

from flowgraph.framework import default_stack, dtypes, registry, tensor_shape
from flowgraph.framework.graph import Tensor, Operation, get_default_graph

_INT32 = np.iinfo(np.int32)
_conversion_functions = []  # (type, fn, priority)


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """Lets objects of `base_type` be used wherever a Tensor is expected."""
    _conversion_functions.append((base_type, conversion_func, priority))
    _conversion_functions.sort(key=lambda e: e[2])


def _python_to_numpy(value, dtype):
    """A numpy array for `value` with TF's dtype rules (float->float32, int->int32)."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype).base_dtype
        if dtype == dtypes.string:
            return _string_array(value)
        arr = np.asarray(value)
        if arr.dtype.kind in "OUS":
            raise TypeError(f"Expected {dtype.name}, got {value!r} of type "
                            f"'{type(value).__name__}' instead.")
        target = np.dtype(dtype.as_numpy_dtype)
        lossy = arr.size > 0 and (
            (arr.dtype.kind == "c" and target.kind != "c") or
            (arr.dtype.kind in "fc" and target.kind in "iub") or
            (arr.dtype.kind in "iu" and target.kind == "b"))
        if lossy:
            raise TypeError(f"Expected {dtype.name}, got {value!r} of type "
                            f"'{type(value).__name__}' instead.")
        if arr.dtype.kind in "iu" and target.kind in "iu" and arr.size:
            info = np.iinfo(target)
            if arr.min() < info.min or arr.max() > info.max:
                raise ValueError(f"Can't convert Python int {value!r} to {dtype.name}: "
                                 "value out of range")
        return arr.astype(target, copy=False)
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind in "OUS":
            return _string_array(value)
        return np.asarray(value)
    arr = np.asarray(value)
    k = arr.dtype.kind
    if k == "f":
        return arr.astype(np.float32)
    if k in "iu":
        if arr.size and (arr.min() < _INT32.min or arr.max() > _INT32.max):
            return arr.astype(np.int64)
        return arr.astype(np.int32)
    if k in "OUS":
        return _string_array(value)
    if k == "c":
        return arr.astype(np.complex128)
    return arr


def _string_array(value):
    arr = np.asarray(value, dtype=object)
    flat = [v.encode() if isinstance(v, str) else bytes(v) if not isinstance(v, bytes) else v
            for v in arr.reshape(-1)]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, as_ref=False,
                      dtype_hint=None):
    """Converts a Tensor, Variable, numpy array or Python value to a `Tensor`."""
    preferred_dtype = preferred_dtype or dtype_hint
    if value is None:
        raise ValueError("None values not supported.")
    if isinstance(value, Tensor):
        if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype) \
                and dtypes.as_dtype(dtype).base_dtype != value.dtype.base_dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                             f"for Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    for base, fn, _ in _conversion_functions:
        if isinstance(value, base):
            out = fn(value, dtype=dtype, name=name, as_ref=as_ref)
            if out is not NotImplemented:
                return out
    if isinstance(value, Operation):
        raise TypeError(f"Can't convert Operation '{value.name}' to Tensor "
                        f"(target dtype={dtype}, name={name}, as_ref={as_ref})")
    if dtype is None and preferred_dtype is not None:
        try:
            return constant(value, dtype=preferred_dtype, name=name or "Const")
        except (TypeError, ValueError):
            pass
    return constant(value, dtype=dtype, name=name or "Const")


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """Creates a constant tensor; a scalar `value` is broadcast to `shape` if given."""
    if isinstance(value, Tensor):
        raise TypeError("Expected a constant value, got a Tensor; use tf.identity instead.")
    arr = _python_to_numpy(value, dtype)
    if shape is not None:
        shape = tuple(tensor_shape.as_shape(shape).as_list())
        if arr.shape != shape:
            if verify_shape:
                raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
            if arr.size == 1:
                arr = np.broadcast_to(arr.reshape(()), shape)
            elif arr.size == int(np.prod(shape)):
                arr = arr.reshape(shape)
            elif arr.size < int(np.prod(shape)) and arr.ndim <= 1 and arr.size:
                arr = np.concatenate([arr.reshape(-1), np.repeat(arr.reshape(-1)[-1:],
                                      int(np.prod(shape)) - arr.size)]).reshape(shape)
            else:
                raise TypeError(f"Eager execution of tf.constant with unsupported shape. "
                                f"Tensor {name} of shape {arr.shape} cannot be reshaped "
                                f"to {list(shape)}.")
    arr = np.array(arr)  # own, contiguous copy
    arr.flags.writeable = False
    dt = dtypes.as_dtype(arr.dtype) if arr.dtype != object else dtypes.string
    return apply_op("Const", [], {"value": arr, "dtype": dt}, name=name)


def _graph_of(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            g = _graph_of(v)
            if g is not None:
                return g
        elif isinstance(v, Tensor):
            return v.graph
        elif hasattr(v, "graph") and hasattr(v, "_as_graph_element"):
            return v.graph
    return None


def _first_tensor_dtype(values):
    for v in values:
        if isinstance(v, Tensor):
            return v.dtype.base_dtype
        if hasattr(v, "_as_graph_element") and hasattr(v, "dtype"):
            return dtypes.as_dtype(v.dtype).base_dtype
    return None


def apply_op(op_type, inputs=(), attrs=None, name=None):
    """Adds an op of `op_type` to the graph of its inputs and returns the Operation's outputs:
    one Tensor, a list (for several outputs), or the Operation (no outputs)."""
    op = create_op(op_type, inputs, attrs, name)
    outs = op._outputs
    if len(outs) == 1 and not op._op_def.outputs[0].number_attr and \
            not op._op_def.outputs[0].type_list_attr:
        return outs[0]
    return list(outs) if outs else op


def create_op(op_type, inputs=(), attrs=None, name=None):
    """Like `apply_op` but returns the Operation."""
    op_def = registry.get(op_type)
    attrs = dict(attrs) if attrs else {}
    g = _graph_of(inputs)
    default = get_default_graph()
    if g is None or g is default or (default.building_function and default.reaches(g)):
        return _build(default, op_def, list(inputs), attrs, name)
    with default_stack.graphs.push(g):
        return _build(g, op_def, list(inputs), attrs, name)


def _build(g, op_def, inputs, attrs, name):
    if len(inputs) != len(op_def.inputs):
        raise TypeError(f"{op_def.name} takes {len(op_def.inputs)} inputs, got {len(inputs)}")
    # As TF: a type attr comes from the first argument that has it (a list argument: its
    # first Tensor); later Python values follow it, later tensors must match it.
    seen = set()
    for arg, v in zip(op_def.inputs, inputs):
        t = arg.type_attr
        if t and t not in seen:
            seen.add(t)
            dt = _first_tensor_dtype(v if arg.number_attr else [v])
            if dt is not None and attrs.get(t) is None:
                attrs[t] = dt
    with g.name_scope(name or op_def.name) as scope:
        flat = []
        for arg, v in zip(op_def.inputs, inputs):
            if arg.number_attr or arg.type_list_attr:
                if isinstance(v, Tensor) or not isinstance(v, (list, tuple)):
                    raise TypeError(f"Expected list for '{arg.name}' argument to "
                                    f"'{op_def.name}' Op, not {v!r}.")
                ts = [_convert_arg(op_def, arg, x, attrs, f"{arg.name}_{i}" if len(v) > 1
                                   else arg.name) for i, x in enumerate(v)]
                if arg.number_attr:
                    if attrs.get(arg.number_attr) not in (None, len(ts)):
                        raise ValueError(f"List argument '{arg.name}' to '{op_def.name}' Op "
                                         f"with length {len(ts)} must match length "
                                         f"{attrs[arg.number_attr]}")
                    attrs[arg.number_attr] = len(ts)
                else:
                    attrs[arg.type_list_attr] = [t.dtype.base_dtype for t in ts]
                flat.extend(ts)
            else:
                flat.append(_convert_arg(op_def, arg, v, attrs, arg.name))
        for i, t in enumerate(flat):
            if t.graph is not g:
                if not g.building_function:
                    raise ValueError(f"Tensor {t.name} must be from the same graph as the "
                                     f"other inputs of '{scope[:-1]}' ({op_def.name}).")
                flat[i] = g.capture(t)  # an outer tensor used inside a function body
        for k, default in op_def.attrs.items():
            if attrs.get(k) is None:
                if default is None:
                    raise TypeError(f"{op_def.name} requires attr '{k}'")
                attrs[k] = default
        out_types = []
        for arg in op_def.outputs:
            if arg.type_list_attr:
                out_types.extend(dtypes.as_dtype(t) for t in attrs[arg.type_list_attr])
                continue
            t = arg.dtype or dtypes.as_dtype(attrs[arg.type_attr])
            if arg.is_ref:
                t = t._as_ref
            out_types.extend([t] * (attrs[arg.number_attr] if arg.number_attr else 1))
        op = g._create_op(op_def, scope[:-1], flat, attrs, out_types)
    _infer_shapes(op)
    g._add_op(op)
    return op


def _convert_arg(op_def, arg, value, attrs, name):
    if arg.is_ref:
        if hasattr(value, "_ref") and not isinstance(value, Tensor):
            value = value._ref()
        if not isinstance(value, Tensor) or not value.dtype.is_ref_dtype:
            raise TypeError(f"'{op_def.name}' Op requires that input '{arg.name}' be a "
                            "mutable tensor (e.g.: a tf.Variable)")
    if value is None:
        raise ValueError(f"Tried to convert '{arg.name}' to a tensor and failed. Error: None "
                         "values not supported.")
    want = arg.dtype or (attrs.get(arg.type_attr) if arg.type_attr else None)
    try:
        t = convert_to_tensor(value, dtype=want, name=name)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Input '{arg.name}' of '{op_def.name}' Op: {e}") from None
    if want is not None and t.dtype.base_dtype != dtypes.as_dtype(want).base_dtype:
        raise TypeError(f"Input '{arg.name}' of '{op_def.name}' Op has type "
                        f"{t.dtype.base_dtype.name} that does not match "
                        f"{'expected type of' if arg.dtype else 'type'} "
                        f"{dtypes.as_dtype(want).name}.")
    if arg.type_attr and attrs.get(arg.type_attr) is None:
        attrs[arg.type_attr] = t.dtype.base_dtype
    return t


def _infer_shapes(op):
    fn = op._op_def.shape_fn
    if fn is None:
        return
    try:
        shapes = fn(op)
    except ValueError as e:
        ins = ", ".join("?" if t.shape.ndims is None else "[" + ",".join(
            "?" if d is None else str(d) for d in t.shape.as_list()) + "]"
            for t in op._inputs)  # as TF writes them: [?,3]
        f, line, _ = op._traceback
        raise ValueError(f"{e} for '{op.name}' (op: '{op.type}') with input shapes: {ins}. "
                         f"(defined at {f}:{line})") from None
    if shapes is None:
        return
    if isinstance(shapes, tensor_shape.TensorShape) or not isinstance(shapes, (list, tuple)) \
            or shapes and not isinstance(shapes[0], (tensor_shape.TensorShape, list, tuple,
                                                     type(None))):
        shapes = [shapes]
    for t, s in zip(op._outputs, shapes):
        t._shape = tensor_shape.as_shape(s) if s is not None else tensor_shape.unknown_shape()


def constant_value(tensor):
    """The value of `tensor` if it can be computed at build time, else None."""
    if not isinstance(tensor, Tensor):
        return None
    op = tensor.op
    fn = _CONSTANT_RULES.get(op.type)
    return fn(tensor) if fn else None


def _const_rule(t):
    v = t.op.get_attr("value")
    if v.size > 1 << 16 and not any(v.strides):  # an imported fill: too big to fold
        return None
    return v


def _shape_rule(t):
    s = t.op.inputs[0].shape
    if not s.is_fully_defined():
        return None
    return np.array(s.as_list(), dtype=t.dtype.as_numpy_dtype)


def _identity_rule(t):
    return constant_value(t.op.inputs[0])


def _pack_rule(t):
    vals = [constant_value(x) for x in t.op.inputs]
    if any(v is None for v in vals):
        return None
    return np.stack(vals, axis=t.op.get_attr("axis"))


_CONSTANT_RULES = {"Const": _const_rule, "Shape": _shape_rule, "Identity": _identity_rule,
                   "Pack": _pack_rule}


def constant_value_as_shape(tensor):
    """A TensorShape from a 1-D shape tensor, with unknown entries where not constant."""
    v = constant_value(tensor)
    if v is not None:
        return tensor_shape.TensorShape([None if d < 0 else int(d) for d in np.reshape(v, -1)])
    if tensor.op.type == "Pack":
        dims = []
        for x in tensor.op.inputs:
            c = constant_value(x)
            dims.append(None if c is None or int(c) < 0 else int(c))
        return tensor_shape.TensorShape(dims)
    if tensor.op.type == "Shape":
        return tensor.op.inputs[0].shape
    s = tensor.shape
    if s.ndims == 1 and s.as_list()[0] is not None:
        return tensor_shape.unknown_shape(s.as_list()[0])
    return tensor_shape.unknown_shape()
