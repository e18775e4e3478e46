"""A strict stand-in for CuPy, for tests on machines without a GPU.

THIS IS NOT A GPU. Arrays live in host memory and every operation runs numpy. What the
emulation checks is the device/host discipline that real CuPy enforces, so that code
which would fail on a GPU fails here too:

* `ndarray` is not a numpy array. `np.asarray(x)` (any implicit conversion, `__array__`)
  raises TypeError as CuPy does; `.get()` / `asnumpy` are the ways back to the host.
* Functions and ufuncs reject numpy arrays (`TypeError: Unsupported type`); only
  `array`/`asarray`/`asanyarray` copy host data to the device. Ufuncs take device
  arrays and scalars (Python or numpy scalars), not lists or 0-d numpy arrays.
  `device_array[...] = numpy_array` is refused as well.
* Shapes, axes, repeats, pad widths and the like must be host values: a device array
  there is refused (CuPy arrays have no `__index__`).
* numpy functions applied to a device array dispatch to this module as they dispatch to
  CuPy (`__array_ufunc__`, `__array_function__`), and fail where CuPy has no such function.
* Reductions and scalar indexing give 0-d device arrays, not numpy scalars.
* Integer-array indices wrap around instead of raising IndexError (CuPy's gather/scatter
  do not check bounds); `take` wraps too.
* No `ufunc.at` (use `cupyx.scatter_add`, which, like CuPy's, refuses dtypes without CUDA
  atomics: int64, int8, bool, complex...); no object, string or datetime arrays; no
  numpy-style `random.Generator`.
* Arrays belong to the device current when they were made (`cuda.Device(i)`); computing
  with an array of another device is refused (as CuPy does without peer access).
* Allocations above the device's memory (`MEMORY`) raise `cuda.memory.OutOfMemoryError`,
  with CuPy's message naming the requested size.
* `transfers` counts host<->device copies, so tests can check what crosses.

What it cannot catch: anything about CUDA itself (kernels, streams, synchronisation,
performance, numerical differences of GPU libraries), and numpy functions, methods or
keyword arguments that exist in numpy but not in CuPy (only a short list of known gaps
is refused, see `_MISSING`).

`install(monkeypatch)` (or `install()` for a whole session) puts it in `sys.modules`
as `cupy` and `cupyx`, so `import cupy` anywhere in flowgraph finds it.
"""
import sys
import types

import numpy as np

DEVICE_COUNT = 1
MEMORY = 16 << 30  # bytes per emulated device
# Host<->device traffic so far (tests reset and read it): arrays copied to the device and
# back (count and bytes), and reads of values (int(), float(), bool(), item(), tolist()).
transfers = {"to_device": 0, "to_host": 0, "bytes_to_device": 0, "bytes_to_host": 0,
             "scalar_reads": 0}

# numpy names CuPy does not have (or whose CuPy form differs): refused here.
_MISSING = frozenset({
    "frompyfunc", "vectorize", "broadcast_shapes", "errstate", "seterr", "geterr",
    "object_", "str_", "bytes_", "void", "datetime64", "timedelta64", "ndindex",
    "nditer", "fromiter", "frombuffer", "char", "ma", "rec", "matrix", "string_",
    "unicode_", "asmatrix", "loadtxt", "genfromtxt", "busday_count",
})
_UNSUPPORTED_KINDS = "OSUVMm"
_SCALARS = (bool, int, float, complex, np.generic)


# -- the device array ---------------------------------------------------------------------
class ndarray:  # noqa: N801 (CuPy's name)
    """A device array: a numpy array that host code may not touch directly."""

    __slots__ = ("_a", "_dev", "__weakref__")

    def __init__(self, shape, dtype=float):
        dtype = np.dtype(dtype)
        _check_dtype(dtype)
        _check_alloc(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize)
        self._a, self._dev = np.empty(shape, dtype), _current[-1]

    @classmethod
    def _of(cls, a):
        _check_dtype(a.dtype)
        if a.base is None:  # owns its memory: an allocation (views are free)
            _check_alloc(a.nbytes)
        x = cls.__new__(cls)
        x._a, x._dev = a, _current[-1]
        return x

    # -- the host boundary
    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use "
                        "`.get()` to construct a NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None):
        transfers["to_host"] += 1
        transfers["bytes_to_host"] += self.nbytes
        if out is not None:
            out[...] = self._a
            return out
        return np.array(self._a, order=order, copy=True)

    @property
    def __cuda_array_interface__(self):
        return {"shape": self.shape, "typestr": self.dtype.str, "version": 3,
                "data": (self._a.__array_interface__["data"][0], False),
                "strides": None if self._a.flags.c_contiguous else self._a.strides}

    @property
    def device(self):
        return Device(self._dev)

    def __array_ufunc__(self, uf, method, *inputs, **kwargs):
        mine = _UFUNCS.get(uf.__name__)
        if mine is None or (method != "__call__" and not hasattr(mine, method)):
            return NotImplemented
        if "out" in kwargs:
            out = kwargs["out"]
            kwargs["out"] = out[0] if isinstance(out, tuple) and len(out) == 1 else out
        f = mine if method == "__call__" else getattr(mine, method)
        return f(*inputs, **kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        where = sys.modules[__name__]
        try:
            for part in func.__module__.split(".")[1:]:
                where = getattr(where, part)
            mine = getattr(where, func.__name__)
        except AttributeError:
            return NotImplemented
        return mine(*args, **kwargs)

    # -- attributes
    shape = property(lambda self: self._a.shape, lambda self, s: setattr(self._a, "shape", s))
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray._of(self._a.T))
    real = property(lambda self: ndarray._of(self._a.real))
    imag = property(lambda self: ndarray._of(self._a.imag))

    # methods of cupy.ndarray, run by numpy's. Device arrays are accepted as arguments only
    # by the methods that take arrays; elsewhere (shapes, axes, repeats) CuPy needs host
    # values: it has no `__index__`, so a device scalar is not an int there.
    _METHODS = frozenset("""all any argmax argmin argpartition argsort astype clip conj
        conjugate copy cumprod cumsum diagonal dot fill flatten max mean min nonzero
        partition prod ravel repeat reshape round sort squeeze std sum swapaxes
        trace transpose var view put compress choose searchsorted""".split())
    _ARRAY_ARGS = frozenset("dot clip fill put compress choose searchsorted".split())

    def __getattr__(self, name):
        if name not in ndarray._METHODS:
            raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")
        method = getattr(_here(self), name)
        arrays_ok = name in ndarray._ARRAY_ARGS

        def call(*args, **kwargs):
            if name in ("put", "compress") and args:
                args = (np.asarray(_host_ok(args[0])),) + args[1:]  # CuPy copies indices
            if not arrays_ok:
                _host_params(f"ndarray.{name}", args, kwargs, range(len(args)))
            return _wrap(method(*_unwrap(args), **_unwrap(kwargs)))
        call.__name__ = name
        return call

    def take(self, indices, axis=None, out=None):
        """Gathers with wrapped indices (CuPy does not check their range)."""
        _host_params("ndarray.take", (axis,), {}, (0,))
        idx = indices if isinstance(indices, _SCALARS) else np.asarray(_host_ok(indices))
        idx = np.mod(idx, max(self.size if axis is None else self.shape[axis], 1))
        r = _here(self).take(idx, axis=axis)
        if out is None:
            return _wrap(r)
        out._a[...] = r
        return out

    # -- conversions (each one a device-to-host copy in CuPy, allowed)
    def _scalar(self, kind):
        transfers["scalar_reads"] += 1
        return kind(self._a)

    def __int__(self):
        return self._scalar(int)

    def __float__(self):
        return self._scalar(float)

    def __complex__(self):
        return self._scalar(complex)

    def __bool__(self):
        return self._scalar(bool)

    def item(self, *args):
        transfers["scalar_reads"] += 1
        return self._a.item(*args)

    def tolist(self):
        transfers["scalar_reads"] += 1
        return self._a.tolist()

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    def __repr__(self):
        return repr(self._a)

    def __str__(self):
        return str(self._a)

    def __format__(self, spec):
        return format(self._a, spec)

    __hash__ = None

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    # -- indexing
    def __getitem__(self, key):
        return _wrap(self._a[_index(key, self._a.shape)])

    def __setitem__(self, key, value):
        if isinstance(value, ndarray):
            value = value._a
        elif isinstance(value, np.ndarray) and value.ndim:
            raise TypeError("cupy.ndarray item assignment from a numpy.ndarray: copy it to "
                            "the device first (cupy.asarray)")
        elif not isinstance(value, _SCALARS):
            raise TypeError(f"Unsupported type {type(value)}")
        self._a[_index(key, self._a.shape)] = value


# operators: ufuncs of this module (which reject numpy arrays, like CuPy's)
def _binary(name, reflected=False, inplace=False):
    def op(self, other):
        if not isinstance(other, (ndarray, np.ndarray) + _SCALARS):
            return NotImplemented  # lists and other objects: Python's rules decide
        if inplace:
            return _UFUNCS[name](self, other, out=self)
        return _UFUNCS[name](other, self) if reflected else _UFUNCS[name](self, other)
    return op


for _op, _uf in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                 ("truediv", "true_divide"), ("floordiv", "floor_divide"),
                 ("mod", "remainder"), ("pow", "power"), ("matmul", "matmul"),
                 ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                 ("lshift", "left_shift"), ("rshift", "right_shift")]:
    setattr(ndarray, f"__{_op}__", _binary(_uf))
    setattr(ndarray, f"__r{_op}__", _binary(_uf, reflected=True))
    setattr(ndarray, f"__i{_op}__", _binary(_uf, inplace=True))
for _op, _uf in [("eq", "equal"), ("ne", "not_equal"), ("lt", "less"),
                 ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal")]:
    setattr(ndarray, f"__{_op}__", _binary(_uf))
for _op, _uf in [("neg", "negative"), ("pos", "positive"), ("abs", "absolute"),
                 ("invert", "invert")]:
    setattr(ndarray, f"__{_op}__", (lambda uf: lambda self: _UFUNCS[uf](self))(_uf))


# -- argument and result conversion -------------------------------------------------------
def _check_dtype(dtype):
    if dtype.kind in _UNSUPPORTED_KINDS:
        raise ValueError(f"Unsupported dtype {dtype}")


def _check_alloc(nbytes):
    if nbytes > MEMORY:
        raise cuda.memory.OutOfMemoryError(nbytes, -1)


# Parameters CuPy needs as host values (ints, tuples), by function: positions of the
# positional arguments, and keyword names for every function.
_HOST_PARAMS = {
    "reshape": (1,), "broadcast_to": (1,), "tile": (1,), "pad": (1,), "transpose": (1,),
    "split": (1,), "array_split": (1,), "repeat": (1,), "roll": (1, 2),
    "expand_dims": (1,), "moveaxis": (1, 2), "swapaxes": (1, 2), "squeeze": (1,),
    "zeros": (0,), "ones": (0,), "empty": (0,), "full": (0,), "flip": (1,), "sum": (1,),
    "prod": (1,), "mean": (1,), "max": (1,), "min": (1,), "amax": (1,), "amin": (1,),
    "any": (1,), "all": (1,), "argmax": (1,), "argmin": (1,), "cumsum": (1,),
    "cumprod": (1,), "concatenate": (1,), "stack": (1,), "tensordot": (2,),
    "take_along_axis": (2,), "eye": (0, 1, 2), "tril": (1,), "triu": (1,),
}
_HOST_KWARGS = frozenset(("axis", "axes", "shape", "newshape", "reps", "pad_width",
                          "repeats", "indices_or_sections", "shift", "source",
                          "destination", "minlength", "k"))


def _host_params(name, args, kwargs, positions):
    for where, v in [(i, args[i]) for i in positions if i < len(args)] + \
            [(k, v) for k, v in kwargs.items() if k in _HOST_KWARGS]:
        items = v if type(v) in (list, tuple) else (v,)
        if any(isinstance(x, ndarray) for x in items):
            raise TypeError(f"cupy.{name}: argument {where!r} must be a host value (an int "
                            "or a tuple of ints), not a cupy.ndarray")


def _here(x):
    """The numpy array behind device array x, which must be on the current device (as
    without peer access between GPUs: kernels run on the current device)."""
    if x._dev != _current[-1]:
        raise ValueError(f"The device where the array resides ({x._dev}) is different from "
                         f"the current device ({_current[-1]}). Peer access is unavailable "
                         "between these devices.")
    return x._a


def _unwrap(x):
    """Arguments for numpy: device arrays unwrapped; numpy arrays refused."""
    if isinstance(x, ndarray):
        return _here(x)
    if isinstance(x, np.ndarray):
        raise TypeError(f"Unsupported type {type(x)}: a numpy.ndarray where a cupy.ndarray "
                        "is needed (implicit host-to-device conversion is not allowed)")
    if type(x) in (list, tuple):
        return type(x)(_unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _host_ok(x):
    """Where CuPy copies host data to the device itself: array(), indices."""
    if isinstance(x, ndarray):
        return x._a
    if type(x) in (list, tuple):
        return np.asarray(type(x)(_host_ok(v) for v in x))
    return x


def _wrap(r):
    """numpy results as CuPy gives them: arrays and numpy scalars become device arrays."""
    if isinstance(r, np.ndarray):
        return ndarray._of(r)
    if isinstance(r, np.generic) and r.dtype.kind not in _UNSUPPORTED_KINDS:
        return ndarray._of(np.asarray(r))
    if isinstance(r, (list, tuple)):  # (named tuples of numpy, e.g. qr's, become tuples)
        return (list if isinstance(r, list) else tuple)(_wrap(v) for v in r)
    return r


def _index(key, shape):
    """An index for the numpy array behind a device array. Index arrays may come from the
    host (CuPy copies them); integer-array indices wrap around as CuPy's do."""
    parts = list(key) if isinstance(key, tuple) else [key]
    simple = not any(p is None or p is Ellipsis for p in parts)  # axis i is parts[i]
    axis = 0
    for i, p in enumerate(parts):
        if isinstance(p, (ndarray, np.ndarray, list)):
            p = parts[i] = np.asarray(_host_ok(p))
            if simple and p.dtype.kind in "iu" and axis < len(shape) and shape[axis]:
                parts[i] = np.mod(p, shape[axis])
            axis += p.ndim if p.dtype.kind == "b" else 1
        else:
            axis += 1
    return tuple(parts) if isinstance(key, tuple) else parts[0]


# -- ufuncs -------------------------------------------------------------------------------
class ufunc:  # noqa: N801 (CuPy's name)
    """A numpy ufunc with CuPy's argument rules (device arrays and scalars only) and
    without `at` (CuPy code uses `cupyx.scatter_add`)."""

    def __init__(self, f):
        self._f, self.__name__ = f, f.__name__
        self.nin, self.nout, self.nargs, self.types = f.nin, f.nout, f.nargs, f.types

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"

    @staticmethod
    def _arg(x):
        if isinstance(x, ndarray):
            return _here(x)
        if isinstance(x, _SCALARS):
            return x
        raise TypeError(f"Unsupported type {type(x)}")

    def _run(self, fn, args, kwargs):
        out = kwargs.get("out")
        if out is not None:
            if isinstance(out, tuple):
                out = out[0] if len(out) == 1 else out
            if not isinstance(out, ndarray):
                raise TypeError("out must be a cupy.ndarray")
            kwargs["out"] = out._a
        r = fn(*[self._arg(a) for a in args], **kwargs)
        return out if out is not None else _wrap(r)

    def __call__(self, *args, **kwargs):
        return self._run(self._f, args, kwargs)

    def reduce(self, a, *args, **kwargs):
        return self._run(self._f.reduce, (a,) + args, kwargs)

    def accumulate(self, a, *args, **kwargs):
        return self._run(self._f.accumulate, (a,) + args, kwargs)

    def outer(self, a, b, **kwargs):
        return self._run(self._f.outer, (a, b), kwargs)


_UFUNCS = {name: ufunc(f) for name, f in vars(np).items() if isinstance(f, np.ufunc)}


# -- module-level functions ---------------------------------------------------------------
def _function(f, name):
    positions = _HOST_PARAMS.get(name, ())

    def call(*args, **kwargs):
        _host_params(name, args, kwargs, positions)
        return _wrap(f(*_unwrap(args), **_unwrap(kwargs)))
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"numpy.{name} on device arrays (numpy arrays refused)."
    return call


def _creation(f, name):
    """zeros/ones/empty/full: the allocation is checked before numpy makes it."""
    def call(shape, *args, **kwargs):
        _host_params(name, (shape,), {}, (0,))
        dtype = np.dtype(kwargs.get("dtype", args[0] if args and name != "full" else
                                    args[1] if len(args) > 1 else None) or float)
        n = int(np.prod(shape, dtype=np.int64))
        _check_alloc(n * dtype.itemsize)
        return _wrap(f(_unwrap(shape), *_unwrap(args), **_unwrap(kwargs)))
    call.__name__ = name
    return call


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0):
    """Host (or device) data copied to the device: the one door from numpy to here."""
    if isinstance(obj, ndarray):
        if copy:
            _check_alloc(obj.size * np.dtype(dtype or obj.dtype).itemsize)
        a = np.array(obj._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
        return obj if a is obj._a else ndarray._of(a)
    a = ndarray._of(np.array(_host_ok(obj), dtype=dtype, order=order, ndmin=ndmin))
    transfers["to_device"] += 1
    transfers["bytes_to_device"] += a.nbytes
    return a


def asarray(a, dtype=None, order=None):
    return array(a, dtype=dtype, copy=None, order=order or "K")


asanyarray = asarray


def asnumpy(a, stream=None, order="C", out=None):
    return a.get(stream, order, out) if isinstance(a, ndarray) else np.asarray(a, order=order)


def get_array_module(*args):
    return sys.modules[__name__] if any(isinstance(a, ndarray) for a in args) else np


def take(a, indices, axis=None, out=None):
    return a.take(indices, axis, out)


def take_along_axis(a, indices, axis):
    _host_params("take_along_axis", (axis,), {}, (0,))
    if not isinstance(indices, ndarray):
        raise TypeError(f"Unsupported type {type(indices)}")
    n = a.shape[axis] if axis is not None else a.size
    return _wrap(np.take_along_axis(_here(a), np.mod(_here(indices), max(n, 1)), axis))


class _Namespace(types.ModuleType):
    """A numpy submodule (linalg, fft, lib.stride_tricks, random) seen through the rules."""

    def __init__(self, name, source, missing=()):
        super().__init__(name)
        self._source, self._missing = source, frozenset(missing)

    def __getattr__(self, name):
        if name.startswith("__") or name in self._missing:
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        v = getattr(self._source, name)
        if isinstance(v, types.ModuleType):
            v = _Namespace(f"{self.__name__}.{name}", v)
        elif callable(v) and not isinstance(v, type):
            v = _function(v, name)
        setattr(self, name, v)
        return v


linalg = _Namespace("cupy.linalg", np.linalg)
fft = _Namespace("cupy.fft", np.fft)
lib = _Namespace("cupy.lib", np.lib)
# numpy's Generator API is not CuPy's (cupy.random.Generator differs): not offered.
random = _Namespace("cupy.random", np.random,
                    missing=("default_rng", "Generator", "PCG64", "Philox", "SeedSequence",
                             "RandomState", "BitGenerator", "MT19937", "SFC64"))


_made = {}  # (not globals(): names such as max, sum or all must not shadow builtins here)


def __getattr__(name):  # the rest of numpy's namespace, under the rules
    if name in _made:
        return _made[name]
    if name.startswith("__") or name in _MISSING:
        raise AttributeError(f"module 'cupy' has no attribute '{name}'")
    v = getattr(np, name)
    if name in _UFUNCS:
        v = _UFUNCS[name]
    elif name in ("zeros", "ones", "empty", "full"):
        v = _creation(v, name)
    elif isinstance(v, types.ModuleType):
        raise AttributeError(f"module 'cupy' has no attribute '{name}'")
    elif callable(v) and not isinstance(v, type):
        v = _function(v, name)
    _made[name] = v
    return v


# -- cuda -----------------------------------------------------------------------------------
_current = [0]


class Device:
    """`cupy.cuda.Device(i)`: a context manager selecting the current device."""

    def __init__(self, device=None):
        self.id = _current[-1] if device is None else int(device)
        if not 0 <= self.id < DEVICE_COUNT:
            raise cuda.runtime.CUDARuntimeError("cudaErrorInvalidDevice: invalid device "
                                                "ordinal")

    def __enter__(self):
        _current.append(self.id)
        return self

    def __exit__(self, *exc):
        _current.pop()

    def use(self):
        _current[0] = self.id

    def synchronize(self):
        pass

    @property
    def mem_info(self):
        return MEMORY, MEMORY  # (free, total)

    compute_capability = "90"

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class OutOfMemoryError(MemoryError):
    """CuPy's: names the requested size."""

    def __init__(self, size, total, limit=0):
        msg = f"Out of memory allocating {size:,} bytes"
        if total != -1:
            msg += f" (allocated so far: {total:,} bytes)."
        super().__init__(msg)


class CUDARuntimeError(RuntimeError):
    pass


cuda = types.SimpleNamespace(
    Device=Device, is_available=lambda: True, get_device_id=lambda: _current[-1],
    runtime=types.SimpleNamespace(getDeviceCount=lambda: DEVICE_COUNT,
                                  CUDARuntimeError=CUDARuntimeError),
    memory=types.SimpleNamespace(OutOfMemoryError=OutOfMemoryError),
    Stream=types.SimpleNamespace(null=None))


# -- cupyx ----------------------------------------------------------------------------------
_SCATTER_DTYPES = tuple(map(np.dtype, ("float16", "float32", "float64", "int32", "uint32",
                                       "uint64")))


def _scatter(np_ufunc, kinds):
    def scatter(a, slices, value):
        if not isinstance(a, ndarray):
            raise TypeError(f"Unsupported type {type(a)}")
        if a.dtype not in kinds:
            raise TypeError(f"scatter op does not support dtype {a.dtype} (CUDA atomics: "
                            f"{', '.join(d.name for d in kinds)})")
        np_ufunc.at(_here(a), _index(slices, a.shape), ufunc._arg(value))
    return scatter


cupyx = types.ModuleType("cupyx")
cupyx.__doc__ = "Emulated cupyx: scatter_add/max/min and scipy.special (see fake_cupy)."
cupyx.scatter_add = _scatter(np.add, _SCATTER_DTYPES)
cupyx.scatter_max = _scatter(np.maximum, _SCATTER_DTYPES[1:])
cupyx.scatter_min = _scatter(np.minimum, _SCATTER_DTYPES[1:])
cupyx.scipy = types.ModuleType("cupyx.scipy")
try:
    import scipy.special as _special
    cupyx.scipy.special = _Namespace("cupyx.scipy.special", _special)
except ImportError:  # pragma: no cover - scipy is a test dependency
    cupyx.scipy.special = _Namespace("cupyx.scipy.special", types.ModuleType("empty"))


# -- installing -----------------------------------------------------------------------------
def _modules():
    return {"cupy": sys.modules[__name__], "cupyx": cupyx, "cupyx.scipy": cupyx.scipy,
            "cupyx.scipy.special": cupyx.scipy.special}


def install(monkeypatch=None):
    """Makes `import cupy` (and cupyx) give this emulation: for one test through pytest's
    `monkeypatch`, or for the rest of the process without one."""
    for name, mod in _modules().items():
        if monkeypatch is None:
            sys.modules[name] = mod
        else:
            monkeypatch.setitem(sys.modules, name, mod)


def real_cupy_available():
    """True when a real CuPy sees a CUDA device (then the emulation is not installed)."""
    mod = sys.modules.get("cupy")
    if mod is not None and mod is sys.modules.get(__name__):
        return False
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver, no device
        return False
