"""Batch normalization layer (`tf.layers.BatchNormalization`, `batch_normalization`).

Variables `gamma`, `beta` (trainable), `moving_mean`, `moving_variance` (not trainable, in
GLOBAL_VARIABLES). In training the batch statistics normalize the input and the moving
statistics are updated by ops added to `GraphKeys.UPDATE_OPS`, with TF's formula
`moving -= (moving - batch_stat) * (1 - momentum)` (AssignSub). As in TF, 4-D inputs with
the channel axis 1 or 3 use the fused kernel (FusedBatchNormV3; its batch variance, and
so the moving variance update, has Bessel's correction), other inputs `tf.nn.moments`
(no correction)."""
from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import colocate_with, name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.layers import utils
from flowgraph.layers.base import InputSpec, Layer, smart_cond, static_bool
from flowgraph.ops import array_ops, creation_ops, init_ops, nn_impl, norm_ops, unary_ops

__all__ = ["BatchNormalization", "batch_normalization"]


class BatchNormalization(Layer):
    """Batch normalization: `gamma * (x - mean) / sqrt(var + epsilon) + beta` over
    `axis` (default -1, the channels).

    `call(inputs, training=False)`: with `training` true (a Python bool or a bool tensor,
    then chosen at run time by `tf.cond`) the batch statistics are used and the moving
    ones updated through `updates` / `GraphKeys.UPDATE_OPS`; with `training` false the
    moving statistics are used. Run the update ops with the train op, e.g.
    `with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):`."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=init_ops.zeros_initializer(),
                 gamma_initializer=init_ops.ones_initializer(),
                 moving_mean_initializer=init_ops.zeros_initializer(),
                 moving_variance_initializer=init_ops.ones_initializer(),
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, trainable=True, virtual_batch_size=None,
                 adjustment=None, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis}")
        if renorm:
            raise NotImplementedError("flowgraph's BatchNormalization does not support "
                                      "renorm=True")
        if virtual_batch_size is not None:
            raise NotImplementedError("flowgraph's BatchNormalization does not support "
                                      "virtual_batch_size")
        if adjustment is not None:
            raise NotImplementedError("flowgraph's BatchNormalization does not support "
                                      "adjustment")
        self.momentum, self.epsilon = momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = utils.get_initializer(beta_initializer)
        self.gamma_initializer = utils.get_initializer(gamma_initializer)
        self.moving_mean_initializer = utils.get_initializer(moving_mean_initializer)
        self.moving_variance_initializer = utils.get_initializer(moving_variance_initializer)
        self.beta_regularizer = utils.get_regularizer(beta_regularizer)
        self.gamma_regularizer = utils.get_regularizer(gamma_regularizer)
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.renorm = renorm
        if fused is True and isinstance(self.axis, list) and len(self.axis) > 1:
            raise ValueError("Passing `fused=True` is only supported when axis is 1 or 3 "
                             f"for input rank = 4. Got axis {self.axis}")
        self.fused = fused

    def build(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape)
        rank = input_shape.ndims
        if rank is None:
            raise ValueError(f"Input has undefined rank. Received: input_shape={input_shape}.")
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        norm = []
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(f"Invalid value for `axis` argument. Expected 0 <= axis < "
                                 f"inputs.rank (with inputs.rank={rank}). Received: "
                                 f"axis={self.axis}")
            norm.append(a % rank)
        if len(set(norm)) != len(norm):
            raise ValueError(f"Duplicate axis: {self.axis}")
        self.axis = norm
        dtype = dtypes.as_dtype(self._dtype or dtypes.float32)
        if not dtype.is_floating:
            raise TypeError(f"BatchNormalization needs floating-point inputs, got "
                            f"{dtype.name}")
        fusable = rank == 4 and len(norm) == 1 and norm[0] in (1, 3) and dtype in (
            dtypes.float16, dtypes.bfloat16, dtypes.float32)
        if self.fused is None:
            self.fused = fusable
        elif self.fused and not fusable:
            raise ValueError("Batch normalization layers with `fused=True` only support "
                             "4D input tensors with axis 1 or 3 and a float16/32 dtype. "
                             f"Received: input_shape={input_shape}, axis={self.axis}")
        self._data_format = ("NCHW" if norm == [1] else "NHWC") if self.fused else None
        dims = input_shape.as_list()
        axis_to_dim = {a: dims[a] for a in norm}
        for a, d in axis_to_dim.items():
            if d is None:
                raise ValueError(f"Input has undefined `axis` dimension. Received input "
                                 f"with shape {tuple(dims)} and axis={tuple(norm)}")
        self.input_spec = InputSpec(ndim=rank, axes=axis_to_dim)
        if len(norm) == 1:
            param_shape = [axis_to_dim[norm[0]]]
        else:
            param_shape = [axis_to_dim.get(i, 1) for i in range(rank)]
        self._param_shape = param_shape
        pdtype = dtypes.float32 if dtype in (dtypes.float16, dtypes.bfloat16) else dtype
        self._param_dtype = pdtype
        self.gamma = self.add_weight("gamma", shape=param_shape, dtype=pdtype,
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint,
                                     trainable=True) if self.scale else None
        self.beta = self.add_weight("beta", shape=param_shape, dtype=pdtype,
                                    initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint,
                                    trainable=True) if self.center else None
        # The moving statistics are never partitioned (as TF: the scope's partitioner is
        # switched off while they are made).
        self._set_scope(None)
        partitioner = self._scope.partitioner
        self._scope.set_partitioner(None)
        try:
            self.moving_mean = self.add_weight("moving_mean", shape=param_shape, dtype=pdtype,
                                               initializer=self.moving_mean_initializer,
                                               trainable=False)
            self.moving_variance = self.add_weight(
                "moving_variance", shape=param_shape, dtype=pdtype,
                initializer=self.moving_variance_initializer, trainable=False)
        finally:
            self._scope.set_partitioner(partitioner)
        self.built = True

    # -- moving averages -------------------------------------------------------------------
    def _assign_moving_average(self, variable, value, momentum):
        """`variable -= (variable - value) * (1 - momentum)`, named AssignMovingAvg."""
        from flowgraph.ops import state_ops
        with name_scope("AssignMovingAvg") as scope:
            with colocate_with(variable):
                if isinstance(momentum, (int, float)):
                    decay = convert_to_tensor(1.0 - momentum, name="decay")
                else:
                    decay = 1.0 - momentum
                vdtype = variable.dtype.base_dtype
                if decay.dtype.base_dtype != vdtype:
                    decay = unary_ops.cast(decay, vdtype)
                value = value if value.dtype.base_dtype == vdtype else unary_ops.cast(value, vdtype)
                delta = (variable - value) * decay
                return state_ops.assign_sub(variable, delta, name=scope)

    # -- the two paths ---------------------------------------------------------------------
    def _fused(self, inputs, training):
        gamma = self.gamma if self.scale else creation_ops.ones(self._param_shape,
                                                                dtype=self._param_dtype)
        beta = self.beta if self.center else creation_ops.zeros(self._param_shape,
                                                                dtype=self._param_dtype)

        def train():
            return norm_ops.fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean,
                                             variance=self.moving_variance, epsilon=self.epsilon,
                                             is_training=True, data_format=self._data_format)

        def infer():
            return norm_ops.fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean,
                                             variance=self.moving_variance, epsilon=self.epsilon,
                                             is_training=False, data_format=self._data_format)
        output, mean, variance = smart_cond(training, train, infer)
        value = static_bool(training)
        if value is None or value:
            if value is None:
                momentum = smart_cond(training, lambda: convert_to_tensor(
                    float(self.momentum)), lambda: convert_to_tensor(1.0))
            else:
                momentum = convert_to_tensor(float(self.momentum))
            self.add_update(self._assign_moving_average(self.moving_mean, mean, momentum))
            self.add_update(self._assign_moving_average(self.moving_variance, variance,
                                                        momentum))
        return output

    def _moments_path(self, inputs, training):
        shape = inputs.shape
        ndims = shape.ndims
        reduction_axes = [i for i in range(ndims) if i not in self.axis]
        broadcast_shape = [1] * ndims
        broadcast_shape[self.axis[0]] = shape.as_list()[self.axis[0]]

        def bcast(v):
            if v is not None and v.shape.ndims != ndims and \
                    reduction_axes != list(range(ndims - 1)):
                return array_ops.reshape(v, broadcast_shape)
            return v
        scale, offset = bcast(self.gamma), bcast(self.beta)
        value = static_bool(training)
        if value is False:
            mean, variance = self.moving_mean, self.moving_variance
        else:
            half = inputs.dtype.base_dtype in (dtypes.float16, dtypes.bfloat16)
            x = unary_ops.cast(inputs, dtypes.float32) if half else inputs
            keep = len(self.axis) > 1
            mean, variance = nn_impl.moments(x, reduction_axes, keep_dims=keep)
            if value is None:
                batch_mean, batch_var = mean, variance
                mean = smart_cond(training, lambda: batch_mean,
                                  lambda: convert_to_tensor(self.moving_mean))
                variance = smart_cond(training, lambda: batch_var,
                                      lambda: convert_to_tensor(self.moving_variance))
                # Off training the selected statistics are the moving ones: a zero decay
                # makes the same update ops a no-op.
                momentum = smart_cond(training, lambda: convert_to_tensor(
                    float(self.momentum)), lambda: convert_to_tensor(1.0))
                self.add_update(self._assign_moving_average(self.moving_mean, mean,
                                                            momentum))
                self.add_update(self._assign_moving_average(self.moving_variance,
                                                            variance, momentum))
            else:
                self.add_update(self._assign_moving_average(self.moving_mean, mean,
                                                            self.momentum))
                self.add_update(self._assign_moving_average(self.moving_variance,
                                                            variance, self.momentum))
        xdtype = inputs.dtype.base_dtype

        def cast(v):
            return v if v is None or v.dtype.base_dtype == xdtype else unary_ops.cast(v, xdtype)
        mean, variance = cast(mean), cast(variance)
        offset, scale = cast(offset), cast(scale)
        outputs = nn_impl.batch_normalization(inputs, bcast(mean), bcast(variance), offset, scale,
                                              self.epsilon)
        outputs.set_shape(shape)
        return outputs

    def call(self, inputs, training=False):
        if training is None:
            training = False
        if self.fused:
            return self._fused(inputs, training)
        return self._moments_path(inputs, training)

    def compute_output_shape(self, input_shape):
        return tensor_shape.as_shape(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon,
                   center=self.center, scale=self.scale)
        return cfg


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True,
                        scale=True, beta_initializer=init_ops.zeros_initializer(),
                        gamma_initializer=init_ops.ones_initializer(),
                        moving_mean_initializer=init_ops.zeros_initializer(),
                        moving_variance_initializer=init_ops.ones_initializer(),
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                        gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                        fused=None, virtual_batch_size=None, adjustment=None):
    """Functional interface for batch normalization (variables `<name>/gamma`, `beta`,
    `moving_mean`, `moving_variance`; `name` default `batch_normalization`, ...).

    The moving statistics are updated by ops in `tf.GraphKeys.UPDATE_OPS`: run them with
    the train op, e.g.

        update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        with tf.control_dependencies(update_ops):
            train_op = optimizer.minimize(loss)
    """
    layer = BatchNormalization(axis=axis, momentum=momentum, epsilon=epsilon, center=center,
                               scale=scale, beta_initializer=beta_initializer,
                               gamma_initializer=gamma_initializer,
                               moving_mean_initializer=moving_mean_initializer,
                               moving_variance_initializer=moving_variance_initializer,
                               beta_regularizer=beta_regularizer,
                               gamma_regularizer=gamma_regularizer,
                               beta_constraint=beta_constraint,
                               gamma_constraint=gamma_constraint, renorm=renorm,
                               renorm_clipping=renorm_clipping,
                               renorm_momentum=renorm_momentum, fused=fused,
                               trainable=trainable, virtual_batch_size=virtual_batch_size,
                               adjustment=adjustment, name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs, training=training)
