"""`tf.nn`: activations, convolution, pooling, normalization, losses and embeddings.

The builders live with their ops in `flowgraph/ops/` (nn_ops, conv_ops, pool_ops,
norm_ops, xent_ops, nn_impl, ...), each module declaring its `tf.nn` names in
`__namespaces__["nn"]`; this module gathers them."""
from flowgraph import namespaces as _namespaces
from flowgraph.ops import batch_space_ops as _batch_space, conv3d_ops as _conv3d
from flowgraph.ops import conv_ops as _conv, ctc_ops as _ctc, extra_array_ops as _extra
from flowgraph.ops import nn_impl as _nn_impl, nn_ops as _nn_ops, norm_ops as _norm
from flowgraph.ops import pool3d_ops as _pool3d, pool_ops as _pool, unary_ops as _unary
from flowgraph.ops import xent_ops as _xent

globals().update(_namespaces.names("nn", [
    _nn_ops, _conv, _pool, _norm, _xent, _nn_impl, _conv3d, _pool3d, _ctc, _unary, _extra,
    _batch_space]))

# Recurrent networks: cells (`tf.nn.rnn_cell`) and the loops running them.
from flowgraph.nn import rnn_cell  # noqa: E402,F401
from flowgraph.nn.rnn import (static_rnn, dynamic_rnn, bidirectional_dynamic_rnn,  # noqa: E402,F401
                              static_bidirectional_rnn, raw_rnn)

# Candidate samplers and sampled losses (tf.nn.*_candidate_sampler, nce_loss, ...).
from flowgraph.ops import candidate_sampling_ops as _candidate_sampling  # noqa: E402
from flowgraph.nn import sampled_losses as _sampled_losses  # noqa: E402
globals().update(_namespaces.names("nn", [_candidate_sampling, _sampled_losses]))
