"""DType: TF's data types, their enum values, and conversion to and from numpy."""
import numpy as np


class DType:
    """A TensorFlow element type, e.g. `tf.float32` or the ref type `tf.float32_ref`."""

    __slots__ = ("_enum", "_name", "_np")

    def __init__(self, enum, name, np_type):
        self._enum, self._name, self._np = enum, name, np_type

    name = property(lambda self: self._name)
    as_datatype_enum = property(lambda self: self._enum)
    is_ref_dtype = property(lambda self: self._enum > 100)

    @property
    def base_dtype(self):
        return _BY_ENUM[self._enum - 100] if self._enum > 100 else self

    @property
    def real_dtype(self):
        b = self.base_dtype
        return {complex64: float32, complex128: float64}.get(b, b)

    @property
    def _as_ref(self):
        return self if self._enum > 100 else _BY_ENUM[self._enum + 100]

    @property
    def as_numpy_dtype(self):
        return self.base_dtype._np

    @property
    def is_floating(self):
        return self.base_dtype in (float16, float32, float64, bfloat16)

    @property
    def is_integer(self):
        return self.base_dtype in (int8, int16, int32, int64, uint8, uint16, uint32, uint64)

    @property
    def is_unsigned(self):
        return self.base_dtype in (uint8, uint16, uint32, uint64)

    @property
    def is_complex(self):
        return self.base_dtype in (complex64, complex128)

    @property
    def is_bool(self):
        return self.base_dtype is bool

    @property
    def is_quantized(self):
        return self.base_dtype in QUANTIZED_DTYPES

    @property
    def is_numpy_compatible(self):
        return self.base_dtype._np is not None

    @property
    def size(self):
        return np.dtype(self._np).itemsize if self._np not in (None, object) else 1

    @property
    def min(self):
        t = self.as_numpy_dtype
        return np.finfo(t).min if self.is_floating else np.iinfo(t).min

    @property
    def max(self):
        t = self.as_numpy_dtype
        return np.finfo(t).max if self.is_floating else np.iinfo(t).max

    @property
    def limits(self):
        return self.min, self.max

    def is_compatible_with(self, other):
        other = as_dtype(other)
        return self._enum == other._enum or self._enum == other.base_dtype._enum

    def __eq__(self, other):
        if other is None:
            return False
        if not isinstance(other, DType):
            try:
                other = as_dtype(other)
            except TypeError:
                return False
        return self._enum == other._enum

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return self._enum

    def __repr__(self):
        return f"tf.{self._name}"

    def __str__(self):
        return f"<dtype: {self._name!r}>"

    def __reduce__(self):
        return as_dtype, (self._name,)


def type_string(dtype):
    """The name TF's runtime messages give a dtype: `float` for float32, `double`, ..."""
    name = as_dtype(dtype).base_dtype.name
    return _CPP_NAMES.get(name, name)


_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


_SPECS = [  # enum, name, numpy type
    (1, "float32", np.float32), (2, "float64", np.float64), (3, "int32", np.int32),
    (4, "uint8", np.uint8), (5, "int16", np.int16), (6, "int8", np.int8),
    (7, "string", object), (8, "complex64", np.complex64), (9, "int64", np.int64),
    (10, "bool", np.bool_), (14, "bfloat16", None), (17, "uint16", np.uint16),
    (18, "complex128", np.complex128), (19, "float16", np.float16),
    (20, "resource", object), (21, "variant", object), (22, "uint32", np.uint32),
    (23, "uint64", np.uint64),
]
_BY_ENUM = {}
_BY_NAME = {}
for _e, _n, _t in _SPECS:
    for _d in (DType(_e, _n, _t), DType(_e + 100, _n + "_ref", _t)):
        _BY_ENUM[_d.as_datatype_enum] = _d
        _BY_NAME[_d.name] = _d
_BY_NAME.update(half=_BY_NAME["float16"], float=_BY_NAME["float32"],
                double=_BY_NAME["float64"])

globals().update({n: d for n, d in _BY_NAME.items()})
float16 = _BY_NAME["float16"]; float32 = _BY_NAME["float32"]; float64 = _BY_NAME["float64"]
half = float16; double = float64
bfloat16 = _BY_NAME["bfloat16"]
int8 = _BY_NAME["int8"]; int16 = _BY_NAME["int16"]; int32 = _BY_NAME["int32"]
int64 = _BY_NAME["int64"]; uint8 = _BY_NAME["uint8"]; uint16 = _BY_NAME["uint16"]
uint32 = _BY_NAME["uint32"]; uint64 = _BY_NAME["uint64"]
bool = _BY_NAME["bool"]  # noqa: A001  (TF's name)
string = _BY_NAME["string"]
complex64 = _BY_NAME["complex64"]; complex128 = _BY_NAME["complex128"]
resource = _BY_NAME["resource"]; variant = _BY_NAME["variant"]

_BY_NP = {np.dtype(t): _BY_ENUM[e] for e, _, t in _SPECS if t not in (None, object)}

# Quantized types: like TF, their numpy type is a one-field structured dtype, so they
# never collide with the plain integer types (no kernels compute on them yet).
_QUANTIZED_SPECS = [(11, "qint8", np.int8), (12, "quint8", np.uint8), (13, "qint32", np.int32),
                    (15, "qint16", np.int16), (16, "quint16", np.uint16)]
for _e, _n, _t in _QUANTIZED_SPECS:
    _np_q = np.dtype([(_n, _t)])
    for _d in (DType(_e, _n, _np_q), DType(_e + 100, _n + "_ref", _np_q)):
        _BY_ENUM[_d.as_datatype_enum] = _d
        _BY_NAME[_d.name] = _d
        globals()[_d.name] = _d
    _BY_NP[_np_q] = _BY_ENUM[_e]
qint8 = _BY_NAME["qint8"]; quint8 = _BY_NAME["quint8"]; qint16 = _BY_NAME["qint16"]
quint16 = _BY_NAME["quint16"]; qint32 = _BY_NAME["qint32"]


def as_dtype(type_value):
    """Converts a DType, name, enum, numpy dtype or Python type to a `DType`."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        if type_value in _BY_NAME:
            return _BY_NAME[type_value]
    elif isinstance(type_value, int) and not isinstance(type_value, type(True)):
        if type_value in _BY_ENUM:
            return _BY_ENUM[type_value]
    elif type_value in (str, bytes):
        return string
    try:
        npd = np.dtype(type_value)
    except TypeError:
        npd = None
    if npd is not None:
        if npd in _BY_NP:
            return _BY_NP[npd]
        if npd.kind in "OUS":
            return string
    raise TypeError(f"Cannot convert value {type_value!r} to a TensorFlow DType.")


QUANTIZED_DTYPES = frozenset(_BY_NAME[n + r] for _, n, _ in _QUANTIZED_SPECS
                              for r in ("", "_ref"))
