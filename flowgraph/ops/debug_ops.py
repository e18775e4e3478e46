"""Assertions and debugging: `tf.Assert`, `tf.Print`, `tf.print`, `tf.check_numerics` and
the `tf.assert_*` family (also under `tf.debugging`).

Values are written the way TF writes them: `tf.Assert` and `tf.Print` summarize each tensor
as its first `summarize` elements in nested brackets (``[[1 2][3...]...]``); `tf.print`
shows the first and last `summarize` elements of every dimension, numpy style."""
import sys
import time
import weakref

import numpy as np

from flowgraph.framework.graph import Tensor, Operation, get_default_graph, name_scope
from flowgraph.framework.op_builder import (apply_op, constant_value, convert_to_tensor,
                                            create_op)
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework import dtypes, errors, op_builder, shape_fns, tensor_shape
from flowgraph.ops import array_ops, core, creation_ops, math_ops, reduction_ops, unary_ops

__all__ = ["timestamp", "Assert", "Print", "print", "check_numerics", "verify_tensor_all_finite",
           "add_check_numerics_ops", "assert_equal", "assert_none_equal", "assert_less",
           "assert_less_equal", "assert_greater", "assert_greater_equal", "assert_positive",
           "assert_negative", "assert_non_negative", "assert_non_positive", "assert_near",
           "assert_rank", "assert_rank_at_least", "assert_rank_in", "assert_integer",
           "assert_type", "assert_scalar", "assert_same_float_dtype"]

_ASSERTS = ["assert_equal", "assert_none_equal", "assert_less", "assert_less_equal",
            "assert_greater", "assert_greater_equal", "assert_positive", "assert_negative",
            "assert_non_negative", "assert_non_positive", "assert_near", "assert_rank",
            "assert_rank_at_least", "assert_rank_in", "assert_integer", "assert_type",
            "assert_scalar", "assert_same_float_dtype"]
__namespaces__ = {"debugging": _ASSERTS + ["Assert", "check_numerics"]}


# ----------------------------------------------------------------------------- formatting
def _host(v):
    return v.get() if hasattr(v, "get") and not isinstance(v, np.ndarray) else np.asarray(v)


def _element(v, quote=False):
    """One value as TF writes it: bools as 1/0, floats with the fewest digits that read
    back exactly (up to 9 for float32, 17 for float64), strings raw (quoted in tf.print)."""
    if isinstance(v, (bytes, str)):
        s = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
        return f'"{s}"' if quote else s
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (np.floating, float)):
        short, full = (15, 17) if np.asarray(v).dtype == np.float64 else (6, 9)
        s = "%.*g" % (short, v)
        if not np.isfinite(v) or type(v)(float(s)) == v:
            return s
        return "%.*g" % (full, v)
    if isinstance(v, (np.complexfloating, complex)):
        return f"({_element(v.real)},{_element(v.imag)})"
    return str(v)


def _summarize_v1(value, limit):
    """TF1's summary (Assert, Print): the first `limit` elements (all if negative),
    row-major, in nested brackets; `...` where it stops."""
    a = _host(value)
    n = a.size
    limit = n if limit is None or limit < 0 else limit
    flat = a.reshape(-1)
    if a.ndim <= 1 or n == 0:
        s = " ".join(_element(x) for x in flat[:limit])
        return s + ("..." if n > limit else "")
    out, idx = [], [0]

    def dim(d, count_index):
        if idx[0] >= limit:
            return
        if d == a.ndim - 1:
            for i in range(a.shape[d]):
                if idx[0] >= limit:
                    out.append("...")
                    return
                if i:
                    out.append(" ")
                out.append(_element(flat[idx[0]]))
                idx[0] += 1
            return
        for _ in range(a.shape[d]):
            if idx[0] >= limit:
                return
            out.append("[")
            dim(d + 1, None)
            out.append("]")
    dim(0, None)
    return "".join(out) + ("..." if n > limit else "")


def _summarize_v2(value, limit):
    """tf.print's summary: numpy-like, the first and last `limit` entries of each
    dimension (all if negative) around `...`."""
    a = _host(value)
    if a.ndim == 0:
        return _element(a[()], quote=True)

    def dim(sub, d):
        n = sub.shape[0]
        keep = range(n) if limit is None or limit < 0 or n <= 2 * limit else \
            list(range(limit)) + [None] + list(range(n - limit, n))
        if sub.ndim == 1:
            return "[" + " ".join("..." if i is None else _element(sub[i], quote=True)
                                  for i in keep) + "]"
        sep = "\n" * (sub.ndim - 1) + " " * (d + 1)
        return "[" + sep.join("..." if i is None else dim(sub[i], d + 1) for i in keep) + "]"
    return dim(a, 0)


def _kernel_error(msg):
    return errors.InvalidArgumentError(None, None, msg)


# ----------------------------------------------------------------------------------- ops
def _no_shapes(op):
    return []


@defop("Timestamp", outputs=("ts: float64",), stateful=True)
class Timestamp:
    """Seconds since the epoch (float64) when the op runs."""
    shape = shape_fns.scalar
    grad = NOT_DIFFERENTIABLE

    def kernel(xp):
        return np.float64(time.time())


def timestamp(name=None):
    """The time (seconds since the epoch, float64) when the op runs."""
    return apply_op("Timestamp", [], name=name)


@defop("Assert", inputs=("condition: bool", "data: T"), attrs={"T": [], "summarize": 3},
       stateful=True)
class AssertOp:
    """Fails with InvalidArgumentError listing the summarized `data` when `condition` is
    false."""
    shape = staticmethod(_no_shapes)
    grad = NOT_DIFFERENTIABLE

    def kernel(xp, condition, data, summarize):
        c = _host(condition)
        if c.size != 1 and c.ndim != 0:
            raise _kernel_error(f"In[0] should be a scalar: {list(c.shape)}")
        if not bool(c.reshape(-1)[0]):
            parts = ["[" + _summarize_v1(d, summarize) + "]" for d in data]
            raise _kernel_error("assertion failed: " + " ".join(parts))
        return []


_PRINT_COUNTS = weakref.WeakKeyDictionary()  # session -> {op name: times printed}


def _print_grad(op, grad):
    return [grad] + [None] * (len(op.inputs) - 1)


@defop("Print", inputs=("input: T", "data: U"), outputs=("output: T",),
       attrs={"U": [], "message": "", "first_n": -1, "summarize": 3}, stateful=True)
class PrintOp:
    """Passes `input` through, writing `message` and the summarized `data` to stderr (the
    first `first_n` times it runs in a session, every time if negative)."""
    devices = ("CPU",)

    def shape(op):
        return op.inputs[0].shape

    def kernel(ctx, input, data, message, first_n, summarize, op_name):
        if first_n is not None and first_n >= 0:
            counts = _PRINT_COUNTS.setdefault(ctx.session, {})
            if counts.get(op_name, 0) >= first_n:
                return input
            counts[op_name] = counts.get(op_name, 0) + 1
        text = (message or "") + "".join("[" + _summarize_v1(d, summarize) + "]"
                                         for d in data)
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
        return input

    grad = staticmethod(_print_grad)


@defop("StringFormat", inputs=("inputs: T",), outputs=("output: string",),
       attrs={"T": [], "template": "%s", "placeholder": "%s", "summarize": 3})
class StringFormat:
    """A scalar string: `template` with each `placeholder` replaced by the next input's
    summary (first and last `summarize` entries of each dimension)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(xp, inputs, template, placeholder, summarize):
        pieces = template.split(placeholder)
        if len(pieces) - 1 != len(inputs):
            raise _kernel_error(f"num placeholders in template and num inputs must match: "
                                f"{len(pieces) - 1} vs. {len(inputs)}")
        out = pieces[0]
        for v, rest in zip(inputs, pieces[1:]):
            out += _summarize_v2(v, summarize) + rest
        return np.asarray(out.encode("utf-8"), dtype=object)


_STREAMS = {"stderr": lambda: sys.stderr, "stdout": lambda: sys.stdout}


@defop("PrintV2", inputs=("input: string",), attrs={"output_stream": "stderr", "end": "\n"},
       stateful=True)
class PrintV2:
    """Writes the scalar string `input` followed by `end` to `output_stream` ("stderr",
    "stdout", "log(info)", "log(warning)", "log(error)" or "file://<path>")."""
    devices = ("CPU",)
    shape = staticmethod(_no_shapes)
    grad = NOT_DIFFERENTIABLE

    def kernel(xp, input, output_stream, end):
        s = _host(input).reshape(-1)[0]
        text = (s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s)) + end
        if output_stream in _STREAMS:
            stream = _STREAMS[output_stream]()
            stream.write(text)
            stream.flush()
        elif output_stream.startswith("log("):
            import logging
            level = output_stream[4:-1].upper()
            logging.getLogger("flowgraph").log(getattr(logging, level, logging.INFO),
                                               text.rstrip("\n"))
        elif output_stream.startswith("file://"):
            with open(output_stream[len("file://"):], "a") as f:
                f.write(text)
        else:
            raise _kernel_error(f"{output_stream} is not a valid output_stream")
        return []


def _check_numerics_grad(op, grad):
    msg = op.get_attr("message")
    return [check_numerics(grad, "Not a number (NaN) or infinity (Inf) values detected in "
                                 f"gradient. b'{msg}'")]


@defop("CheckNumerics", inputs=("tensor: T",), outputs=("output: T",),
       attrs={"message": None})
class CheckNumerics:
    """Passes `tensor` through, failing with InvalidArgumentError when it has a NaN or
    an infinity."""
    def shape(op):
        return op.inputs[0].shape

    def kernel(xp, tensor, message):
        if not xp.issubdtype(tensor.dtype, xp.floating) and tensor.dtype.kind != "c":
            return tensor
        nan, inf = bool(xp.isnan(tensor).any()), bool(xp.isinf(tensor).any())
        if nan or inf:
            what = "Inf and NaN" if nan and inf else ("NaN" if nan else "Inf")
            raise _kernel_error(f"{message} : Tensor had {what} values")
        return tensor

    grad = staticmethod(_check_numerics_grad)


# ----------------------------------------------------------------------------- functions
def Assert(condition, data, summarize=None, name=None):  # noqa: N802 (TF's name)
    """An op failing with InvalidArgumentError (showing `data`) when `condition` is
    false at run time; run it, or make other ops depend on it."""
    with name_scope(name, "Assert", [condition, data]):
        condition = convert_to_tensor(condition, dtype=dtypes.bool)
        data = [convert_to_tensor(d) for d in data]
        return create_op("Assert", [condition, data],
                         {"summarize": 3 if summarize is None else summarize},
                         name="Assert")


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802
    """Returns `input_`; writes `message` and `data`'s values to stderr when it runs."""
    input_ = convert_to_tensor(input_)
    data = [convert_to_tensor(d) for d in data]
    attrs = {"message": message or "", "first_n": -1 if first_n is None else first_n,
             "summarize": 3 if summarize is None else summarize}
    return apply_op("Print", [input_, data], attrs, name=name)


def _stream_name(stream):
    if isinstance(stream, str):
        return stream
    if stream is sys.stderr or stream is sys.__stderr__:
        return "stderr"
    if stream is sys.stdout or stream is sys.__stdout__:
        return "stdout"
    import logging
    for level in ("info", "warning", "error"):
        if stream in (getattr(logging, level), getattr(logging.getLogger(), level, None)):
            return f"log({level})"
    raise ValueError(f"Unsupported output stream, logging level, or file.{stream}. "
                     "Supported streams are sys.stdout, sys.stderr, tf.logging.info, "
                     "tf.logging.warning, tf.logging.error. File needs to be in the "
                     "form of 'file://<filepath>'.")


def print(*inputs, **kwargs):  # noqa: A001 (TF's name)
    """`tf.print`: an op (PrintV2 of a StringFormat) writing the inputs, separated by
    `sep` and followed by `end`, to `output_stream` each time it runs. Python values
    are written as they are, tensors summarized to `summarize` entries per dimension."""
    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep, end, name = kwargs.pop("sep", " "), kwargs.pop("end", "\n"), kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    stream = _stream_name(output_stream)
    placeholder = "{}"
    tensors, parts = [], []
    for x in inputs:
        if isinstance(x, Tensor) or (hasattr(x, "_as_graph_element")
                                     and not isinstance(x, Operation)):
            tensors.append(convert_to_tensor(x))
            parts.append(placeholder)
        else:
            parts.append(x if isinstance(x, str) else repr(x))
    template = sep.join(parts)
    with name_scope(name):
        s = apply_op("StringFormat", [tensors], {
            "template": template, "placeholder": placeholder,
            "summarize": -1 if summarize is None else summarize})
        return create_op("PrintV2", [s], {"output_stream": stream, "end": end},
                         name="PrintV2")


def check_numerics(tensor, message, name=None):
    """Passes `tensor` through; fails at run time when it has NaN or Inf values."""
    return apply_op("CheckNumerics", [tensor], {"message": message}, name=name)


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None):
    """`t` passed through an identity that first checks it has no NaN or Inf."""
    t = x if t is None else t
    msg = message if msg is None else msg
    from flowgraph.ops.core import identity
    from flowgraph.framework.graph import control_dependencies
    with name_scope(name, "VerifyFinite", [t]):
        t = convert_to_tensor(t, name="t")
        with get_default_graph().colocate_with(t.op):
            verify = check_numerics(t, message=msg)
            with control_dependencies([verify]):
                return identity(t, name="control_dependency")


def add_check_numerics_ops():
    """A group of `check_numerics` over every floating tensor of the default graph."""
    from flowgraph.ops.core import group
    from flowgraph.framework.graph import control_dependencies
    g = get_default_graph()
    checks = []
    for op in list(g.get_operations()):
        for out in op.outputs:
            if out.dtype.base_dtype.is_floating:
                deps = [checks[-1]] if checks else []
                with control_dependencies(deps):
                    checks.append(check_numerics(
                        out, message=f"{op.name}:{out.value_index}"))
    return group(*checks)


# ------------------------------------------------------------------------------ asserts
def _tensor_label(t):
    return t.name


def _static(t):
    v = constant_value(t)
    return None if v is None else np.asarray(v)


def _static_error(data):
    lines = []
    for d in data:
        if isinstance(d, Tensor):
            v = _static(d)
            lines.append(str(v) if v is not None else d.name)
        else:
            lines.append(str(d))
    raise errors.InvalidArgumentError(None, None, "\n".join(lines))


def _binary_assert(sym, np_fn, tf_fn, x, y, data, summarize, message, name, op_name):
    with name_scope(name, op_name, [x, y, data]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        data = list(data) if message is None else [message] + list(data)
        xs, ys = _static(x), _static(y)
        if xs is not None and ys is not None:
            if not np.all(np_fn(xs, ys)):
                _static_error(data)
            if op_name == "assert_equal":
                return core.no_op()
        condition = reduction_ops.reduce_all(tf_fn(x, y))
        return Assert(condition, data, summarize=summarize)


def _make_binary(op_name, sym, np_fn, tf_name):
    def fn(x, y, data=None, summarize=None, message=None, name=None):
        return _binary_assert(sym, np_fn, getattr(math_ops, tf_name), x, y, data, summarize,
                              message, name, op_name)
    fn.__name__ = fn.__qualname__ = op_name
    fn.__doc__ = (f"An Assert op checking `x {sym} y` holds element-wise (fails at build "
                  "time when both are constants and it does not).")
    return fn


assert_equal = _make_binary("assert_equal", "==", np.equal, "equal")
assert_none_equal = _make_binary("assert_none_equal", "!=", np.not_equal, "not_equal")
assert_less = _make_binary("assert_less", "<", np.less, "less")
assert_less_equal = _make_binary("assert_less_equal", "<=", np.less_equal, "less_equal")
assert_greater = _make_binary("assert_greater", ">", np.greater, "greater")
assert_greater_equal = _make_binary("assert_greater_equal", ">=", np.greater_equal,
                                    "greater_equal")


def _prefix(message):
    return f"{message}.  " if message else ""


def _make_sign(op_name, sym, inner, swap):
    """assert_positive & co: `inner` (assert_less / assert_less_equal) of 0 and x."""
    def fn(x, data=None, summarize=None, message=None, name=None):
        with name_scope(name, op_name, [x, data]):
            x = convert_to_tensor(x, name="x")
            if data is None:
                head = f"Condition x {sym} 0 did not hold element-wise:"
                data = [_prefix(message), head, f"x ({x.name}) = ", x]
                if op_name == "assert_non_positive":  # TF joins these two (sic)
                    data = [_prefix(message), head + f"x ({x.name}) = ", x]
            zero = creation_ops.zeros([], dtype=x.dtype)
            a, b = (x, zero) if swap else (zero, x)
            return inner(a, b, data=data, summarize=summarize)
    fn.__name__ = fn.__qualname__ = op_name
    fn.__doc__ = f"An Assert op checking `x {sym} 0` holds element-wise."
    return fn


assert_positive = _make_sign("assert_positive", ">", assert_less, False)
assert_negative = _make_sign("assert_negative", "<", assert_less, True)
assert_non_negative = _make_sign("assert_non_negative", ">=", assert_less_equal, False)
assert_non_positive = _make_sign("assert_non_positive", "<=", assert_less_equal, True)


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None,
                name=None):
    """An Assert op checking |x - y| <= atol + rtol * |y| element-wise (default
    tolerances: 10 machine epsilons of x's type)."""
    with name_scope(name, "assert_near", [x, y, rtol, atol, data]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype)
        eps = np.finfo(x.dtype.as_numpy_dtype).eps if x.dtype.is_floating else 0
        rtol = convert_to_tensor(10 * eps if rtol is None else rtol, name="rtol",
                                 dtype=x.dtype)
        atol = convert_to_tensor(10 * eps if atol is None else atol, name="atol",
                                 dtype=x.dtype)
        if data is None:
            data = [_prefix(message),
                    f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        tol = atol + rtol * unary_ops.abs(y)
        condition = reduction_ops.reduce_all(math_ops.less_equal(unary_ops.abs(x - y), tol))
        return Assert(condition, data, summarize=summarize)


def _shape_str(t):
    return str(tuple(t.shape.as_list())) if t.shape.ndims is not None else "<unknown>"


def _rank_assert(x, ok, want_text, rank_check, data, summarize, message, name, op_name):
    with name_scope(name, op_name, [x, data]):
        x = convert_to_tensor(x, name="x")
        nd = x.shape.ndims
        if nd is not None:
            if not ok(nd):
                raise ValueError(f"{_prefix(message)}Tensor {x.name} must have {want_text}."
                                 f"  Received rank {nd}, shape {_shape_str(x)}")
            return core.no_op(name="static_checks_determined_all_ok")
        if data is None:
            data = [message or "", f"Tensor {x.name} must have {want_text}.", "Received shape: ",
                    array_ops.shape(x)]
        return Assert(rank_check(array_ops.rank(x)), data, summarize=summarize)


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None):
    """Checks `x` has rank `rank` (statically when known: ValueError, else an Assert)."""
    return _rank_assert(x, lambda r: r == int(rank), f"rank {rank}",
                        lambda r: math_ops.equal(r, int(rank)), data, summarize, message, name,
                        "assert_rank")


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None, name=None):
    """Checks `x` has rank `rank` or more."""
    return _rank_assert(x, lambda r: r >= int(rank), f"rank at least {rank}",
                        lambda r: math_ops.greater_equal(r, int(rank)), data, summarize, message,
                        name, "assert_rank_at_least")


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None):
    """Checks the rank of `x` is one of `ranks`."""
    ranks = tuple(int(r) for r in ranks)

    def check(r):
        return reduction_ops.reduce_any(math_ops.equal(r,
                                                       op_builder.constant(list(ranks),
                                                                           dtype=dtypes.int32)))
    return _rank_assert(x, lambda r: r in ranks, f"rank in {ranks}", check, data,
                        summarize, message, name, "assert_rank_in")


def assert_integer(x, message=None, name=None):
    """TypeError unless `x` has an integer type; else a no_op."""
    with name_scope(name, "assert_integer", [x]):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_integer:
            raise TypeError(f'{_prefix(message)}Expected "x" to be integer type.  Found: '
                            f"{x.name} of dtype <dtype: '{x.dtype.name}'>")
        return core.no_op("statically_determined_was_integer")


def assert_type(tensor, tf_type, message=None, name=None):
    """TypeError unless `tensor` has type `tf_type`; else a no_op."""
    tf_type = dtypes.as_dtype(tf_type)
    with name_scope(name, "assert_type", [tensor]):
        tensor = convert_to_tensor(tensor, name="tensor")
        if tensor.dtype != tf_type:
            raise TypeError(f"{_prefix(message)}{tensor.name} must be of type {tf_type!r}; "
                            f"got {tensor.dtype!r}")
        return core.no_op("statically_determined_correct_type")


def assert_scalar(tensor, name=None, message=None):
    """`tensor` itself when its static shape is a scalar, else ValueError."""
    with name_scope(name, "assert_scalar", [tensor]):
        tensor = convert_to_tensor(tensor, name="tensor" if name is None else name)
        nd = tensor.shape.ndims
        if nd is None:
            raise ValueError(f"{_prefix(message)}Expected scalar shape, saw unknown shape.")
        if nd != 0:
            raise ValueError(f"{_prefix(message)}Expected scalar shape for {tensor.name}, "
                             f"saw shape: {_shape_str(tensor)}.")
        return tensor


def assert_same_float_dtype(tensors=None, dtype=None):
    """The common floating type of `tensors` (and `dtype`); float32 when there is none.
    ValueError when they differ or are not floating."""
    if tensors:
        for t in tensors:
            if t is None:
                continue
            t_dtype = t.dtype.base_dtype
            if dtype is None:
                dtype = t_dtype
            elif dtype != t_dtype:
                raise ValueError(f"{t.name}, type={t_dtype} not in {dtype}")
            if not t_dtype.is_floating:
                raise ValueError(f"Expected floating point type, got {t_dtype}.")
    if dtype is None:
        return dtypes.float32
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype}.")
    return dtype
