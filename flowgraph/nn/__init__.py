"""`tf.nn`: activations, convolution, pooling, normalization, losses and embeddings.

The builders live with their ops in `flowgraph/ops/` (nn_ops, conv_ops, pool_ops,
norm_ops, xent_ops, nn_impl); this module gathers them under TF's names."""
from flowgraph.ops.nn_ops import (relu, relu6, leaky_relu, elu, selu, softplus, softsign,  # noqa: F401
                                  softmax, log_softmax, bias_add, l2_loss, xw_plus_b,
                                  relu_layer, crelu, swish, silu)
from flowgraph.ops.conv_ops import (conv2d, conv1d, conv2d_transpose, conv1d_transpose,  # noqa: F401
                                    conv2d_backprop_input, conv2d_backprop_filter,
                                    depthwise_conv2d, depthwise_conv2d_native,
                                    depthwise_conv2d_native_backprop_input,
                                    depthwise_conv2d_native_backprop_filter,
                                    separable_conv2d, atrous_conv2d, atrous_conv2d_transpose,
                                    convolution)
from flowgraph.ops.pool_ops import (max_pool, max_pool2d, avg_pool, avg_pool2d,  # noqa: F401
                                    max_pool1d, avg_pool1d, max_pool_v2, avg_pool_v2,
                                    max_pool_with_argmax, pool)
from flowgraph.ops.norm_ops import (fused_batch_norm, lrn, local_response_normalization,  # noqa: F401
                                    batch_norm_with_global_normalization)
from flowgraph.ops.xent_ops import (softmax_cross_entropy_with_logits,  # noqa: F401
                                    softmax_cross_entropy_with_logits_v2,
                                    sparse_softmax_cross_entropy_with_logits,
                                    sigmoid_cross_entropy_with_logits,
                                    weighted_cross_entropy_with_logits, log_poisson_loss,
                                    top_k, in_top_k)
from flowgraph.ops.nn_impl import (dropout, moments, batch_normalization,  # noqa: F401
                                   l2_normalize, embedding_lookup, zero_fraction,
                                   sufficient_statistics, normalize_moments, weighted_moments,
                                   compute_average_loss, scale_regularization_loss)

from flowgraph.ops.conv3d_ops import (conv3d, conv3d_transpose,  # noqa: F401,E402
                                      conv3d_backprop_filter_v2)
from flowgraph.ops.pool3d_ops import max_pool3d, avg_pool3d  # noqa: F401,E402
from flowgraph.ops.ctc_ops import (ctc_loss, ctc_greedy_decoder,  # noqa: F401,E402
                                   ctc_beam_search_decoder, ctc_beam_search_decoder_v2)
conv3d_backprop_filter = conv3d_backprop_filter_v2

depthwise_conv2d_backprop_input = depthwise_conv2d_native_backprop_input
depthwise_conv2d_backprop_filter = depthwise_conv2d_native_backprop_filter


def _reexport():
    """Builders TF also lists under tf.nn that belong to the math and array modules."""
    from flowgraph.ops import math_ops, extra_array_ops
    g = globals()
    for name in ("sigmoid", "tanh"):
        g[name] = getattr(math_ops, name)
    for name in ("space_to_depth", "depth_to_space"):
        g[name] = getattr(extra_array_ops, name)


_reexport()

# Recurrent networks: cells (`tf.nn.rnn_cell`) and the loops running them.
from flowgraph.nn import rnn_cell  # noqa: E402,F401
from flowgraph.nn.rnn import (static_rnn, dynamic_rnn, bidirectional_dynamic_rnn,  # noqa: E402,F401
                              static_bidirectional_rnn, raw_rnn)

# Candidate samplers and sampled losses (tf.nn.*_candidate_sampler, nce_loss, ...).
from flowgraph.ops import candidate_sampling_ops as _candidate_sampling  # noqa: E402
from flowgraph.nn import sampled_losses as _sampled_losses  # noqa: E402
from flowgraph.ops import xent_ops as _xent  # noqa: E402
for _m in (_candidate_sampling, _sampled_losses, _xent):
    for _n in _m.__namespaces__["nn"]:
        globals()[_n] = getattr(_m, _n)
del _m, _n
