"""A safe evaluator of the small numpy expressions `saved_model_cli run --input_exprs`
takes: Python literals, arithmetic, and a fixed list of numpy constructors and array
methods (`np.ones((2, 3), dtype=np.float32)`, `np.arange(6).reshape(2, 3) / 2`). It walks
the parsed expression itself and never calls `eval`; names, attributes and calls outside
the lists, and results larger than `MAX_ELEMENTS`, are refused with a ValueError."""
import ast
import math
import operator

import numpy as np

MAX_ELEMENTS = 1 << 26   # elements any array built by an expression may have
MAX_LENGTH = 100_000     # characters of one expression
MAX_INT_BITS = 4096      # bits of a Python integer result

_DTYPES = {n: getattr(np, n) for n in (
    "float16", "float32", "float64", "half", "single", "double", "int8", "int16", "int32",
    "int64", "uint8", "uint16", "uint32", "uint64", "bool_", "complex64", "complex128",
    "str_", "bytes_", "object_")}
_DTYPES["bool"] = np.bool_
_CONSTS = {"pi": np.pi, "e": np.e, "inf": np.inf, "nan": np.nan, "newaxis": None}


def _shape_size(shape):
    dims = (shape,) if np.isscalar(shape) else tuple(shape)
    if any(int(d) < 0 for d in dims):
        raise ValueError("negative dimensions are not allowed")
    return math.prod(int(d) for d in dims)


def _sized(fn, size_of):
    """`fn`, refused when `size_of(*args, **kwargs)` exceeds MAX_ELEMENTS."""
    def call(*args, **kwargs):
        n = size_of(*args, **kwargs)
        if n > MAX_ELEMENTS:
            raise ValueError(f"the array would have {n} elements (at most {MAX_ELEMENTS})")
        return fn(*args, **kwargs)
    return call


def _first_shape(shape=(), *_, **__):
    return _shape_size(shape)


def _arange_size(*args, **kwargs):
    start, stop, step = 0, None, 1
    if len(args) == 1:
        stop = args[0]
    elif args:
        start, stop = args[0], args[1]
        step = args[2] if len(args) > 2 else kwargs.get("step", 1)
    stop = kwargs.get("stop", stop)
    if stop is None or step == 0:
        return 0
    return max(0, math.ceil((float(stop) - float(start)) / float(step)))


def _linspace_size(start, stop, num=50, *_, **kwargs):
    return int(kwargs.get("num", num))


def _size_kw(*args, size=None, **kwargs):
    """The `size` of np.random.uniform/normal/randint (keyword or third argument)."""
    size = args[2] if size is None and len(args) > 2 else size
    return 1 if size is None else _shape_size(size)


def _dims(*dims):
    return _shape_size(dims) if dims else 1


_FUNCS = {
    "array": np.array, "asarray": np.asarray,
    "zeros": _sized(np.zeros, _first_shape), "ones": _sized(np.ones, _first_shape),
    "empty": _sized(np.zeros, _first_shape), "full": _sized(np.full, _first_shape),
    "eye": _sized(np.eye, lambda n, m=None, *a, **k: int(n) * int(n if m is None else m)),
    "identity": _sized(np.identity, lambda n, *a, **k: int(n) ** 2),
    "arange": _sized(np.arange, _arange_size), "linspace": _sized(np.linspace, _linspace_size),
    "zeros_like": np.zeros_like, "ones_like": np.ones_like, "full_like": np.full_like,
    "reshape": np.reshape, "transpose": np.transpose, "expand_dims": np.expand_dims,
    "squeeze": np.squeeze, "stack": np.stack, "concatenate": np.concatenate,
    "abs": np.abs, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin,
    "cos": np.cos, "floor": np.floor, "ceil": np.ceil, "round": np.round,
    "random.rand": _sized(np.random.rand, _dims),
    "random.randn": _sized(np.random.randn, _dims),
    "random.random": _sized(np.random.random, lambda size=None: _size_kw(size=size)),
    "random.uniform": _sized(np.random.uniform, _size_kw),
    "random.normal": _sized(np.random.normal, _size_kw),
    "random.randint": _sized(np.random.randint, _size_kw),
}
_METHODS = {"reshape", "astype", "transpose", "flatten", "ravel", "squeeze", "copy",
            "tolist", "sum", "mean", "max", "min"}
_ATTRS = {"T", "shape", "dtype", "ndim", "size"}
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow, ast.MatMult: operator.matmul}
_UNOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
          ast.Invert: operator.invert}


class _Numpy:
    """What the name `np` (or `numpy`) stands for: a dotted path into the lists."""

    def __init__(self, path=""):
        self.path = path


def evaluate(expr):
    """The value of `expr` (a string); ValueError for anything outside the language."""
    if len(expr) > MAX_LENGTH:
        raise ValueError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as e:
        raise ValueError(f"not a valid expression: {e}") from None
    try:
        value = _eval(tree.body)
    except RecursionError:
        raise ValueError("the expression is nested too deeply") from None
    except (TypeError, ArithmeticError, IndexError, KeyError) as e:
        raise ValueError(str(e)) from None
    if isinstance(value, _Numpy):
        raise ValueError(f"np.{value.path} is not a value")
    return value


def _check_size(value):
    if isinstance(value, np.ndarray) and value.size > MAX_ELEMENTS:
        raise ValueError(f"the array would have {value.size} elements (at most "
                         f"{MAX_ELEMENTS})")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ValueError(f"an integer of more than {MAX_INT_BITS} bits")
    return value


def _number_or_array(v):
    return isinstance(v, (bool, int, float, complex, np.ndarray, np.generic))


def _binop(op, a, b):
    if not (_number_or_array(a) and _number_or_array(b)):
        raise ValueError(f"'{type(op).__name__}' takes numbers or arrays, not "
                         f"{type(a).__name__} and {type(b).__name__}")
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        n = math.prod(np.broadcast_shapes(np.shape(a), np.shape(b)))
        if n > MAX_ELEMENTS:
            raise ValueError(f"the array would have {n} elements (at most {MAX_ELEMENTS})")
    elif isinstance(op, ast.Pow) and isinstance(a, int) and isinstance(b, int):
        if b > 0 and abs(a) > 1 and b * math.log2(abs(a)) > MAX_INT_BITS:
            raise ValueError(f"an integer of more than {MAX_INT_BITS} bits")
    return _check_size(_BINOPS[type(op)](a, b))


def _eval(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_eval(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("'**' is not allowed")
        return {_eval(k): _eval(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNOPS:
        v = _eval(node.operand)
        if not _number_or_array(v):
            raise ValueError(f"unary operators take numbers or arrays, not {type(v).__name__}")
        return _UNOPS[type(node.op)](v)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _binop(node.op, _eval(node.left), _eval(node.right))
    if isinstance(node, ast.Name):
        if node.id in ("np", "numpy"):
            return _Numpy()
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        raise ValueError(f"name '{node.id}' is not allowed")
    if isinstance(node, ast.Attribute):
        return _attribute(_eval(node.value), node.attr)
    if isinstance(node, ast.Subscript):
        base, index = _eval(node.value), _eval(node.slice)
        if not isinstance(base, (list, tuple, np.ndarray)):
            raise ValueError("only lists, tuples and arrays can be indexed")
        return base[index]
    if isinstance(node, ast.Slice):
        parts = [None if p is None else _eval(p) for p in (node.lower, node.upper,
                                                          node.step)]
        return slice(*parts)
    if isinstance(node, ast.Call):
        fn = _eval(node.func)
        args = [_eval(a) for a in node.args if not isinstance(a, ast.Starred)]
        if len(args) != len(node.args) or any(k.arg is None for k in node.keywords):
            raise ValueError("'*' and '**' arguments are not allowed")
        kwargs = {k.arg: _eval(k.value) for k in node.keywords}
        return _call(fn, args, kwargs)
    raise ValueError(f"'{type(node).__name__}' is not allowed in an input expression")


def _attribute(base, name):
    if isinstance(base, _Numpy):
        path = f"{base.path}.{name}" if base.path else name
        if not base.path and name in _DTYPES:
            return _DTYPES[name]
        if not base.path and name in _CONSTS:
            return _CONSTS[name]
        if path in _FUNCS or any(f.startswith(path + ".") for f in _FUNCS):
            return _Numpy(path)
        raise ValueError(f"np.{path} is not allowed")
    if isinstance(base, (np.ndarray, np.generic)) and name in _ATTRS:
        return getattr(base, name)
    if isinstance(base, (np.ndarray, np.generic)) and name in _METHODS:
        return _Method(base, name)
    raise ValueError(f"attribute '{name}' is not allowed")


class _Method:
    def __init__(self, array, name):
        self.array, self.name = array, name


def _call(fn, args, kwargs):
    if isinstance(fn, _Numpy) and fn.path in _FUNCS:
        return _check_size(_FUNCS[fn.path](*args, **kwargs))
    if isinstance(fn, _Method):
        return _check_size(getattr(fn.array, fn.name)(*args, **kwargs))
    if isinstance(fn, type) and fn in _DTYPES.values():  # np.float32(1.5)
        return fn(*args, **kwargs)
    raise ValueError("only the listed numpy functions and array methods can be called")
