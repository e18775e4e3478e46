"""Fast Fourier transforms over the innermost 1, 2 or 3 axes (`FFT`, `IFFT2D`, `RFFT`,
`IRFFT3D`, ...) with their gradients, and the discrete cosine transforms `dct`/`idct`
built from them, under `tf.signal` and `tf.spectral` as in TF."""
import math

import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, constant_value, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.ops.math_common import check_type, host_ints, COMPLEX

_FFT = ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d"]
_RFFT = ["rfft", "irfft", "rfft2d", "irfft2d", "rfft3d", "irfft3d"]
__all__ = list(_FFT)  # TF1 has only the complex transforms at the top level
__namespaces__ = {"signal": _FFT + _RFFT + ["dct", "idct", "fftshift", "ifftshift"],
                  "spectral": _FFT + _RFFT + ["dct", "idct"]}

_REAL = frozenset((dtypes.float32, dtypes.float64))
_COMPLEX_OF = {dtypes.float32: dtypes.complex64, dtypes.float64: dtypes.complex128}


def _axes(rank):
    return tuple(range(-rank, 0))


def _fft_length(op, rank):
    """The constant fft_length of an RFFT/IRFFT op as a list, or None."""
    v = constant_value(op.inputs[1])
    return None if v is None else [int(d) for d in np.reshape(v, -1)]


# -- complex to complex --------------------------------------------------------------------
def _size(t, rank):
    """The number of points of a `rank`-D transform of t, as a t-typed scalar."""
    from flowgraph.ops import array_ops, reduction_ops, unary_ops
    dims = t.shape[-rank:] if t.shape.ndims is not None else None
    if dims is not None and dims.is_fully_defined():
        n = float(np.prod(dims.as_list()))
        return convert_to_tensor(n, dtype=t.dtype.base_dtype)
    n = reduction_ops.reduce_prod(array_ops.shape(t)[-rank:])
    return unary_ops.cast(n, t.dtype.base_dtype)


def _fft_op(op_type, rank, inverse):
    def shape(op):
        check_type(op, COMPLEX, attr="Tcomplex", arg="input")
        return op.inputs[0].shape.with_rank_at_least(rank)

    def kernel(xp, input, Tcomplex):
        f = xp.fft.ifftn if inverse else xp.fft.fftn
        return f(input, axes=_axes(rank)).astype(Tcomplex, copy=False)

    def grad(op, grad):
        # FFT: y = F x, dx = F^H g = n * ifft(g); IFFT: y = F^H x / n, dx = fft(g) / n.
        from flowgraph.ops import math_ops
        back = _BUILDERS[(rank, not inverse)]
        n = _size(grad, rank)
        if inverse:
            return [math_ops.realdiv(back(grad), n)]
        return [math_ops.multiply(back(grad), n)]

    what = "inverse " if inverse else ""
    doc = f"The {what}{rank}-D discrete Fourier transform over the innermost {rank} axes."
    cls = type(op_type, (), {"__doc__": doc, "shape": staticmethod(shape),
                             "kernel": staticmethod(kernel), "grad": staticmethod(grad)})
    defop(op_type, inputs=("input: Tcomplex",), outputs=("output: Tcomplex",),
          attrs={"Tcomplex": dtypes.complex64})(cls)


# -- real to complex and back --------------------------------------------------------------
def _rfft_shape(rank, inverse):
    def shape(op):
        check_type(op, _REAL, attr="Treal", arg="input")
        check_type(op, COMPLEX, attr="Tcomplex", arg="input")
        s = op.inputs[0].shape.with_rank_at_least(rank)
        op.inputs[1].shape.with_rank(1).merge_with(tensor_shape.TensorShape([rank]))
        n = _fft_length(op, rank)
        if s.ndims is None:
            return tensor_shape.unknown_shape()
        if n is None:
            return s[:-rank].concatenate(tensor_shape.unknown_shape(rank))
        if len(n) != rank:
            raise ValueError(f"fft_length must have {rank} elements, got {len(n)}")
        out = list(n) if inverse else n[:-1] + [n[-1] // 2 + 1]
        return s[:-rank].concatenate(out)
    return shape


def _fit(t, like, rank):
    """t cropped or zero-padded on its innermost `rank` axes to the sizes of `like`'s."""
    from flowgraph.ops import array_ops, creation_ops, manip_ops, slicing_ops, math_ops, join_ops
    have, want = t.shape, like.shape
    if have.ndims is not None and want.ndims is not None and \
            have[-rank:].is_fully_defined() and want[-rank:].is_fully_defined():
        h, w = have[-rank:].as_list(), want[-rank:].as_list()
        if h == w:
            return t
        outer = have.ndims - rank
        if any(a > b for a, b in zip(h, w)):
            t = slicing_ops.slice(t, [0] * have.ndims, [-1] * outer + [min(a, b) for a, b
                                                                          in zip(h, w)])
        if any(a < b for a, b in zip(h, w)):
            t = manip_ops.pad(t, [[0, 0]] * outer + [[0, max(b - a, 0)] for a, b in zip(h, w)])
        return t
    # Sizes known only at run time.
    outer = array_ops.rank(t) - rank
    h = array_ops.shape(t)[-rank:]
    w = array_ops.shape(like)[-rank:]
    zeros = creation_ops.zeros(array_ops.reshape(outer, [1]), dtypes.int32)
    size = join_ops.concat([zeros - 1, math_ops.minimum(h, w)], 0)
    t = slicing_ops.slice(t, array_ops.zeros_like(size), size)
    after = join_ops.concat([zeros, math_ops.maximum(w - h, 0)], 0)
    return manip_ops.pad(t, join_ops.stack([array_ops.zeros_like(after), after], 1))


def _n_points(op, n, dtype):
    """prod(fft_length) as a `dtype` scalar (a constant when fft_length is one)."""
    from flowgraph.ops import reduction_ops, unary_ops
    if n is not None:
        return convert_to_tensor(float(np.prod(n)), dtype=dtype)
    return unary_ops.cast(reduction_ops.reduce_prod(op.inputs[1]), dtype)


def _rfft_grad(rank):
    def grad(op, g):
        # y = the first n//2+1 columns of F x (x real): dx = Re(F^H [g, 0]) on x's shape.
        from flowgraph.ops import array_ops, creation_ops, join_ops, manip_ops, math_ops
        from flowgraph.ops.complex_ops import real
        nd = g.shape.ndims
        if nd is None:
            raise NotImplementedError(f"The gradient of {op.type} needs a known rank")
        n = _fft_length(op, rank)
        if n is not None:
            pads = [[0, 0]] * (nd - 1) + [[0, (n[-1] - 1) // 2]]
        else:
            extra = math_ops.floordiv(op.inputs[1][-1:] - 1, 2)
            last = join_ops.stack([array_ops.zeros_like(extra), extra], 1)
            pads = join_ops.concat([creation_ops.zeros([nd - 1, 2], dtypes.int32), last], 0)
        back = _BUILDERS[(rank, True)](manip_ops.pad(g, pads))
        dx = math_ops.multiply(real(back), _n_points(op, n, op.inputs[0].dtype.base_dtype))
        return [_fit(dx, op.inputs[0], rank), None]
    return grad


def _irfft_grad(rank):
    def grad(op, g):
        # x = F^H Y / n with Y the Hermitian completion of y: each column of y but the
        # first (and the last, for even n) appears twice in Y.
        from flowgraph.ops import creation_ops, join_ops, math_ops, unary_ops
        ctype = op.inputs[0].dtype.base_dtype
        n = _fft_length(op, rank)
        if n is not None:
            mask = np.full([n[-1] // 2 + 1], 2.0)
            mask[0] = 1.0
            if n[-1] % 2 == 0:
                mask[-1] = 1.0
            scale = convert_to_tensor((mask / np.prod(n)).astype(ctype.as_numpy_dtype))
        else:
            real_t = ctype.real_dtype
            m = op.inputs[1][-1:]
            even = 1 - math_ops.floormod(m, 2)
            twos = creation_ops.fill(m // 2 - even, convert_to_tensor(2.0, dtype=real_t))
            mask = join_ops.concat([creation_ops.ones([1], real_t), twos,
                                    creation_ops.fill(even, convert_to_tensor(1.0, dtype=real_t))],
                                   0)
            scale = unary_ops.cast(math_ops.realdiv(mask, _n_points(op, None, real_t)), ctype)
        dy = math_ops.multiply(_RBUILDERS[(rank, False)](g, op.inputs[1] if n is None else n),
                               scale)
        return [_fit(dy, op.inputs[0], rank), None]
    return grad


def _rfft_op(op_type, rank, inverse):
    def kernel(xp, input, fft_length, Treal, Tcomplex):
        n = host_ints(fft_length)
        if inverse:
            return xp.fft.irfftn(input, s=n, axes=_axes(rank)).astype(Treal, copy=False)
        return xp.fft.rfftn(input, s=n, axes=_axes(rank)).astype(Tcomplex, copy=False)

    if inverse:
        doc = (f"The inverse of the {rank}-D real FFT: a real signal of `fft_length` points "
               f"from the innermost {rank} axes of its Hermitian half-spectrum.")
        sig = dict(inputs=("input: Tcomplex", "fft_length: int32"), outputs=("output: Treal",))
    else:
        doc = (f"The {rank}-D FFT of a real signal over its innermost {rank} axes: only the "
               "fft_length[-1] // 2 + 1 non-negative frequencies of the last axis.")
        sig = dict(inputs=("input: Treal", "fft_length: int32"),
                   outputs=("output: Tcomplex",))
    grad = _irfft_grad(rank) if inverse else _rfft_grad(rank)
    cls = type(op_type, (), {"__doc__": doc, "shape": staticmethod(_rfft_shape(rank, inverse)),
                             "kernel": staticmethod(kernel), "grad": staticmethod(grad)})
    defop(op_type, attrs={"Treal": dtypes.float32, "Tcomplex": dtypes.complex64}, **sig)(cls)


for _r, _sfx in ((1, ""), (2, "2D"), (3, "3D")):
    _fft_op(f"FFT{_sfx}", _r, False)
    _fft_op(f"IFFT{_sfx}", _r, True)
    _rfft_op(f"RFFT{_sfx}", _r, False)
    _rfft_op(f"IRFFT{_sfx}", _r, True)


# -- builders ------------------------------------------------------------------------------
def _fft_builder(op_type, rank):
    def builder(input, name=None):
        return apply_op(op_type, [input], name=name)
    inv = op_type.startswith("I")
    builder.__name__ = op_type.lower()
    builder.__doc__ = (f"The {'inverse ' if inv else ''}{rank}-D discrete Fourier transform "
                       f"of a complex tensor over its innermost {rank} dimension(s).")
    return builder


def _pad_to(input, rank, n, half=False):
    """Zero-pads the innermost axes of `input` up to the constant lengths n (the last to
    n[-1] // 2 + 1 when `half`), as TF's builders do before an (I)RFFT."""
    from flowgraph.ops import manip_ops
    s = input.shape
    if n is None or s.ndims is None or not s[-rank:].is_fully_defined():
        return input
    want = list(n[:-1]) + [n[-1] // 2 + 1 if half else n[-1]]
    have = s[-rank:].as_list()
    if 0 in s.as_list() or all(w <= h for w, h in zip(want, have)):
        return input
    pads = [[0, 0]] * (s.ndims - rank) + [[0, max(w - h, 0)] for w, h in zip(want, have)]
    return manip_ops.pad(input, pads)


def _infer_length(input, rank, inverse):
    from flowgraph.ops import array_ops, math_ops, join_ops
    dims = input.shape[-rank:] if input.shape.ndims is not None else None
    if dims is not None and dims.is_fully_defined():
        n = dims.as_list()
        if inverse:
            n[-1] = max(0, 2 * (n[-1] - 1))
        return convert_to_tensor(n, dtype=dtypes.int32)
    n = array_ops.shape(input)[-rank:]
    if inverse:
        n = join_ops.concat([n[:-1], math_ops.maximum(0, 2 * (n[-1:] - 1))], 0)
    return n


def _rfft_builder(op_type, rank, inverse):
    default = op_type.lower()

    def builder(input_tensor, fft_length=None, name=None):
        with name_scope(name, default, [input_tensor, fft_length]) as name:
            if inverse:
                x = convert_to_tensor(input_tensor, dtype_hint=dtypes.complex64)
                if x.dtype.base_dtype not in COMPLEX:
                    raise ValueError(f"IRFFT requires tf.complex64 or tf.complex128 inputs, "
                                     f"got: {x}")
            else:
                x = convert_to_tensor(input_tensor, dtype_hint=dtypes.float32)
                if x.dtype.base_dtype not in _REAL:
                    raise ValueError(f"RFFT requires tf.float32 or tf.float64 inputs, "
                                     f"got: {x}")
            x.shape.with_rank_at_least(rank)
            if fft_length is None:
                fft_length = _infer_length(x, rank, inverse)
            else:
                fft_length = convert_to_tensor(fft_length, dtype=dtypes.int32)
            v = constant_value(fft_length)
            n = None if v is None else [int(d) for d in np.reshape(v, -1)]
            x = _pad_to(x, rank, n, half=inverse)
            if n is not None:
                fft_length = convert_to_tensor(n, dtype=dtypes.int32)
            if inverse:
                attrs = {"Treal": x.dtype.base_dtype.real_dtype}
            else:
                attrs = {"Tcomplex": _COMPLEX_OF[x.dtype.base_dtype]}
            return apply_op(op_type, [x, fft_length], attrs, name=name)
    builder.__name__ = default
    builder.__doc__ = (f"The {'inverse ' if inverse else ''}{rank}-D real-valued fast Fourier "
                       f"transform over the innermost {rank} dimension(s); `fft_length` "
                       "defaults to the input's sizes.")
    return builder


fft, ifft = _fft_builder("FFT", 1), _fft_builder("IFFT", 1)
fft2d, ifft2d = _fft_builder("FFT2D", 2), _fft_builder("IFFT2D", 2)
fft3d, ifft3d = _fft_builder("FFT3D", 3), _fft_builder("IFFT3D", 3)
rfft, irfft = _rfft_builder("RFFT", 1, False), _rfft_builder("IRFFT", 1, True)
rfft2d, irfft2d = _rfft_builder("RFFT2D", 2, False), _rfft_builder("IRFFT2D", 2, True)
rfft3d, irfft3d = _rfft_builder("RFFT3D", 3, False), _rfft_builder("IRFFT3D", 3, True)
# (rank, inverse) -> builder, for the gradients.
_BUILDERS = {(1, False): fft, (1, True): ifft, (2, False): fft2d, (2, True): ifft2d,
             (3, False): fft3d, (3, True): ifft3d}
_RBUILDERS = {(1, False): rfft, (1, True): irfft, (2, False): rfft2d, (2, True): irfft2d,
              (3, False): rfft3d, (3, True): irfft3d}


# -- discrete cosine transforms ------------------------------------------------------------
def _check_dct(x, type, n, axis, norm):
    if axis != -1:
        raise NotImplementedError(f"axis must be -1. Got: {axis}")
    if n is not None and n < 1:
        raise ValueError("n should be a positive integer or None")
    if type not in (1, 2, 3, 4):
        raise ValueError("Types I, II, III and IV (I)DCT are supported.")
    if type == 1:
        if norm == "ortho":
            raise ValueError("Normalization is not supported for the Type-I DCT.")
        m = _last_dim(x)
        if m is not None and m < 2:
            raise ValueError(f"Type-I DCT requires the dimension to be greater than one. "
                             f"Got {m}.")
    if norm not in (None, "ortho"):
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")


def _last_dim(x):
    return x.shape.as_list()[-1] if x.shape.ndims else None


def _fit_last(x, n):
    """x truncated or zero-padded on its last axis to n points."""
    from flowgraph.ops import manip_ops
    m = _last_dim(x)
    if m is None:
        raise ValueError("dct with `n` needs a known last dimension")
    if m > n:
        return x[..., :n]
    if m < n:
        return manip_ops.pad(x, [[0, 0]] * (x.shape.ndims - 1) + [[0, n - m]])
    return x


def _phase(size, sign, ctype):
    """exp(sign * i * pi * k / (2 size)) for k < size, a constant of `ctype`."""
    k = np.arange(size)
    return convert_to_tensor(np.exp(sign * 1j * np.pi * k / (2 * size)).astype(
        ctype.as_numpy_dtype))


def _dct2(x, N, norm):
    from flowgraph.ops.complex_ops import real
    ctype = _COMPLEX_OF[x.dtype.base_dtype]
    spec = rfft(x, [2 * N])[..., :N]
    y = real(spec * (2 * _phase(N, -1, ctype)))
    if norm == "ortho":
        w = np.full([N], math.sqrt(1.0 / (2 * N)))
        w[0] = math.sqrt(1.0 / (4 * N))
        y = y * convert_to_tensor(w.astype(x.dtype.as_numpy_dtype))
    return y


def _dct(x, type, N, norm):
    from flowgraph.ops import manip_ops, join_ops
    from flowgraph.ops.complex_ops import complex, real
    dt = x.dtype.base_dtype
    if type == 1:
        mirrored = join_ops.concat([x, manip_ops.reverse(x[..., 1:-1], [-1])], -1)
        return real(rfft(mirrored))
    if type == 2:
        return _dct2(x, N, norm)
    if type == 3:
        w = np.full([N], math.sqrt(1.0 / (2 * N)) if norm == "ortho" else 1.0)
        w[0] = math.sqrt(1.0 / N) if norm == "ortho" else 1.0
        xw = x * convert_to_tensor((w * 2.0 * N).astype(dt.as_numpy_dtype))
        z = complex(xw, xw * convert_to_tensor(0, dtype=dt)) * _phase(N, 1, _COMPLEX_OF[dt])
        return irfft(z, [2 * N])[..., :N]
    # Type IV: the odd-indexed outputs of a type-II DCT of twice the length.
    y = _dct2(manip_ops.pad(x, [[0, 0]] * (x.shape.ndims - 1) + [[0, N]]), 2 * N, None)
    y = y[..., 1::2]
    if norm == "ortho":
        y = y * convert_to_tensor(math.sqrt(1.0 / (2 * N)), dtype=dt)
    return y


def dct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002 (TF's names)
    """The type I-IV discrete cosine transform of the last axis of a float32/float64 tensor
    (as scipy.fft.dct); `norm='ortho'` makes types II-IV orthonormal."""
    with name_scope(name, "dct", [input]):
        x = convert_to_tensor(input, name="input")
        if x.dtype.base_dtype not in _REAL:
            raise TypeError(f"dct requires float32 or float64 inputs, got {x.dtype.name}")
        _check_dct(x, type, n, axis, norm)
        if n is not None:
            x = _fit_last(x, n)
        N = _last_dim(x)
        if N is None:
            raise ValueError("dct needs a known size of the last dimension")
        return _dct(x, type, N, norm)


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002
    """The inverse DCT: types II and III are each other's inverse, I and IV their own (up to
    a factor 2N, or exactly with `norm='ortho'`)."""
    _check_dct(convert_to_tensor(input), type, n, axis, norm)
    inverse_type = {1: 1, 2: 3, 3: 2, 4: 4}[type]
    return dct(input, type=inverse_type, n=n, axis=axis, norm=norm, name=name)


# -- shifting the zero frequency to the centre ---------------------------------------------
def _shift(x, axes, sign, name, default):
    from flowgraph.ops import array_ops, extra_array_ops
    with name_scope(name, default, [x]):
        x = convert_to_tensor(x, name="x")
        if axes is None:
            if x.shape.ndims is None:
                raise ValueError(f"{default} with axes=None needs a known rank")
            axes = tuple(range(x.shape.ndims))
        one = isinstance(axes, int)
        ax = [axes] if one else list(axes)
        dims = [x.shape.as_list()[a] if x.shape.ndims is not None else None for a in ax]
        if all(d is not None for d in dims):
            shift = [sign * (d // 2) for d in dims]
        else:
            shift = sign * (array_ops.gather(array_ops.shape(x), ax) // 2)
        return extra_array_ops.roll(x, shift[0] if one and isinstance(shift, list) else shift,
                                    axes)


def fftshift(x, axes=None, name=None):
    """Rolls the zero-frequency term of a spectrum to the centre of `axes` (all axes by
    default), as numpy.fft.fftshift."""
    return _shift(x, axes, 1, name, "fftshift")


def ifftshift(x, axes=None, name=None):
    """The inverse of `fftshift`."""
    return _shift(x, axes, -1, name, "ifftshift")
