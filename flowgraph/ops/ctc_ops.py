"""Connectionist temporal classification: `CTCLoss` (forward-backward in log space, its
gradient with respect to the logits as a second output), `CTCGreedyDecoder`,
`CTCBeamSearchDecoder`, and the TF1 builders `tf.nn.ctc_loss`, `ctc_greedy_decoder`,
`ctc_beam_search_decoder`. The blank is the last class. Inputs are time-major
`[max_time, batch, num_classes]` logits.

The loss kernel loops over time only, vectorized over batch and label states; the
decoders run on the host (their outputs are ragged) with the same prefix beam search
bookkeeping TF's CPU kernel uses."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.framework.tensor_shape import TensorShape

__all__ = ["ctc_loss", "ctc_greedy_decoder", "ctc_beam_search_decoder",
           "ctc_beam_search_decoder_v2"]
__namespaces__ = {"nn": ["ctc_loss", "ctc_greedy_decoder", "ctc_beam_search_decoder",
                         "ctc_beam_search_decoder_v2"]}

_NEG = -np.inf


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _host(a):
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _lse(*xs):
    """Elementwise log(sum(exp(x))) of equal-shape arrays, -inf safe."""
    m = np.maximum.reduce(xs)
    safe = np.where(np.isfinite(m), m, 0.0)
    return safe + np.log(sum(np.exp(x - safe) for x in xs))


def _log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    z = x - m
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _check_seq(seq, batch, max_time):
    if seq.shape != (batch,):
        raise _invalid(f"len(sequence_length) != batch_size.  len(sequence_length):  "
                       f"{seq.shape[0] if seq.ndim else 0} batch_size: {batch}")
    for b, n in enumerate(seq):
        if n > max_time:
            raise _invalid(f"sequence_length({b}) <= {max_time}")


def _labels(indices, values, batch):
    """The label sequence of each batch item from SparseTensor components."""
    seqs = [[] for _ in range(batch)]
    order = np.lexsort((indices[:, 1], indices[:, 0])) if len(indices) else []
    for i in order:
        b = int(indices[i, 0])
        if not 0 <= b < batch:
            raise _invalid(f"labels batch index {b} out of range [0, {batch})")
        seqs[b].append(int(values[i]))
    return seqs


# -- CTCLoss -------------------------------------------------------------------------------------
def _ctc_loss_kernel(xp, inputs, labels_indices, labels_values, sequence_length,
                     preprocess_collapse_repeated, ctc_merge_repeated,
                     ignore_longer_outputs_than_inputs):
    x = _host(inputs).astype(np.float64)
    if x.ndim != 3:
        raise _invalid(f"inputs is not a 3-Tensor: {list(x.shape)}")
    T, B, C = x.shape
    blank = C - 1
    seq = _host(sequence_length).astype(np.int64)
    _check_seq(seq, B, T)
    labels = _labels(_host(labels_indices), _host(labels_values), B)
    if preprocess_collapse_repeated:
        labels = [[v for i, v in enumerate(s) if i == 0 or v != s[i - 1]] for s in labels]
    for b, s in enumerate(labels):
        if not s:
            raise _invalid(f"Labels length is zero in batch {b}")
        bad = [v for v in s if not 0 <= v < blank]
        if bad:
            raise _invalid(f"Labels must be in range [0, num_classes - 1); got label {bad[0]} "
                           f"in batch {b} with num_classes = {C}")
    L = max([len(s) for s in labels] + [0])
    S = 2 * L + 1
    ext = np.full((B, S), blank, np.int64)
    valid = np.zeros((B, S), bool)
    skip = np.zeros((B, S), bool)
    skip_ok = [True] * B
    for b, s in enumerate(labels):
        ext[b, 1:2 * len(s):2] = s
        valid[b, :2 * len(s) + 1] = True
        for j in range(2, 2 * len(s) + 1):
            same = ctc_merge_repeated and ext[b, j] == ext[b, j - 2]
            skip[b, j] = ext[b, j] != blank and not same
        repeats = sum(1 for i in range(1, len(s)) if s[i] == s[i - 1])
        need = len(s) + (repeats if ctc_merge_repeated else 0)
        if need > seq[b]:
            if not ignore_longer_outputs_than_inputs:
                raise _invalid(f"Not enough time for target transition sequence (required: "
                               f"{need}, available: {seq[b]}){b}You can turn this error into a "
                               f"warning by using the flag ignore_longer_outputs_than_inputs")
            skip_ok[b] = False
    stay = np.ones((B, S), bool) if ctc_merge_repeated else (ext == blank)
    ly = _log_softmax(x)                                      # [T, B, C]
    lys = np.take_along_axis(ly, np.broadcast_to(ext, (T, B, S)), axis=2)  # [T, B, S]
    lys = np.where(valid, lys, _NEG)
    neg = np.full((B, S), _NEG)

    def shift(a, k):
        out = np.full_like(a, _NEG)
        out[:, k:] = a[:, :S - k] if k else a
        return out

    alpha = np.full((T, B, S), _NEG)
    a0 = np.full((B, S), _NEG)
    a0[:, 0] = lys[0, :, 0] if T else _NEG
    if S > 1 and T:
        a0[:, 1] = lys[0, :, 1]
    if T:
        alpha[0] = a0
    for t in range(1, T):
        prev = alpha[t - 1]
        a = _lse(np.where(stay, prev, _NEG), shift(prev, 1),
                 np.where(skip, shift(prev, 2), _NEG)) + lys[t]
        alpha[t] = np.where((t < seq)[:, None], a, neg)
    beta = np.full((T, B, S), _NEG)                            # excludes y at t
    last = np.zeros((B, S), bool)
    for b, s in enumerate(labels):
        last[b, 2 * len(s)] = True
        if s:
            last[b, 2 * len(s) - 1] = True
    end = np.where(last, 0.0, _NEG)
    for t in range(T - 1, -1, -1):
        if t + 1 < T:
            nxt = beta[t + 1] + lys[t + 1]
            up = shift(nxt[:, ::-1], 1)[:, ::-1]
            up2 = shift(np.where(skip, nxt, _NEG)[:, ::-1], 2)[:, ::-1]
            b_t = _lse(np.where(stay, nxt, _NEG), up, up2)
        else:
            b_t = neg
        beta[t] = np.where((t == seq - 1)[:, None], end,
                           np.where((t < seq - 1)[:, None], b_t, neg))
    loss = np.zeros(B)
    grad = np.zeros((T, B, C))
    for b in range(B):
        n = int(seq[b])
        if not skip_ok[b] or n == 0:  # ignored, or nothing to align (loss 0)
            continue
        ab = alpha[:n, b] + beta[:n, b]                        # [n, S]
        logp = np.logaddexp.reduce(ab[n - 1])
        loss[b] = -logp
        occ = np.full((n, C), _NEG)
        for k in set(ext[b, valid[b]].tolist()):
            cols = valid[b] & (ext[b] == k)
            occ[:, k] = np.logaddexp.reduce(ab[:, cols], axis=1)
        grad[:n, b] = np.exp(ly[:n, b]) - np.exp(occ - logp)
    dt = inputs.dtype
    return xp.asarray(loss.astype(dt)), xp.asarray(grad.astype(dt))


def _ctc_loss_shape(op):
    x = op.inputs[0].shape.with_rank(3)
    op.inputs[1].shape.with_rank(2)
    op.inputs[2].shape.with_rank(1)
    op.inputs[3].shape.with_rank(1)
    b = x.as_list()[1]
    return [TensorShape([b]), x]


def _ctc_loss_grad(op, grad_loss, _):
    """The loss's gradient (the op's second output) scaled per batch item; the gradient
    output itself is treated as a constant, as TF does."""
    from flowgraph.ops import array_ops, core, math_ops
    g = array_ops.expand_dims(array_ops.expand_dims(grad_loss, 0), 2)
    return [math_ops.multiply(g, core.stop_gradient(op.outputs[1])), None, None, None]


@defop("CTCLoss", inputs=("inputs: T", "labels_indices: int64", "labels_values: int32",
                          "sequence_length: int32"),
       outputs=("loss: T", "gradient: T"),
       attrs={"preprocess_collapse_repeated": False, "ctc_merge_repeated": True,
              "ignore_longer_outputs_than_inputs": False, "T": dtypes.float32})
class CTCLoss:
    """The CTC loss (negative log probability of each label sequence) of time-major
    logits, and its gradient with respect to the logits."""
    shape = _ctc_loss_shape
    kernel = _ctc_loss_kernel
    grad = _ctc_loss_grad


# -- decoders ------------------------------------------------------------------------------------
def _sparse_parts(paths, B):
    """(indices [N, 2], values [N], shape [2]) int64 of B decoded label sequences."""
    idx = [(b, i) for b, p in enumerate(paths) for i in range(len(p))]
    vals = [v for p in paths for v in p]
    width = max([len(p) for p in paths] + [0])
    return (np.asarray(idx, np.int64).reshape(-1, 2), np.asarray(vals, np.int64),
            np.asarray([B, width], np.int64))


def _greedy_kernel(xp, inputs, sequence_length, merge_repeated, blank_index):
    x = _host(inputs)
    T, B, C = x.shape
    seq = _host(sequence_length)
    _check_seq(seq, B, T)
    blank = blank_index if blank_index >= 0 else C + blank_index
    paths, logp = [], np.zeros((B, 1), x.dtype)
    for b in range(B):
        n = int(seq[b])
        best = x[:n, b].argmax(axis=1)
        logp[b, 0] = -x[np.arange(n), b, best].sum()
        out, prev = [], -1
        for k in best.tolist():
            if k != blank and not (merge_repeated and k == prev):
                out.append(k)
            prev = k
        paths.append(out)
    i, v, s = _sparse_parts(paths, B)
    return xp.asarray(i), xp.asarray(v), xp.asarray(s), xp.asarray(logp)


def _decoder_shape(op, n):
    x = op.inputs[0].shape.with_rank(3)
    op.inputs[1].shape.with_rank(1)
    b = x.as_list()[1]
    return ([TensorShape([None, 2])] * n + [TensorShape([None])] * n +
            [TensorShape([2])] * n + [TensorShape([b, n])])


@defop("CTCGreedyDecoder", inputs=("inputs: T", "sequence_length: int32"),
       outputs=("decoded_indices: int64", "decoded_values: int64", "decoded_shape: int64",
                "log_probability: T"),
       attrs={"merge_repeated": False, "blank_index": -1, "T": dtypes.float32})
class CTCGreedyDecoder:
    """Best-path decoding: the most likely class at each step, repeats merged (if
    `merge_repeated`) and blanks removed; log_probability is minus the sum of the
    chosen logits."""
    shape = staticmethod(lambda op: _decoder_shape(op, 1))
    kernel = _greedy_kernel
    grad = NOT_DIFFERENTIABLE


class _Beam:
    __slots__ = ("prefix", "parent", "label", "old", "new", "children")

    def __init__(self, prefix, parent):
        self.prefix, self.parent = prefix, parent
        self.label = prefix[-1] if prefix else -1
        self.old = [_NEG, _NEG, _NEG]  # blank, label, total
        self.new = [_NEG, _NEG, _NEG]
        self.children = None

    def active(self):
        return self.new[2] != _NEG


def _beam_search(logp, blank, width):
    """TF's prefix beam search over [n, C] log probabilities; the final leaves."""
    root = _Beam((), None)
    root.new = [0.0, _NEG, 0.0]
    leaves = [root]
    for row in logp:
        branches = sorted(leaves, key=lambda e: -e.new[2])
        leaves = []
        for e in branches:
            e.old = list(e.new)
        for e in branches:
            if e.parent is not None:
                if e.parent.active():
                    prev = e.parent.old[0] if e.label == e.parent.label else e.parent.old[2]
                    e.new[1] = np.logaddexp(e.new[1], prev)
                e.new[1] += row[e.label]
            e.new[0] = e.old[2] + row[blank]
            e.new[2] = np.logaddexp(e.new[0], e.new[1])
            leaves.append(e)

        def bottom():
            return min(leaves, key=lambda e: e.new[2])

        def candidate(total):
            return total > _NEG and (len(leaves) < width or total > bottom().new[2])
        for e in branches:
            if not candidate(e.old[2]):
                continue
            if e.children is None:
                e.children = [_Beam(e.prefix + (k,), e) for k in range(len(row) - 1)]
            for c in e.children:
                if c.active():
                    continue
                c.new[0] = _NEG
                prev = e.old[0] if c.label == e.label else e.old[2]
                c.new[1] = row[c.label] + prev
                c.new[2] = c.new[1]
                if candidate(c.new[2]):
                    if len(leaves) == width:
                        low = bottom()
                        low.new = [_NEG, _NEG, _NEG]
                        leaves.remove(low)
                    leaves.append(c)
                else:
                    c.old = [_NEG, _NEG, _NEG]
                    c.new = [_NEG, _NEG, _NEG]
    return leaves


def _beam_kernel(xp, inputs, sequence_length, beam_width, top_paths, merge_repeated):
    x = _host(inputs).astype(np.float64)
    T, B, C = x.shape
    seq = _host(sequence_length)
    _check_seq(seq, B, T)
    if top_paths > beam_width:
        raise _invalid(f"top_paths must be <= beam_width; got {top_paths} > {beam_width}")
    paths = [[] for _ in range(top_paths)]
    logp = np.zeros((B, top_paths), inputs.dtype)
    for b in range(B):
        leaves = _beam_search(_log_softmax(x[:int(seq[b]), b]), C - 1, beam_width)
        if len(leaves) < top_paths:
            raise _invalid(f"Less leaves in the beam search than requested: "
                           f"{len(leaves)} < {top_paths}")
        best = sorted(leaves, key=lambda e: -e.new[2])[:top_paths]
        for i, e in enumerate(best):
            p = list(e.prefix)
            if merge_repeated:
                p = [v for j, v in enumerate(p) if j == 0 or v != p[j - 1]]
            paths[i].append(p)
            logp[b, i] = e.new[2]
    parts = [_sparse_parts(p, B) for p in paths]
    out = [xp.asarray(p[0]) for p in parts] + [xp.asarray(p[1]) for p in parts] + \
        [xp.asarray(p[2]) for p in parts]
    return tuple(out + [xp.asarray(logp)])


@defop("CTCBeamSearchDecoder", inputs=("inputs: T", "sequence_length: int32"),
       outputs=("decoded_indices: top_paths * int64", "decoded_values: top_paths * int64",
                "decoded_shape: top_paths * int64", "log_probability: T"),
       attrs={"beam_width": None, "top_paths": None, "merge_repeated": True,
              "T": dtypes.float32})
class CTCBeamSearchDecoder:
    """Prefix beam search decoding keeping `beam_width` beams; the `top_paths` best label
    sequences and their log probabilities."""
    shape = staticmethod(lambda op: _decoder_shape(op, op.get_attr("top_paths")))
    kernel = _beam_kernel
    grad = NOT_DIFFERENTIABLE


# -- builders ------------------------------------------------------------------------------------
def _float_input(inputs, name):
    t = convert_to_tensor(inputs, name=name)
    if t.dtype.base_dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"Value passed to parameter 'inputs' has DataType {t.dtype.name} not "
                        f"in list of allowed values: float32, float64")
    return t


def ctc_loss(labels, inputs=None, sequence_length=None, preprocess_collapse_repeated=False,
             ctc_merge_repeated=True, ignore_longer_outputs_than_inputs=False,
             time_major=True, logits=None):
    """The CTC loss of each batch item: `labels` an int32 SparseTensor, `inputs`
    time-major `[max_time, batch, num_classes]` logits (the last class is the blank)."""
    if not isinstance(labels, SparseTensor):
        raise TypeError("Expected labels (first argument) to be a SparseTensor")
    if inputs is not None and logits is not None:
        raise ValueError("Cannot specify both 'logits' and 'inputs'")
    inputs = _float_input(inputs if inputs is not None else logits, "logits")
    if not time_major:
        from flowgraph.ops import array_ops
        inputs = array_ops.transpose(inputs, [1, 0, 2])
    seq = convert_to_tensor(sequence_length, dtype=dtypes.int32, name="sequence_length")
    loss, _ = apply_op("CTCLoss", [inputs, labels.indices, labels.values, seq],
                       {"preprocess_collapse_repeated": bool(preprocess_collapse_repeated),
                        "ctc_merge_repeated": bool(ctc_merge_repeated),
                        "ignore_longer_outputs_than_inputs":
                            bool(ignore_longer_outputs_than_inputs)})
    return loss


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """Greedy (best path) decoding: ([SparseTensor of int64 labels], [batch, 1]
    neg_sum_logits)."""
    inputs = _float_input(inputs, "inputs")
    seq = convert_to_tensor(sequence_length, dtype=dtypes.int32, name="sequence_length")
    i, v, s, logp = apply_op("CTCGreedyDecoder", [inputs, seq],
                             {"merge_repeated": bool(merge_repeated),
                              "blank_index": -1 if blank_index is None else int(blank_index)})
    return [SparseTensor(i, v, s)], logp


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1,
                            merge_repeated=True):
    """Beam search decoding: (list of `top_paths` SparseTensors, [batch, top_paths] log
    probabilities)."""
    inputs = _float_input(inputs, "inputs")
    seq = convert_to_tensor(sequence_length, dtype=dtypes.int32, name="sequence_length")
    outs = apply_op("CTCBeamSearchDecoder", [inputs, seq],
                    {"beam_width": int(beam_width), "top_paths": int(top_paths),
                     "merge_repeated": bool(merge_repeated)})
    n = int(top_paths)
    return ([SparseTensor(outs[k], outs[n + k], outs[2 * n + k]) for k in range(n)],
            outs[3 * n])


def ctc_beam_search_decoder_v2(inputs, sequence_length, beam_width=100, top_paths=1):
    """`ctc_beam_search_decoder` without merging repeated labels (TF2's signature)."""
    return ctc_beam_search_decoder(inputs, sequence_length, beam_width, top_paths,
                                   merge_repeated=False)
