"""CRC-32C (Castagnoli) and TF's masked form, as used by checkpoints and event files.

Uses the `crc32c` or `google-crc32c` package when one is installed. Otherwise a numpy
version: the data is cut into equal chunks whose CRCs are computed side by side (one numpy
lane per chunk), then chained with a precomputed "skip n zero bytes" operator."""
import functools

import numpy as np

_POLY = 0x82F63B78  # reflected Castagnoli polynomial
_MASK_DELTA = 0xA282EAD8
_M32 = 0xFFFFFFFF


def _make_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        t.append(c)
    return t


_TABLE = _make_table()
_NP_TABLE = np.array(_TABLE, dtype=np.uint32)


def _raw_py(reg, data):
    """The CRC register after feeding `data`, starting from `reg` (no pre/post xor)."""
    t = _TABLE
    for b in data:
        reg = t[(reg ^ b) & 0xFF] ^ (reg >> 8)
    return reg


# -- skipping zero bytes: a linear map on the 32-bit register, as 32 column images -------
def _apply(cols, v):
    out = 0
    i = 0
    while v:
        if v & 1:
            out ^= cols[i]
        v >>= 1
        i += 1
    return out


def _compose(a, b):
    """The map `a(b(x))`."""
    return [_apply(a, c) for c in b]


@functools.lru_cache(maxsize=32)
def _zeros_tables(n):
    """Four 256-entry tables giving the register after `n` zero bytes, one per input byte."""
    one = [_raw_py(1 << i, b"\0") for i in range(32)]
    result = [1 << i for i in range(32)]  # identity
    power = one
    while n:
        if n & 1:
            result = _compose(power, result)
        n >>= 1
        if n:
            power = _compose(power, power)
    return [[_apply(result, b << (8 * k)) for b in range(256)] for k in range(4)]


def _raw(reg, buf):
    """The register after `buf`: bytewise for short data, else lanes of numpy."""
    n = len(buf)
    if n < 1024:
        return _raw_py(reg, buf)
    # Cost ~ width numpy steps + one Python combine per lane: balance the two. Widths
    # are powers of two so the "skip width zero bytes" tables are reused.
    width = 1 << max(4, min(16, int(np.log2(np.sqrt(n / 5.0)) + 0.5)))
    lanes = n // width
    head = lanes * width
    cols = np.frombuffer(buf, dtype=np.uint8, count=head).reshape(lanes, width).T.copy()
    regs = np.zeros(lanes, dtype=np.uint32)
    table = _NP_TABLE
    for row in cols:
        regs = table[(regs ^ row) & 0xFF] ^ (regs >> 8)
    z0, z1, z2, z3 = _zeros_tables(width)
    for r in regs.tolist():
        reg = (z0[reg & 0xFF] ^ z1[(reg >> 8) & 0xFF] ^ z2[(reg >> 16) & 0xFF]
               ^ z3[reg >> 24] ^ r)
    return _raw(reg, buf[head:])


def _extend_fallback(crc, data):
    buf = memoryview(data).cast("B")
    return _raw(crc ^ _M32, buf) ^ _M32


def _pick():
    try:
        import crc32c as _c
        if hasattr(_c, "crc32c"):
            return lambda crc, data: _c.crc32c(data, crc)
    except ImportError:
        pass
    try:
        import google_crc32c as _g
        if getattr(_g, "implementation", "") == "c":
            return lambda crc, data: _g.extend(crc, bytes(data))
    except ImportError:
        pass
    return _extend_fallback


_extend = _pick()


def extend(crc, data):
    """The CRC-32C of (the data whose CRC is `crc`) followed by `data`."""
    if not len(data):
        return crc
    return _extend(crc, data)


def value(data):
    """CRC-32C of `data` (bytes-like). value(b"123456789") == 0xE3069283."""
    return extend(0, data)


def mask(crc):
    """TF's masked CRC: rotate right by 15 bits, then add a constant."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & _M32


def unmask(masked):
    r = (masked - _MASK_DELTA) & _M32
    return ((r >> 17) | (r << 15)) & _M32
