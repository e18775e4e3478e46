"""Candidate samplers (TF's `*_candidate_sampler`) and `compute_accidental_hits`.

A sampler draws `num_sampled` classes from [0, range_max) under its base distribution P and
reports expected counts: `p * num_sampled` when drawing with replacement, and with
`unique=True` (rejection of repeats) `1 - (1 - p) ** num_tries`, `num_tries` being how many
draws it took to find `num_sampled` distinct classes. Draws come from the op's generator in
the run context (seeded by `seed`/`seed2`, see `framework/random_seed.py`), so the values
differ from TF's while their distribution and the expected counts agree.
"""
import collections
import os

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.random_seed import seed_attrs
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = []

_SAMPLERS = ["uniform_candidate_sampler", "log_uniform_candidate_sampler",
             "learned_unigram_candidate_sampler", "fixed_unigram_candidate_sampler",
             "all_candidate_sampler"]
__namespaces__ = {
    "random": list(_SAMPLERS),
    "nn": _SAMPLERS + ["compute_accidental_hits"],
}

_FLT_MAX = float(np.finfo(np.float32).max)
_INT32_MAX = 2 ** 31 - 1

SamplerOutput = collections.namedtuple(
    "CandidateSamplerOutput",
    ["sampled_candidates", "true_expected_count", "sampled_expected_count"])
AccidentalHits = collections.namedtuple("ComputeAccidentalHits", ["indices", "ids", "weights"])


def _bad(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _host(ctx, x):
    return np.asarray(x) if ctx.xp is np else ctx.xp.asnumpy(x)


def _dev(ctx, arrs):
    return tuple(a if ctx.xp is np else ctx.xp.asarray(a) for a in arrs)


# -- shared pieces ---------------------------------------------------------------------------
def _rank(shape, n):
    if shape.ndims is not None and shape.ndims != n:
        raise ValueError(f"Shape must be rank {n} but is rank {shape.ndims}")
    return shape if shape.ndims is not None else tensor_shape.TensorShape([None] * n)


def _sampler_shape(op):
    """[num_sampled], [batch, num_true], [num_sampled]."""
    s = _rank(op.inputs[0].shape, 2)
    n, k = op.get_attr("num_sampled"), op.get_attr("num_true")
    return [tensor_shape.TensorShape([n]), tensor_shape.TensorShape([s[0].value, k]),
            tensor_shape.TensorShape([n])]


def _true_classes(ctx, true_classes, num_true, range_max=None):
    tc = _host(ctx, true_classes).astype(np.int64, copy=False)
    if tc.ndim != 2:
        raise _bad("true_classes must be a matrix")
    if tc.shape[1] != num_true:
        raise _bad(f"true_classes must have num_true columns, expected: {num_true} was: "
                   f"{tc.shape[1]}")
    if range_max is not None and tc.size:
        out = (tc < 0) | (tc >= range_max)
        if out.any():
            v = int(tc.reshape(-1)[np.argmax(out.reshape(-1))])
            raise _bad(f"`true_candidate` out of range [0, {range_max}), received {v}")
    return tc


def _expected(p, batch, tries):
    """TF's expected count of a class of probability `p` (float32 arithmetic)."""
    p = np.asarray(p, np.float32)
    if tries == batch:
        return (p * np.float32(batch)).astype(np.float32)
    return (-np.expm1(np.float32(tries) * np.log1p(-p))).astype(np.float32)


def _draw_unique(draw, n):
    """The first `n` distinct values of a stream of draws, and how many draws that took."""
    buf = np.zeros(0, np.int64)
    chunk = max(2 * n, 16)
    while True:
        buf = np.concatenate([buf, draw(chunk)])
        _, first = np.unique(buf, return_index=True)
        if len(first) >= n:
            picks = np.sort(first)[:n]
            return buf[picks], int(picks[-1]) + 1
        chunk = min(2 * chunk, 1 << 22)


def _sample(ctx, op_name, seed, seed2, true_classes, num_true, num_sampled, unique,
            range_max, draw, prob, support=None):
    """The three outputs of a range sampler with draws `draw(rng, k)` and probabilities
    `prob(values)`; `support` is how many classes can be drawn at all."""
    if unique and num_sampled > range_max:
        raise _bad("Sampler's range is too small.")
    tc = _true_classes(ctx, true_classes, num_true, range_max)
    if unique and support is not None and num_sampled > support:
        raise _bad(f"Cannot draw {num_sampled} distinct classes from a distribution with "
                   f"{support} classes of nonzero probability")
    rng = ctx.rng(op_name, seed, seed2)
    if unique:
        sampled, tries = _draw_unique(lambda k: draw(rng, k), num_sampled)
    else:
        sampled, tries = draw(rng, num_sampled), num_sampled
    sampled = sampled.astype(np.int64, copy=False)
    return sampled, _expected(prob(tc), num_sampled, tries), \
        _expected(prob(sampled), num_sampled, tries)


def _weighted_draw(weights):
    cdf = np.cumsum(np.asarray(weights, np.float64))
    total, last = cdf[-1], len(cdf) - 1

    def draw(rng, k):
        return np.minimum(np.searchsorted(cdf, rng.random(k) * total, side="right"), last)
    return draw


# -- the sampler ops -------------------------------------------------------------------------
@defop("UniformCandidateSampler", inputs=("true_classes: int64",),
       outputs=("sampled_candidates: int64", "true_expected_count: float32",
                "sampled_expected_count: float32"),
       attrs={"num_true": None, "num_sampled": None, "unique": None, "range_max": None,
              "seed": 0, "seed2": 0}, stateful=True)
class UniformCandidateSampler:
    """Classes drawn uniformly from [0, range_max), with their expected counts."""
    shape = _sampler_shape

    def kernel(ctx, true_classes, num_true, num_sampled, unique, range_max, seed, seed2,
               op_name):
        p = np.float32(1.0 / range_max)
        return _dev(ctx, _sample(
            ctx, op_name, seed, seed2, true_classes, num_true, num_sampled, unique,
            range_max, lambda rng, k: rng.integers(0, range_max, size=k, dtype=np.int64),
            lambda v: np.full(np.shape(v), p, np.float32)))
    grad = NOT_DIFFERENTIABLE


@defop("LogUniformCandidateSampler", inputs=("true_classes: int64",),
       outputs=("sampled_candidates: int64", "true_expected_count: float32",
                "sampled_expected_count: float32"),
       attrs={"num_true": None, "num_sampled": None, "unique": None, "range_max": None,
              "seed": 0, "seed2": 0}, stateful=True)
class LogUniformCandidateSampler:
    """Classes drawn from the log-uniform (Zipfian) distribution on [0, range_max):
    P(c) = log((c + 2) / (c + 1)) / log(range_max + 1)."""
    shape = _sampler_shape

    def kernel(ctx, true_classes, num_true, num_sampled, unique, range_max, seed, seed2,
               op_name):
        log_range = np.log1p(float(range_max))

        def draw(rng, k):
            v = np.floor(np.exp(rng.random(k) * log_range)).astype(np.int64) - 1
            return v % range_max

        def prob(v):
            v = np.asarray(v, np.float64)
            return (np.log((v + 2.0) / (v + 1.0)) / log_range).astype(np.float32)
        return _dev(ctx, _sample(ctx, op_name, seed, seed2, true_classes, num_true,
                                 num_sampled, unique, range_max, draw, prob))
    grad = NOT_DIFFERENTIABLE


def _learned_unigram(ctx, true_classes, num_true, num_sampled, unique, range_max, seed,
                     seed2, op_name):
    key = (op_name, "unigram_weights")  # per-session state, kept beside the generator
    w = ctx.rngs.get(key)
    if w is None or len(w) != range_max:
        w = ctx.rngs[key] = np.ones(range_max, np.int64)
    total = np.float32(w.sum())

    def prob(v):
        return w[np.asarray(v, np.int64)].astype(np.float32) / total
    out = _sample(ctx, op_name, seed, seed2, true_classes, num_true, num_sampled, unique,
                  range_max, _weighted_draw(w), prob)
    seen = _host(ctx, true_classes).reshape(-1).astype(np.int64)
    seen = seen[:max(0, min(len(seen), _INT32_MAX - int(w.sum())))]
    np.add.at(w, seen, 1)
    return _dev(ctx, out)


_LEARNED_DOC = """Classes drawn from a unigram distribution learned from the true classes seen so
    far in this session: every class starts at weight 1 and gains 1 per occurrence (counted
    after the op's draw)."""


@defop("LearnedUnigramCandidateSampler", inputs=("true_classes: int64",),
       outputs=("sampled_candidates: int64", "true_expected_count: float32",
                "sampled_expected_count: float32"),
       attrs={"num_true": None, "num_sampled": None, "unique": None, "range_max": None,
              "seed": 0, "seed2": 0}, stateful=True)
class LearnedUnigramCandidateSampler:
    __doc__ = _LEARNED_DOC
    shape = _sampler_shape
    kernel = _learned_unigram
    grad = NOT_DIFFERENTIABLE


@defop("ThreadUnsafeUnigramCandidateSampler", inputs=("true_classes: int64",),
       outputs=("sampled_candidates: int64", "true_expected_count: float32",
                "sampled_expected_count: float32"),
       attrs={"num_true": None, "num_sampled": None, "unique": None, "range_max": None,
              "seed": 0, "seed2": 0}, stateful=True)
class ThreadUnsafeUnigramCandidateSampler:
    __doc__ = _LEARNED_DOC + " (TF's raw op without a lock; the same sampler here.)"
    shape = _sampler_shape
    kernel = _learned_unigram
    grad = NOT_DIFFERENTIABLE


def _read_vocab(path):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    out = []
    for line in lines:
        if not line.strip():
            continue
        field = line.split(",")[-1].strip()
        try:
            if "_" in field:
                raise ValueError(field)
            out.append(float(field))
        except ValueError:
            raise _bad(f"Wrong vocabulary format at line: {line}") from None
    return out


def _fixed_weights(unigrams, distortion, num_reserved_ids, num_shards, shard):
    """This shard's weights: its reserved ids at 0, then the unigrams raised to
    `distortion`. As TF, the unigram ids continue from the number of weights so far."""
    w = [0.0] * sum(1 for i in range(num_reserved_ids) if i % num_shards == shard)
    word_id = len(w)
    for u in unigrams:
        if word_id % num_shards == shard:
            w.append(float(np.float32(u)) ** distortion)
        word_id += 1
    return np.asarray(w, np.float32)


@defop("FixedUnigramCandidateSampler", inputs=("true_classes: int64",),
       outputs=("sampled_candidates: int64", "true_expected_count: float32",
                "sampled_expected_count: float32"),
       attrs={"num_true": None, "num_sampled": None, "unique": None, "range_max": None,
              "vocab_file": "", "distortion": 1.0, "num_reserved_ids": 0, "num_shards": 1,
              "shard": 0, "unigrams": [], "seed": 0, "seed2": 0}, stateful=True)
class FixedUnigramCandidateSampler:
    """Classes drawn from a fixed unigram distribution (`unigrams`, or the last field of
    each line of `vocab_file`) raised to `distortion`, with reserved ids of weight 0 and
    optional sharding of the ids."""
    shape = _sampler_shape

    def kernel(ctx, true_classes, num_true, num_sampled, unique, range_max, vocab_file,
               distortion, num_reserved_ids, num_shards, shard, unigrams, seed, seed2,
               op_name):
        key = (op_name, "fixed_unigram_weights")  # built once per session, as TF's kernel
        if key not in ctx.rngs:
            if bool(vocab_file) == bool(len(unigrams)):
                raise _bad("Must only provide one of vocab_file and unigrams." if vocab_file
                           else "Must provide either vocab_file or unigrams.")
            counts = _read_vocab(vocab_file) if vocab_file else unigrams
            w = _fixed_weights(counts, distortion, num_reserved_ids, num_shards, shard)
            if len(w) != range_max:
                raise _bad(f"range is {range_max} must be equal to weights size  {len(w)}")
            ctx.rngs[key] = (w, float(w.astype(np.float64).sum()), _weighted_draw(w),
                             int(np.count_nonzero(w)))
        w, total, draw, support = ctx.rngs[key]

        def prob(v):
            v = np.asarray(v, np.int64)
            return (w[np.clip(v, 0, len(w) - 1)] / total).astype(np.float32)
        return _dev(ctx, _sample(ctx, op_name, seed, seed2, true_classes, num_true,
                                 num_sampled, unique, range_max, draw, prob, support))
    grad = NOT_DIFFERENTIABLE


@defop("AllCandidateSampler", inputs=("true_classes: int64",),
       outputs=("sampled_candidates: int64", "true_expected_count: float32",
                "sampled_expected_count: float32"),
       attrs={"num_true": None, "num_sampled": None, "unique": None, "seed": 0, "seed2": 0},
       stateful=True)
class AllCandidateSampler:
    """Every class of [0, num_sampled), each with expected count 1 (for testing)."""
    shape = _sampler_shape

    def kernel(ctx, true_classes, num_true, num_sampled, unique, seed, seed2):
        tc = _true_classes(ctx, true_classes, num_true, num_sampled)
        return _dev(ctx, (np.arange(num_sampled, dtype=np.int64),
                          np.ones(tc.shape, np.float32), np.ones(num_sampled, np.float32)))
    grad = NOT_DIFFERENTIABLE


@defop("ComputeAccidentalHits", inputs=("true_classes: int64", "sampled_candidates: int64"),
       outputs=("indices: int32", "ids: int64", "weights: float32"),
       attrs={"num_true": None, "seed": 0, "seed2": 0})
class ComputeAccidentalHits:
    """For each true class found among `sampled_candidates`: its row, the (last) position
    where it was sampled, and the weight -FLT_MAX, in row-major order."""

    def shape(op):
        s = _rank(op.inputs[0].shape, 2)
        _rank(op.inputs[1].shape, 1)
        k = op.get_attr("num_true")
        if s[1].value is not None and s[1].value != k:
            raise ValueError(f"Dimension must be {k} but is {s[1].value}")
        return [tensor_shape.TensorShape([None])] * 3

    def kernel(xp, true_classes, sampled_candidates, num_true):
        tc = np.asarray(true_classes if xp is np else xp.asnumpy(true_classes))
        sc = np.asarray(sampled_candidates if xp is np else xp.asnumpy(sampled_candidates))
        if tc.ndim != 2 or tc.shape[1] != num_true:
            raise _bad("true_candidates must be a batch_size * num_true matrix")
        if sc.ndim != 1:
            raise _bad("sampled_candidates must be a vector")
        vals, rev = np.unique(sc[::-1], return_index=True)
        last = len(sc) - 1 - rev
        flat = tc.reshape(-1)
        pos = np.minimum(np.searchsorted(vals, flat), max(len(vals) - 1, 0))
        hit = (vals[pos] == flat) if len(vals) else np.zeros(flat.shape, bool)
        where = np.nonzero(hit)[0]
        out = ((where // max(num_true, 1)).astype(np.int32), last[pos[where]].astype(np.int64),
               np.full(len(where), -_FLT_MAX, np.float32))
        return out if xp is np else tuple(xp.asarray(a) for a in out)
    grad = NOT_DIFFERENTIABLE


# -- public builders -------------------------------------------------------------------------
def _check_min(op_type, attrs, minimums):
    for k, lo in minimums.items():
        if attrs[k] < lo:
            raise ValueError(f"Attr '{k}' of '{op_type}' Op passed {attrs[k]} less than "
                             f"minimum {lo}.")


def _int64_input(value, op_type, arg):
    """`value` as an int64 tensor; a tensor of another type is TF's TypeError."""
    if not isinstance(value, Tensor) and hasattr(value, "dtype") and \
            hasattr(value, "_as_graph_element"):
        value = convert_to_tensor(value)
    if isinstance(value, Tensor) and value.dtype.base_dtype != dtypes.int64:
        raise TypeError(f"Input '{arg}' of '{op_type}' Op has type {value.dtype.name} that "
                        "does not match expected type of int64.")
    return convert_to_tensor(value, dtype=dtypes.int64, name=arg)


_MINIMUMS = {"num_true": 1, "num_sampled": 1, "range_max": 1, "num_shards": 1, "shard": 0}


def _sampler(op_type, true_classes, num_true, num_sampled, unique, seed, name, **extra):
    attrs = {"num_true": int(num_true), "num_sampled": int(num_sampled),
             "unique": bool(unique), **extra}
    _check_min(op_type, attrs, {k: v for k, v in _MINIMUMS.items() if k in attrs})
    attrs.update(seed_attrs(seed))
    t = _int64_input(true_classes, op_type, "true_classes")
    return SamplerOutput(*apply_op(op_type, [t], attrs, name=name))


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                              seed=None, name=None):
    """Samples `num_sampled` classes uniformly from [0, range_max) (distinct if `unique`).
    Returns (sampled_candidates, true_expected_count, sampled_expected_count)."""
    return _sampler("UniformCandidateSampler", true_classes, num_true, num_sampled, unique,
                    seed, name, range_max=int(range_max))


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """Samples classes from the log-uniform (Zipfian) distribution on [0, range_max):
    P(c) = (log(c + 2) - log(c + 1)) / log(range_max + 1)."""
    return _sampler("LogUniformCandidateSampler", true_classes, num_true, num_sampled,
                    unique, seed, name, range_max=int(range_max))


def learned_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique,
                                      range_max, seed=None, name=None):
    """Samples classes from the unigram distribution of the true classes seen so far in
    the session (each class starting at count 1)."""
    if range_max > _INT32_MAX:
        raise ValueError(f"Value of range_max:{range_max} is too large to handle")
    return _sampler("LearnedUnigramCandidateSampler", true_classes, num_true, num_sampled,
                    unique, seed, name, range_max=int(range_max))


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                    vocab_file="", distortion=1.0, num_reserved_ids=0,
                                    num_shards=1, shard=0, unigrams=(), seed=None,
                                    name=None):
    """Samples classes from a fixed unigram distribution given as `unigrams` or by a
    CSV-like `vocab_file` (last field of each line), each weight raised to `distortion`;
    ids below `num_reserved_ids` get probability 0."""
    return _sampler("FixedUnigramCandidateSampler", true_classes, num_true, num_sampled,
                    unique, seed, name, range_max=int(range_max),
                    vocab_file=os.fspath(vocab_file) if vocab_file else "",
                    distortion=float(distortion), num_reserved_ids=int(num_reserved_ids),
                    num_shards=int(num_shards), shard=int(shard),
                    unigrams=[float(u) for u in unigrams])


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """Deterministically returns every class in [0, num_sampled), expected counts all 1."""
    return _sampler("AllCandidateSampler", true_classes, num_true, num_sampled, unique,
                    seed, name)


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None,
                            name=None):
    """The (row, position, -FLT_MAX) triples where a row's true class was also sampled:
    returns (indices int32, ids int64, weights float32)."""
    attrs = {"num_true": int(num_true), **seed_attrs(seed)}
    t = _int64_input(true_classes, "ComputeAccidentalHits", "true_classes")
    s = _int64_input(sampled_candidates, "ComputeAccidentalHits", "sampled_candidates")
    return AccidentalHits(*apply_op("ComputeAccidentalHits", [t, s], attrs, name=name))
