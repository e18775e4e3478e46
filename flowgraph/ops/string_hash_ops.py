"""Hashing strings into buckets as TF does, so bucket numbers agree with TF's exactly:
`StringToHashBucketFast` (FarmHash Fingerprint64), `StringToHashBucketStrong` (SipHash-2-4
keyed by two uint64) and the legacy `StringToHashBucket` (TF's Hash64, a 64-bit
MurmurHash2 with seed 0xDECAFCAFFE). Each is `hash % num_buckets` of the unsigned hash."""
import struct

import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.fingerprint_ops import fingerprint64
from flowgraph.ops.string_ops import _map

__all__ = ["string_to_hash_bucket_fast", "string_to_hash_bucket_strong",
           "string_to_hash_bucket"]
__namespaces__ = {"strings": ["to_hash_bucket_fast=string_to_hash_bucket_fast",
                              "to_hash_bucket_strong=string_to_hash_bucket_strong",
                              "to_hash_bucket=string_to_hash_bucket"]}
_M = (1 << 64) - 1


def _rotl(v, r):
    return ((v << r) | (v >> (64 - r))) & _M


def siphash24(k0, k1, data):
    """SipHash-2-4 of `data` under the key (k0, k1): a 64-bit int."""
    v0, v1 = k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d
    v2, v3 = k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573

    def rounds(v0, v1, v2, v3, n):
        for _ in range(n):
            v0 = (v0 + v1) & _M
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)
        return v0, v1, v2, v3
    n = len(data)
    tail = data[n - n % 8:] + b"\0" * (7 - n % 8) + bytes([n & 0xFF])
    blocks = data[:n - n % 8] + tail
    for (m,) in struct.iter_unpack("<Q", blocks):
        v3 ^= m
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


def hash64(data, seed=0xDECAFCAFFE):
    """TF's legacy `Hash64`: MurmurHash64A of `data` with `seed`."""
    m, r = 0xc6a4a7935bd1e995, 47
    n = len(data)
    h = (seed ^ (n * m)) & _M
    body = n - n % 8
    for (k,) in struct.iter_unpack("<Q", data[:body]):
        k = (k * m) & _M
        k ^= k >> r
        k = (k * m) & _M
        h ^= k
        h = (h * m) & _M
    rest = data[body:]
    if rest:
        for i in range(len(rest) - 1, -1, -1):
            h ^= rest[i] << (8 * i)
        h = (h * m) & _M
    h ^= h >> r
    h = (h * m) & _M
    h ^= h >> r
    return h


def _shape(op):
    return op.inputs[0].shape


def _check_buckets(num_buckets):
    if num_buckets < 1:
        raise errors.InvalidArgumentError(None, None, f"num_buckets must be >= 1, got "
                                                      f"{num_buckets}")


@defop("StringToHashBucketFast", inputs=("input: string",), outputs=("output: int64",),
       attrs={"num_buckets": None})
class StringToHashBucketFast:
    """Fingerprint64 (FarmHash) of each string modulo `num_buckets`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _shape

    def kernel(xp, input, num_buckets):
        return _map(lambda s: fingerprint64(s) % num_buckets, input, np.int64)


@defop("StringToHashBucketStrong", inputs=("input: string",), outputs=("output: int64",),
       attrs={"num_buckets": None, "key": None})
class StringToHashBucketStrong:
    """SipHash-2-4 of each string under the two-int `key`, modulo `num_buckets`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _shape

    def kernel(xp, input, num_buckets, key):
        k0, k1 = (int(k) & _M for k in key)
        return _map(lambda s: siphash24(k0, k1, s) % num_buckets, input, np.int64)


@defop("StringToHashBucket", inputs=("string_tensor: string",), outputs=("output: int64",),
       attrs={"num_buckets": None})
class StringToHashBucket:
    """TF's legacy Hash64 of each string modulo `num_buckets` (prefer the fast one)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _shape

    def kernel(xp, string_tensor, num_buckets):
        return _map(lambda s: hash64(s) % num_buckets, string_tensor, np.int64)


def _input(x, name):
    return convert_to_tensor(x, dtype=dtypes.string, name=name)


def string_to_hash_bucket_fast(input, num_buckets, name=None):
    """Each string of `input` hashed (FarmHash Fingerprint64) into `num_buckets`."""
    _check_buckets(num_buckets)
    return apply_op("StringToHashBucketFast", [_input(input, "input")],
                    {"num_buckets": int(num_buckets)}, name=name)


def string_to_hash_bucket_strong(input, num_buckets, key, name=None):
    """Each string of `input` hashed (SipHash-2-4 under the two-int `key`) into
    `num_buckets`."""
    _check_buckets(num_buckets)
    key = [int(k) for k in key]
    if len(key) != 2:
        raise errors.InvalidArgumentError(None, None, f"Key must have 2 elements, got "
                                                      f"{len(key)}")
    return apply_op("StringToHashBucketStrong", [_input(input, "input")],
                    {"num_buckets": int(num_buckets), "key": key}, name=name)


def string_to_hash_bucket(string_tensor=None, num_buckets=None, name=None, input=None):
    """Each string hashed (TF's legacy Hash64) into `num_buckets`."""
    if string_tensor is None:
        string_tensor = input
    _check_buckets(num_buckets)
    return apply_op("StringToHashBucket", [_input(string_tensor, "string_tensor")],
                    {"num_buckets": int(num_buckets)}, name=name)
