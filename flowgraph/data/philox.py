"""Philox4x32-10, the counter-based generator TF's dataset shuffles draw from, so that
`Dataset.shuffle` gives TF's element orders for the same seeds. Blocks of counters are
computed at once with numpy (uint64 products of 32-bit words)."""
import numpy as np

_M32 = np.uint64(0xFFFFFFFF)
_MUL = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
_WEYL = (0x9E3779B9, 0xBB67AE85)
_BLOCKS = 64  # counters per numpy batch (256 numbers)


class Philox:
    """uint32 draws of Philox4x32-10 keyed by `seed` with `seed2` in the counter's high
    words, four per counter value, counters counted up from zero."""

    def __init__(self, seed, seed2):
        seed, seed2 = int(seed) % 2 ** 64, int(seed2) % 2 ** 64
        self._key = (seed & 0xFFFFFFFF, seed >> 32)
        self._counter = seed2 << 64  # a 128-bit integer: words 2 and 3 hold seed2
        self._out, self._pos = [], 0

    def _refill(self):
        base = self._counter
        self._counter = (base + _BLOCKS) % 2 ** 128
        n = np.arange(_BLOCKS, dtype=np.uint64)
        words = []
        carry = n
        for w in range(4):
            v = np.uint64((base >> (32 * w)) & 0xFFFFFFFF) + carry
            words.append(v & _M32)
            carry = v >> np.uint64(32)
        c0, c1, c2, c3 = words
        k0, k1 = self._key
        for _ in range(10):
            p0, p1 = _MUL[0] * c0, _MUL[1] * c2
            c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ np.uint64(k0), p1 & _M32,
                              (p0 >> np.uint64(32)) ^ c3 ^ np.uint64(k1), p0 & _M32)
            k0, k1 = (k0 + _WEYL[0]) & 0xFFFFFFFF, (k1 + _WEYL[1]) & 0xFFFFFFFF
        self._out = np.stack([c0, c1, c2, c3], axis=1).reshape(-1).tolist()
        self._pos = 0

    def __call__(self):
        if self._pos == len(self._out):
            self._refill()
        v = self._out[self._pos]
        self._pos += 1
        return v

    def stream(self):
        """The draws as an iterator (`next` on it is cheaper than a call)."""
        while True:
            if self._pos == len(self._out):
                self._refill()
            out, self._pos = self._out[self._pos:], len(self._out)
            yield from out
