"""Classification ops: the softmax cross-entropy ops (two outputs: loss and backprop),
the sigmoid and weighted cross-entropy composites, `TopKV2` and `InTopKV2`.

Every loss is computed from max-shifted logits, so logits of 1e4 neither overflow nor
lose precision."""
import collections

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, constant_value
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import nn_util as U

__all__ = ["approx_top_k"]
__namespaces__ = {"math": ["top_k", "in_top_k", "approx_max_k", "approx_min_k"],
                  "nn": ["approx_max_k", "approx_min_k", "softmax_cross_entropy_with_logits",
                         "softmax_cross_entropy_with_logits_v2",
                         "sparse_softmax_cross_entropy_with_logits",
                         "sigmoid_cross_entropy_with_logits",
                         "weighted_cross_entropy_with_logits", "log_poisson_loss", "top_k",
                         "in_top_k"]}


def _m():
    from flowgraph.ops import math_ops
    return math_ops


def _a():
    from flowgraph.ops import array_ops
    return array_ops


def _lse(xp, x):
    """(log-sum-exp along the last axis with keepdims, shifted logits, exp of them)."""
    z = x - xp.max(x, axis=-1, keepdims=True)
    e = xp.exp(z)
    s = xp.sum(e, axis=-1, keepdims=True)
    return xp.log(s), z, e / s


def _is_zero(t):
    """True when `t` is known at build time to be all zeros (TF's IsZero)."""
    if t is None:
        return True
    if t.op.type in ("ZerosLike",):
        return True
    if t.op.type == "Fill":
        v = constant_value(t.op.inputs[1])
        return v is not None and not np.any(v)
    v = constant_value(t)
    return v is not None and not np.any(v)


def _xent_logits_grad(op, grad_loss, grad_grad):
    """d/dlogits of (loss, backprop) for both softmax cross-entropy ops."""
    m, ar = _m(), _a()
    grad = m.multiply(ar.expand_dims(grad_loss, -1), op.outputs[1])
    if not _is_zero(grad_grad):
        sm = apply_op("Softmax", [op.inputs[0]])
        dot = m.reduce_sum(m.multiply(grad_grad, sm), axis=-1, keepdims=True)
        grad = m.add(grad, m.multiply(m.subtract(grad_grad, dot), sm))
    return grad


# -- ops -----------------------------------------------------------------------------------------
def _dense_xent_shape(op):
    f = op.inputs[0].shape.with_rank(2)
    lb = op.inputs[1].shape.with_rank(2)
    fd, ld = f.as_list(), lb.as_list()
    for a, b in zip(fd, ld):
        if a is not None and b is not None and a != b and a != 1 and b != 1:
            raise ValueError(f"Dimensions must be equal, but are {a} and {b}")
    s = U.broadcast2(fd, ld)
    return [TensorShape(s[:1]), TensorShape(s)]


@defop("SoftmaxCrossEntropyWithLogits", inputs=("features: T", "labels: T"),
       outputs=("loss: T", "backprop: T"))
class SoftmaxCrossEntropyWithLogits:
    """Per-row cross-entropy between softmax(features) and the distributions `labels`
    ([batch, classes] each); `backprop` is softmax(features) - labels."""
    shape = _dense_xent_shape

    def kernel(xp, features, labels):
        features, labels = xp.broadcast_arrays(features, labels)
        lse, z, sm = _lse(xp, features)
        loss = xp.sum(labels * (lse - z), axis=-1)
        return loss.astype(features.dtype, copy=False), (sm - labels).astype(features.dtype,
                                                                            copy=False)

    def grad(op, grad_loss, grad_grad):
        ar = _a()
        logits = op.inputs[0]
        neg_log_sm = _m().negative(apply_op("LogSoftmax", [logits]))
        return [_xent_logits_grad(op, grad_loss, grad_grad),
                _m().multiply(ar.expand_dims(grad_loss, -1), neg_log_sm)]


def _sparse_xent_shape(op):
    f = op.inputs[0].shape.with_rank(2)
    lb = op.inputs[1].shape.with_rank(1)
    b = f.as_list()[0]
    lb0 = lb.as_list()[0]
    if b is not None and lb0 is not None and b != lb0:
        raise ValueError(f"Dimensions must be equal, but are {b} and {lb0}")
    b = b if b is not None else lb0
    return [TensorShape([b]), TensorShape([b, f.as_list()[1]])]


@defop("SparseSoftmaxCrossEntropyWithLogits", inputs=("features: T", "labels: Tlabels"),
       outputs=("loss: T", "backprop: T"), attrs={"Tlabels": dtypes.int64})
class SparseSoftmaxCrossEntropyWithLogits:
    """Per-row cross-entropy of softmax(features) ([batch, classes]) at the class index
    `labels` ([batch]); `backprop` is softmax(features) - one_hot(labels)."""
    shape = _sparse_xent_shape

    def kernel(xp, features, labels):
        c = features.shape[1]
        if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= c):
            bad = int(labels.min()) if int(labels.min()) < 0 else int(labels.max())
            raise U.invalid(f"Received a label value of {bad} which is outside the valid range "
                            f"of [0, {c}).  Label values: "
                            f"{' '.join(str(int(v)) for v in labels.ravel().tolist())}")
        lse, z, sm = _lse(xp, features)
        idx = labels.astype(np.int64).reshape(-1, 1)
        loss = (lse - xp.take_along_axis(z, idx, axis=1))[:, 0]
        back = sm.copy()
        back[xp.arange(features.shape[0]), labels] -= 1
        return loss.astype(features.dtype, copy=False), back.astype(features.dtype, copy=False)

    def grad(op, grad_loss, grad_grad):
        return [_xent_logits_grad(op, grad_loss, grad_grad), None]


@defop("TopKV2", inputs=("input: T", "k: Tk"), outputs=("values: T", "indices: index_type"),
       attrs={"sorted": True, "Tk": dtypes.int32, "index_type": dtypes.int32})
class TopKV2:
    """The `k` largest entries of the last dimension and their indices, largest first
    (equal values: lower index first)."""

    def shape(op):
        s = op.inputs[0].shape.with_rank_at_least(1)
        op.inputs[1].shape.with_rank(0)
        k = constant_value(op.inputs[1])
        if k is not None and int(k) < 0:
            raise ValueError(f"Dimension size, given by scalar input 1, must be non-negative "
                             f"but is {int(k)}")
        if s.ndims is None:
            return [s, s]
        d = s.as_list()
        if k is not None and d[-1] is not None and d[-1] < int(k):
            raise ValueError(f"input must have last dimension >= k = {int(k)} but is {d[-1]}")
        out = TensorShape(d[:-1] + [None if k is None else int(k)])
        return [out, out]

    def kernel(xp, input, k, index_type):
        k = int(k)
        n = input.shape[-1]
        if k < 0:
            raise U.invalid(f"Need k >= 0, got {k}")
        if n < k:
            raise U.invalid(f"input must have at least k columns. Had {n}, needed {k}")
        values, idx = _top_k_last(xp, input, k, True)
        return values, idx.astype(index_type)

    def grad(op, grad_values, _grad_indices=None):
        return [_scatter_last(op.inputs[0], op.outputs[1], grad_values), None]


def _scatter_last(x, idx, grad_values):
    """Each row's k gradients scattered back to their columns of `x` (TF's flat
    scatter_nd over the last dimension)."""
    m, ar = _m(), _a()
    i64 = dtypes.int64
    in_shape = ar.shape(x, out_type=i64)
    n = in_shape[-1]
    k = ar.shape(idx, out_type=i64)[-1]
    idx2 = ar.reshape(m.cast(idx, i64), ar.stack([m.cast(-1, i64), k]))
    rows = ar.shape(idx2, out_type=i64)[0]
    offsets = ar.expand_dims(ar.range(m.cast(0, i64), m.multiply(rows, n), n), -1)
    flat = ar.reshape(m.add(idx2, offsets), [-1, 1])
    scattered = ar.scatter_nd(flat, ar.reshape(grad_values, [-1]),
                              ar.reshape(m.multiply(rows, n), [1]))
    return ar.reshape(scattered, in_shape)


def _top_k_last(xp, x, k, largest):
    """(values, indices) of the k largest (or smallest) entries of the last dimension,
    equal values in index order."""
    n = x.shape[-1]
    if largest:   # stable descending: sort the reversed row ascending, then reverse back
        idx = (n - 1) - xp.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :k]
    else:
        idx = xp.argsort(x, axis=-1, kind="stable")[..., :k]
    return xp.take_along_axis(x, idx, axis=-1), idx


@defop("ApproxTopK", inputs=("input: T",), outputs=("values: T", "indices: int32"),
       attrs={"k": None, "reduction_dimension": -1, "recall_target": 0.95,
              "is_max_k": True, "reduction_input_size_override": -1,
              "aggregate_to_topk": True})
class ApproxTopK:
    """The k largest (`is_max_k`) or smallest entries along `reduction_dimension` and their
    indices. flowgraph computes them exactly (recall 1, above any `recall_target`)."""

    def shape(op):
        s = op.inputs[0].shape
        k, d = op.get_attr("k"), op.get_attr("reduction_dimension")
        if s.ndims is None:
            return [s, s]
        dims = s.as_list()
        d = d % len(dims)
        if dims[d] is None or dims[d] < k:   # TF's shape rule needs the size
            raise ValueError(f"input must have last dimension >= k = {k} but was "
                             f"{-1 if dims[d] is None else dims[d]}")
        dims[d] = k
        return [TensorShape(dims), TensorShape(dims)]

    def kernel(xp, input, k, reduction_dimension, is_max_k):
        x = xp.moveaxis(input, reduction_dimension, -1)
        values, idx = _top_k_last(xp, x, k, is_max_k)
        return (xp.moveaxis(values, -1, reduction_dimension),
                xp.moveaxis(idx.astype(np.int32), -1, reduction_dimension))

    def grad(op, grad_values, _grad_indices=None):
        ar = _a()
        x, idx = op.inputs[0], op.outputs[1]
        rank = x.shape.ndims
        d = op.get_attr("reduction_dimension") % rank
        if d == rank - 1:
            return [_scatter_last(x, idx, grad_values)]
        perm = [i for i in range(rank) if i != d] + [d]
        back = [perm.index(i) for i in range(rank)]
        g = _scatter_last(ar.transpose(x, perm), ar.transpose(idx, perm),
                          ar.transpose(grad_values, perm))
        return [ar.transpose(g, back)]


@defop("InTopKV2", inputs=("predictions: float32", "targets: T", "k: T"),
       outputs=("precision: bool",), attrs={"T": dtypes.int32})
class InTopKV2:
    """Whether each row's `targets` class is among its `k` largest predictions (ties at
    the boundary count as in; rows with a non-finite prediction and bad targets as out)."""

    def shape(op):
        p = op.inputs[0].shape.with_rank(2)
        t = op.inputs[1].shape.with_rank(1)
        op.inputs[2].shape.with_rank(0)
        b, tb = p.as_list()[0], t.as_list()[0]
        if b is not None and tb is not None and b != tb:
            raise ValueError(f"Dimensions must be equal, but are {b} and {tb}")
        return TensorShape([b if b is not None else tb])

    def kernel(xp, predictions, targets, k):
        n, c = predictions.shape
        ok = (targets >= 0) & (targets < c)
        t = xp.where(ok, targets, 0).astype(np.int64)
        at = xp.take_along_axis(predictions, t[:, None], axis=1)
        above = xp.sum(predictions > at, axis=1)
        # TF "cannot say" (False) when any prediction of the row is not finite.
        return ok & xp.all(xp.isfinite(predictions), axis=1) & (above < int(k))
    grad = NOT_DIFFERENTIABLE


# -- builders ------------------------------------------------------------------------------------
def _last_dim_flatten(x):
    """`x` reshaped to [-1, last_dim] (static when possible), and its rank."""
    ar = _a()
    if x.shape.ndims == 2:
        return x
    last = x.shape.as_list()[-1] if x.shape.ndims else None
    if last is not None:
        return ar.reshape(x, [-1, last])
    return ar.reshape(x, ar.concat([[-1], ar.shape(x)[-1:]], 0))


def _batch_shape(x):
    ar = _a()
    if x.shape.ndims is not None and x.shape[:-1].is_fully_defined():
        return x.shape.as_list()[:-1]
    return ar.shape(x)[:-1]


def _move_to_last(x, axis):
    rank = x.shape.ndims
    if axis is None or axis == -1 or (rank is not None and axis == rank - 1):
        return x, None
    if rank is None:
        raise ValueError("softmax_cross_entropy_with_logits along a non-last axis needs a "
                         "known rank")
    axis %= rank
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return _a().transpose(x, perm), perm


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """Softmax cross-entropy between `logits` and the distributions `labels` along `axis`
    (default: the last); gradients flow into both."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    with name_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        U.check_dtype(logits, U.FLOATS, "features")
        labels = convert_to_tensor(labels, name="labels", dtype=logits.dtype)
        m, ar = _m(), _a()
        precise = logits.dtype.base_dtype == dtypes.float16
        if precise:
            logits, labels = m.cast(logits, dtypes.float32), m.cast(labels, dtypes.float32)
        logits, _ = _move_to_last(logits, axis)
        labels, _ = _move_to_last(labels, axis)
        if logits.shape.ndims == 0:
            raise ValueError("logits must have rank at least 1")
        batch = _batch_shape(logits)
        flat_logits, flat_labels = _last_dim_flatten(logits), _last_dim_flatten(labels)
        loss, _ = apply_op("SoftmaxCrossEntropyWithLogits", [flat_logits, flat_labels],
                           name=scope if logits.shape.ndims == 2 and not precise else None)
        if logits.shape.ndims != 2:
            loss = ar.reshape(loss, batch, name=None if precise else scope)
        if precise:
            loss = m.cast(loss, dtypes.float16, name=scope)
        return loss


def softmax_cross_entropy_with_logits(labels=None, logits=None, dim=-1, name=None, axis=None):
    """Softmax cross-entropy (TF1's v1: no gradient flows into `labels`)."""
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")
    axis = dim if axis is None else axis
    with name_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        labels = _stop(labels)
        return softmax_cross_entropy_with_logits_v2(labels, logits, axis=axis, name=scope)


def _stop(x):
    from flowgraph.ops.core import stop_gradient
    return stop_gradient(x, name="labels_stop_gradient")


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Softmax cross-entropy of `logits` [..., classes] at integer class `labels` [...]."""
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        labels = convert_to_tensor(labels, name="labels")
        logits = convert_to_tensor(logits, name="logits")
        U.check_dtype(logits, U.FLOATS, "features")
        U.check_dtype(labels, (dtypes.int32, dtypes.int64), "labels")
        ls, gs = labels.shape, logits.shape
        if ls.ndims is not None and gs.ndims is not None:
            if ls.ndims != gs.ndims - 1:
                raise ValueError(f"`labels.shape.rank` must equal `logits.shape.rank - 1`. "
                                 f"Received: labels.shape={_tup(ls)} of rank {ls.ndims} and "
                                 f"logits.shape={_tup(gs)} of rank {gs.ndims}")
            if not ls.is_compatible_with(gs[:-1]):
                raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last "
                                 f"dimension. Received: labels.shape={_tup(ls)} and "
                                 f"logits.shape={_tup(gs)}")
        m, ar = _m(), _a()
        precise = logits.dtype.base_dtype == dtypes.float16
        if precise:
            logits = m.cast(logits, dtypes.float32)
        if gs.ndims == 2:
            loss, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits", [logits, labels],
                               name="SparseSoftmaxCrossEntropyWithLogits")
        else:
            lshape = ar.shape(labels)
            flat = _last_dim_flatten(logits)
            loss, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits",
                               [flat, ar.reshape(labels, [-1])],
                               name="SparseSoftmaxCrossEntropyWithLogits")
            loss = ar.reshape(loss, lshape)
        return m.cast(loss, dtypes.float16) if precise else loss


def _tup(s):
    return tuple(s.as_list()) if s.ndims is not None else None


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss, as TF computes it without overflow:
    max(x, 0) - x * z + log(1 + exp(-|x|))."""
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", dtype=logits.dtype)
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError(f"`logits` and `labels` must have the same shape, received "
                             f"({_tup(logits.shape)} vs {_tup(labels.shape)}).")
        m, ar = _m(), _a()
        zeros = ar.zeros_like(logits)
        cond = m.greater_equal(logits, zeros)
        relu_logits = m.where(cond, logits, zeros)
        neg_abs_logits = m.where(cond, m.negative(logits), logits)
        # TF writes `relu_logits - logits * labels`: the operators' lowercase names.
        return m.add(m.subtract(relu_logits, m.multiply(logits, labels, name="mul"), name="sub"),
                     m.log1p(m.exp(neg_abs_logits)), name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """Logistic loss with positive examples weighted by `pos_weight`."""
    if targets is not None:
        if labels is not None:
            raise ValueError("Cannot specify both 'labels' and 'targets'")
        labels = targets
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", dtype=logits.dtype)
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError(f"`logits` and `labels` must have the same shape, received "
                             f"({_tup(logits.shape)} vs {_tup(labels.shape)}).")
        m = _m()
        pos_weight = convert_to_tensor(pos_weight, dtype=logits.dtype, name="pos_weight")
        one = convert_to_tensor(1.0, dtype=logits.dtype, name="one")
        log_weight = m.add(one, m.multiply(m.subtract(pos_weight, one), labels))
        softplus_neg = m.add(m.log1p(m.exp(m.negative(m.abs(logits)))),
                             apply_op("Relu", [m.negative(logits)]))
        return m.add(m.multiply(m.subtract(one, labels), logits),
                     m.multiply(log_weight, softplus_neg), name=scope)


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """exp(log_input) - log_input * targets (plus Stirling's term when asked)."""
    with name_scope(name, "log_poisson_loss", [log_input, targets]) as scope:
        log_input = convert_to_tensor(log_input, name="log_input")
        targets = convert_to_tensor(targets, name="targets", dtype=log_input.dtype)
        m, ar = _m(), _a()
        result = m.subtract(m.exp(log_input), m.multiply(log_input, targets))
        if not compute_full_loss:
            return ar.identity(result, name=scope) if hasattr(ar, "identity") else result
        half = convert_to_tensor(0.5, dtype=targets.dtype)
        two_pi = convert_to_tensor(2 * np.pi, dtype=targets.dtype)
        stirling = m.add(m.subtract(m.multiply(targets, m.log(targets)), targets),
                         m.multiply(half, m.log(m.multiply(two_pi, targets))))
        ones, zeros = ar.ones_like(targets), ar.zeros_like(targets)
        cond = m.logical_and(m.greater_equal(targets, zeros), m.less_equal(targets, ones))
        return m.add(result, m.where(cond, zeros, stirling), name=scope)


TopKV2Result = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002
    """The `k` largest entries of the last dimension of `input`: (values, indices)."""
    input = convert_to_tensor(input, name="input")
    k = convert_to_tensor(k, dtype=dtypes.int32, name="k") if not hasattr(k, "op") else k
    values, indices = apply_op("TopKV2", [input, k],
                               {"sorted": bool(sorted), "index_type":
                                dtypes.as_dtype(index_type)}, name=name)
    return TopKV2Result(values, indices)


def approx_top_k(input, k, reduction_dimension=-1, recall_target=0.95, is_max_k=True,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """(values, indices) of the k largest (or smallest) entries along a dimension."""
    return apply_op("ApproxTopK", [input], {
        "k": int(k), "reduction_dimension": int(reduction_dimension),
        "recall_target": float(recall_target), "is_max_k": bool(is_max_k),
        "reduction_input_size_override": int(reduction_input_size_override),
        "aggregate_to_topk": bool(aggregate_to_topk)}, name=name)


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """The k largest entries along `reduction_dimension` (exact here) and their indices."""
    return approx_top_k(operand, k, reduction_dimension, recall_target, True,
                        reduction_input_size_override, aggregate_to_topk, name)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """The k smallest entries along `reduction_dimension` (exact here) and their indices."""
    return approx_top_k(operand, k, reduction_dimension, recall_target, False,
                        reduction_input_size_override, aggregate_to_topk, name)


def in_top_k(predictions, targets, k, name=None):
    """Whether `targets` are in the top `k` `predictions` (a bool vector)."""
    with name_scope(name, "in_top_k"):
        targets = convert_to_tensor(targets, name="targets")
        if targets.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"Value passed to parameter 'targets' has DataType "
                            f"{targets.dtype.base_dtype.name} not in list of allowed values: "
                            "int32, int64")
        k = convert_to_tensor(k, dtype=targets.dtype, name="k")
        return apply_op("InTopKV2", [predictions, targets, k], name="InTopKV2")
