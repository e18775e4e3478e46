"""Sampled training losses over many classes: `nce_loss` and `sampled_softmax_loss`.

Both score the true classes and `num_sampled` classes drawn by a candidate sampler
(log-uniform by default), with TF1's arguments: the class embeddings `weights` may be one
tensor or a list of shards looked up by `partition_strategy` ("mod" or "div"), logits have
log(expected count) subtracted, and accidental hits (a sampled class equal to a row's true
class) can be masked with -FLT_MAX. Gradients reach `weights` as `IndexedSlices` (one per
shard), `biases` and `inputs`.
"""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import array_ops, math_ops, nn_impl, xent_ops
from flowgraph.ops import candidate_sampling_ops as sampling
from flowgraph.ops.core import stop_gradient

__all__ = ["nce_loss", "sampled_softmax_loss"]
__namespaces__ = {"nn": ["nce_loss", "sampled_softmax_loss"]}

_FLT_MAX = float(np.finfo(np.float32).max)


def _sum_rows(x):
    """The sum of each row of matrix `x`, as a product with a column of ones (TF's form,
    whose gradient is one matmul)."""
    cols = array_ops.shape(x)[1]
    ones = array_ops.ones(array_ops.stack([cols, 1]), x.dtype)
    return array_ops.reshape(math_ops.matmul(x, ones), [-1])


def _shard_of(ids, sizes, strategy):
    """Each id's shard and its row within that shard (TF's "mod" and "div" rules)."""
    n = len(sizes)
    if strategy == "mod":
        return math_ops.floormod(ids, n), math_ops.floordiv(ids, n)
    if strategy != "div":
        raise ValueError(f"Unrecognized partition strategy: {strategy}. Must be one of "
                         "'mod' or 'div'.")
    if any(s is None for s in sizes):
        raise ValueError("partition_strategy 'div' needs the first dimension of every "
                         "shard of weights to be known")
    per, extra = divmod(sum(sizes), n)
    if per == 0:  # fewer rows than shards: one row in each of the first shards
        return ids, math_ops.multiply(ids, 0)
    p = math_ops.maximum(math_ops.floordiv(ids, per + 1),
                         math_ops.floordiv(math_ops.subtract(ids, extra), per))
    row = math_ops.where(math_ops.less(p, extra), math_ops.floormod(ids, per + 1),
                         math_ops.floormod(math_ops.subtract(ids, extra), per))
    return p, row


def _lookup(params, ids, strategy):
    """Rows `ids` of the table split into `params`; each shard is read by its own gather,
    so its gradient is an IndexedSlices of the rows it served."""
    if len(params) == 1:
        return nn_impl.embedding_lookup(params, ids, partition_strategy=strategy)
    with name_scope(None, "embedding_lookup", params + [ids]):
        params = [p if hasattr(p, "shape") else convert_to_tensor(p) for p in params]
        sizes = [p.shape[0].value if p.shape.ndims else None for p in params]
        shard, row = _shard_of(ids, sizes, strategy)
        n = array_ops.expand_dims(math_ops.cast(array_ops.size(ids), dtypes.int64), 0)
        parts = []
        for i, p in enumerate(params):
            at = math_ops.where(math_ops.equal(shard, math_ops.cast(i, ids.dtype)))
            rows = array_ops.gather(p, array_ops.gather_nd(row, at))
            out_shape = array_ops.concat(
                [n, math_ops.cast(array_ops.shape(rows)[1:], dtypes.int64)], 0)
            parts.append(array_ops.scatter_nd(at, rows, out_shape))
        return math_ops.add_n(parts)


def _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                            num_true=1, sampled_values=None, subtract_log_q=True,
                            remove_accidental_hits=False, partition_strategy="mod",
                            name=None, seed=None):
    """Logits [batch, num_true + num_sampled] (true classes first) and their labels
    (1 / num_true for the true classes, 0 for the sampled ones)."""
    if isinstance(weights, (list, tuple)) or hasattr(weights, "_get_variable_list"):
        weights = list(weights)  # shards (TF also takes a PartitionedVariable)
    else:
        weights = [weights]
    with name_scope(name, "compute_sampled_logits", weights + [biases, inputs, labels]):
        labels = convert_to_tensor(labels, dtype_hint=dtypes.int64, name="labels")
        inputs = convert_to_tensor(inputs, name="inputs")
        if labels.dtype.base_dtype != dtypes.int64:
            labels = math_ops.cast(labels, dtypes.int64)
        labels_flat = array_ops.reshape(labels, [-1])
        if sampled_values is None:
            sampled_values = sampling.log_uniform_candidate_sampler(
                true_classes=labels, num_true=num_true, num_sampled=num_sampled,
                unique=True, range_max=num_classes, seed=seed)
        sampled, true_expected_count, sampled_expected_count = (
            stop_gradient(s) for s in sampled_values)
        sampled = math_ops.cast(sampled, dtypes.int64)
        all_ids = array_ops.concat([labels_flat, sampled], 0)
        n_true = array_ops.shape(labels_flat)[0]

        all_w = _lookup(weights, all_ids, partition_strategy)
        if all_w.dtype.base_dtype != inputs.dtype.base_dtype:
            all_w = math_ops.cast(all_w, inputs.dtype)
        true_w = array_ops.slice(all_w, [0, 0], array_ops.stack([n_true, -1]))
        sampled_w = array_ops.slice(all_w, array_ops.stack([n_true, 0]), [-1, -1])
        sampled_logits = math_ops.matmul(inputs, sampled_w, transpose_b=True)

        biases = list(biases) if isinstance(biases, (list, tuple)) else [biases]
        all_b = _lookup(biases, all_ids, partition_strategy)
        if all_b.dtype.base_dtype != inputs.dtype.base_dtype:
            all_b = math_ops.cast(all_b, inputs.dtype)
        true_b = array_ops.slice(all_b, [0], array_ops.shape(labels_flat))
        sampled_b = array_ops.slice(all_b, array_ops.shape(labels_flat), [-1])

        dim = array_ops.shape(true_w)[1:2]
        row_wise_dots = math_ops.multiply(
            array_ops.expand_dims(inputs, 1),
            array_ops.reshape(true_w, array_ops.concat([[-1, num_true], dim], 0)))
        dots = array_ops.reshape(row_wise_dots, array_ops.concat([[-1], dim], 0))
        true_logits = array_ops.reshape(_sum_rows(dots), [-1, num_true])
        true_logits = math_ops.add(true_logits, array_ops.reshape(true_b, [-1, num_true]))
        sampled_logits = math_ops.add(sampled_logits, sampled_b)

        if remove_accidental_hits:
            sampled_logits = math_ops.add(
                sampled_logits, _hit_mask(labels, sampled, num_true, num_sampled,
                                          sampled_logits.dtype))
        if subtract_log_q:
            true_logits = math_ops.subtract(true_logits, math_ops.log(true_expected_count))
            sampled_logits = math_ops.subtract(sampled_logits,
                                               math_ops.log(sampled_expected_count))
        out_logits = array_ops.concat([true_logits, sampled_logits], 1)
        out_labels = array_ops.concat(
            [math_ops.truediv(array_ops.ones_like(true_logits), num_true),
             array_ops.zeros_like(sampled_logits)], 1)
        return out_logits, out_labels


def _hit_mask(labels, sampled, num_true, num_sampled, dtype):
    """[batch, num_sampled]: -FLT_MAX where `compute_accidental_hits` reports a hit, else
    0 (a hit reported twice still gives -FLT_MAX, as TF's SparseToDense assigns)."""
    indices, ids, weights = sampling.compute_accidental_hits(labels, sampled,
                                                             num_true=num_true)
    at = array_ops.concat([array_ops.reshape(math_ops.cast(indices, dtypes.int64), [-1, 1]),
                           array_ops.reshape(ids, [-1, 1])], 1, name="sparse_indices")
    shape = array_ops.concat(
        [array_ops.shape(labels, out_type=dtypes.int64)[:1],
         array_ops.expand_dims(convert_to_tensor(num_sampled, dtype=dtypes.int64), 0)], 0)
    hit = math_ops.minimum(array_ops.scatter_nd(at, array_ops.ones_like(weights), shape), 1.0)
    return stop_gradient(math_ops.multiply(math_ops.cast(hit, dtype),
                                           math_ops.cast(-_FLT_MAX, dtype)))


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, partition_strategy="mod",
             name="nce_loss"):
    """Per-example noise-contrastive estimation loss [batch]: logistic losses of the true
    classes (label 1 / num_true) and the sampled classes (label 0), summed per row."""
    logits, labels = _compute_sampled_logits(
        weights=weights, biases=biases, labels=labels, inputs=inputs,
        num_sampled=num_sampled, num_classes=num_classes, num_true=num_true,
        sampled_values=sampled_values, subtract_log_q=True,
        remove_accidental_hits=remove_accidental_hits,
        partition_strategy=partition_strategy, name=name)
    losses = xent_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                        name="sampled_losses")
    return _sum_rows(losses)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes,
                         num_true=1, sampled_values=None, remove_accidental_hits=True,
                         partition_strategy="mod", name="sampled_softmax_loss", seed=None):
    """Per-example sampled softmax loss [batch]: softmax cross entropy over the true and
    sampled classes (accidental hits removed by default)."""
    logits, labels = _compute_sampled_logits(
        weights=weights, biases=biases, labels=labels, inputs=inputs,
        num_sampled=num_sampled, num_classes=num_classes, num_true=num_true,
        sampled_values=sampled_values, subtract_log_q=True,
        remove_accidental_hits=remove_accidental_hits,
        partition_strategy=partition_strategy, name=name, seed=seed)
    labels = stop_gradient(labels, name="labels_stop_gradient")
    return xent_ops.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
