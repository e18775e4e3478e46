"""Activations and their gradient ops (`Relu`/`ReluGrad`, `Relu6`, `LeakyRelu`, `Elu`,
`Selu`, `Softplus`, `Softsign`), `Softmax`/`LogSoftmax`, `BiasAdd`/`BiasAddGrad` and
`L2Loss`, with their `tf.nn` builders.

As in TF, each activation's gradient is its own op (e.g. `ReluGrad(gradients, features)`),
and those gradient ops are differentiable again."""
import numpy as np

from flowgraph.framework import dtypes, shape_fns
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import grad_util
from flowgraph.ops import nn_util as U

__all__ = []
__namespaces__ = {"math": ["softplus", "softsign", "softmax", "log_softmax"],
                  "nn": ["relu", "relu6", "leaky_relu", "elu", "selu", "softplus", "softsign",
                         "softmax", "log_softmax", "bias_add", "l2_loss", "xw_plus_b",
                         "relu_layer", "crelu", "swish", "silu"]}

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def _m():
    from flowgraph.ops import math_ops
    return math_ops


def _a():
    from flowgraph.ops import array_ops
    return array_ops


def _zero(xp, like):
    return xp.zeros((), dtype=like.dtype)


def _sigmoid(xp, x):
    """A stable logistic: 0.5 * (1 + tanh(x / 2)) never overflows."""
    return (0.5 * (1 + xp.tanh(x * 0.5))).astype(x.dtype, copy=False)


def _pair_shape(op):
    """Gradient ops (gradients, features): both of one shape."""
    return op.inputs[0].shape.merge_with(op.inputs[1].shape)


def _where_neg(x, a, b):
    """where(x < 0, a, b) as graph ops."""
    m = _m()
    return m.where(m.less(x, _a().zeros_like(x)), a, b)


# -- activations ---------------------------------------------------------------------------------
@defop("Relu", inputs=("features: T",), outputs=("activations: T",))
class Relu:
    """max(features, 0)."""
    shape = shape_fns.unchanged

    def kernel(xp, features):
        return xp.maximum(features, _zero(xp, features))

    def grad(op, g):
        return [apply_op("ReluGrad", [g, op.outputs[0]])]


@defop("ReluGrad", inputs=("gradients: T", "features: T"), outputs=("backprops: T",))
class ReluGrad:
    """gradients * (features > 0): the gradient of Relu."""
    shape = _pair_shape

    def kernel(xp, gradients, features):
        return xp.where(features > 0, gradients, _zero(xp, gradients))

    def grad(op, g):
        x = op.inputs[1]
        return [apply_op("ReluGrad", [g, x]), _a().zeros_like(x)]


@defop("Relu6", inputs=("features: T",), outputs=("activations: T",))
class Relu6:
    """min(max(features, 0), 6)."""
    shape = shape_fns.unchanged

    def kernel(xp, features):
        return xp.clip(features, _zero(xp, features), xp.asarray(6, dtype=features.dtype))

    def grad(op, g):
        # as TF, from the output: the same mask, and the one TF uses when it is fed
        return [apply_op("Relu6Grad", [g, op.outputs[0]])]


@defop("Relu6Grad", inputs=("gradients: T", "features: T"), outputs=("backprops: T",))
class Relu6Grad:
    """gradients * (0 < features < 6): the gradient of Relu6."""
    shape = _pair_shape

    def kernel(xp, gradients, features):
        return xp.where((features > 0) & (features < 6), gradients, _zero(xp, gradients))

    def grad(op, g):
        x = op.inputs[1]
        return [apply_op("Relu6Grad", [g, x]), _a().zeros_like(x)]


@defop("LeakyRelu", inputs=("features: T",), outputs=("activations: T",),
       attrs={"alpha": 0.2})
class LeakyRelu:
    """features where positive, alpha * features elsewhere."""
    shape = shape_fns.unchanged

    def kernel(xp, features, alpha):
        alpha = np.float32(alpha)  # a TF float attr is 32-bit, also for float64 features
        return xp.where(features > 0, features, (features * alpha).astype(features.dtype))

    def grad(op, g):
        return [apply_op("LeakyReluGrad", [g, op.inputs[0]], {"alpha": op.get_attr("alpha")})]


@defop("LeakyReluGrad", inputs=("gradients: T", "features: T"), outputs=("backprops: T",),
       attrs={"alpha": 0.2})
class LeakyReluGrad:
    """gradients where features > 0, alpha * gradients elsewhere."""
    shape = _pair_shape

    def kernel(xp, gradients, features, alpha):
        alpha = np.float32(alpha)  # a TF float attr is 32-bit, also for float64 features
        return xp.where(features > 0, gradients, (gradients * alpha).astype(gradients.dtype))

    def grad(op, g):
        x = op.inputs[1]
        return [apply_op("LeakyReluGrad", [g, x], {"alpha": op.get_attr("alpha")}),
                _a().zeros_like(x)]


@defop("Elu", inputs=("features: T",), outputs=("activations: T",))
class Elu:
    """exp(features) - 1 where negative, features elsewhere."""
    shape = shape_fns.unchanged

    def kernel(xp, features):
        return xp.where(features < 0, xp.expm1(xp.minimum(features, _zero(xp, features))),
                        features)

    def grad(op, g):
        return [apply_op("EluGrad", [g, op.outputs[0]])]


@defop("EluGrad", inputs=("gradients: T", "outputs: T"), outputs=("backprops: T",))
class EluGrad:
    """gradients * (outputs + 1) where outputs < 0, gradients elsewhere."""
    shape = _pair_shape

    def kernel(xp, gradients, outputs):
        return xp.where(outputs < 0, gradients * (outputs + 1), gradients)

    def grad(op, g):
        dy, y = op.inputs
        return [apply_op("EluGrad", [g, y]),
                _where_neg(y, _m().multiply(g, dy), _a().zeros_like(y))]


@defop("Selu", inputs=("features: T",), outputs=("activations: T",))
class Selu:
    """scale * alpha * (exp(features) - 1) where negative, scale * features elsewhere."""
    shape = shape_fns.unchanged

    def kernel(xp, features):
        neg = xp.expm1(xp.minimum(features, _zero(xp, features))) * (_SELU_SCALE * _SELU_ALPHA)
        return xp.where(features < 0, neg, features * _SELU_SCALE).astype(features.dtype,
                                                                          copy=False)

    def grad(op, g):
        return [apply_op("SeluGrad", [g, op.outputs[0]])]


@defop("SeluGrad", inputs=("gradients: T", "outputs: T"), outputs=("backprops: T",))
class SeluGrad:
    """The gradient of Selu from its outputs."""
    shape = _pair_shape

    def kernel(xp, gradients, outputs):
        out = xp.where(outputs < 0, gradients * (outputs + _SELU_SCALE * _SELU_ALPHA),
                       gradients * _SELU_SCALE)
        return out.astype(gradients.dtype, copy=False)

    def grad(op, g):
        dy, y = op.inputs
        return [apply_op("SeluGrad", [g, y]),
                _where_neg(y, _m().multiply(g, dy), _a().zeros_like(y))]


@defop("Softplus", inputs=("features: T",), outputs=("activations: T",))
class Softplus:
    """log(exp(features) + 1), computed without overflow."""
    shape = shape_fns.unchanged

    def kernel(xp, features):
        x = features
        return (xp.maximum(x, _zero(xp, x)) + xp.log1p(xp.exp(-xp.abs(x)))).astype(
            x.dtype, copy=False)

    def grad(op, g):
        return [apply_op("SoftplusGrad", [g, op.inputs[0]])]


@defop("SoftplusGrad", inputs=("gradients: T", "features: T"), outputs=("backprops: T",))
class SoftplusGrad:
    """gradients * sigmoid(features)."""
    shape = _pair_shape

    def kernel(xp, gradients, features):
        return (gradients * _sigmoid(xp, features)).astype(gradients.dtype, copy=False)

    def grad(op, g):
        dy, x = op.inputs
        m = _m()
        s = m.sigmoid(x)
        one = convert_to_tensor(1, dtype=x.dtype)
        return [m.multiply(g, s), m.multiply(m.multiply(g, dy), m.multiply(s, m.subtract(one, s)))]


@defop("Softsign", inputs=("features: T",), outputs=("activations: T",))
class Softsign:
    """features / (abs(features) + 1)."""
    shape = shape_fns.unchanged

    def kernel(xp, features):
        return features / (xp.abs(features) + 1)

    def grad(op, g):
        return [apply_op("SoftsignGrad", [g, op.inputs[0]])]


@defop("SoftsignGrad", inputs=("gradients: T", "features: T"), outputs=("backprops: T",))
class SoftsignGrad:
    """gradients / (1 + abs(features))**2."""
    shape = _pair_shape

    def kernel(xp, gradients, features):
        d = xp.abs(features) + 1
        return gradients / (d * d)

    def grad(op, g):  # TF has none; the closed form is cheap.
        dy, x = op.inputs
        m = _m()
        two = convert_to_tensor(2, dtype=x.dtype)
        d = m.add(m.abs(x), convert_to_tensor(1, dtype=x.dtype))
        d3 = m.multiply(m.multiply(d, d), d)
        return [apply_op("SoftsignGrad", [g, x]),
                m.negative(m.multiply(m.multiply(g, dy), m.truediv(m.multiply(two, m.sign(x)),
                                                                  d3)))]


# -- softmax -------------------------------------------------------------------------------------
def _rank1(op):
    return op.inputs[0].shape.with_rank_at_least(1)


def _softmax_kernel(xp, logits):
    z = logits - xp.max(logits, axis=-1, keepdims=True)
    e = xp.exp(z)
    return e / xp.sum(e, axis=-1, keepdims=True)


def _log_softmax_kernel(xp, logits):
    z = logits - xp.max(logits, axis=-1, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=-1, keepdims=True))


@defop("Softmax", inputs=("logits: T",), outputs=("softmax: T",))
class Softmax:
    """exp(logits) / sum(exp(logits)) along the last dimension (shifted by the max)."""
    shape = _rank1
    kernel = _softmax_kernel

    def grad(op, g):
        m = _m()
        y = op.outputs[0]
        s = m.reduce_sum(m.multiply(g, y), axis=-1, keepdims=True)
        return [m.multiply(m.subtract(g, s), y)]


@defop("LogSoftmax", inputs=("logits: T",), outputs=("logsoftmax: T",))
class LogSoftmax:
    """logits - log(sum(exp(logits))) along the last dimension (shifted by the max)."""
    shape = _rank1
    kernel = _log_softmax_kernel

    def grad(op, g):
        m = _m()
        y = op.outputs[0]
        return [m.subtract(g, m.multiply(m.reduce_sum(g, axis=-1, keepdims=True), m.exp(y)))]


# -- bias_add and l2_loss ------------------------------------------------------------------------
def _bias_axis(rank, data_format):
    return 1 if data_format == "NCHW" else rank - 1


def _bias_add_shape(op):
    df = U.check_choice("BiasAdd", "data_format", op.get_attr("data_format"),
                        ("NHWC", "NCHW"))
    v = op.inputs[0].shape.with_rank_at_least(3 if df == "NCHW" else 2)
    b = op.inputs[1].shape.with_rank(1)
    if v.ndims is None:
        return v
    dims = v.as_list()
    ax = _bias_axis(len(dims), df)
    c, bc = dims[ax], b.as_list()[0]
    if c is not None and bc is not None and c != bc:
        raise ValueError(f"Dimensions must be equal, but are {c} and {bc}")
    dims[ax] = c if c is not None else bc
    return TensorShape(dims)


@defop("BiasAdd", inputs=("value: T", "bias: T"), outputs=("output: T",),
       attrs={"data_format": "NHWC"})
class BiasAdd:
    """Adds the 1-D `bias` along the channel dimension of `value` (last for NHWC,
    dimension 1 for NCHW)."""
    shape = _bias_add_shape

    def kernel(xp, value, bias, data_format):
        if value.shape[_bias_axis(value.ndim, data_format)] != bias.shape[0]:
            raise U.invalid(f"Must provide as many biases as the last dimension of the input "
                            f"tensor: {list(bias.shape)} vs. {list(value.shape)}")
        if data_format == "NCHW":
            bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
        return value + bias

    def grad(op, g):
        df = op.get_attr("data_format")
        return [g, apply_op("BiasAddGrad", [g], {"data_format": df})]


@defop("BiasAddGrad", inputs=("out_backprop: T",), outputs=("output: T",),
       attrs={"data_format": "NHWC"})
class BiasAddGrad:
    """Sums `out_backprop` over every dimension but the channel dimension."""

    def shape(op):
        df = op.get_attr("data_format")
        s = op.inputs[0].shape.with_rank_at_least(3 if df == "NCHW" else 2)
        if s.ndims is None:
            return TensorShape([None])
        return TensorShape([s.as_list()[_bias_axis(s.ndims, df)]])

    def sum_gradients(ts, cache):
        """The sum of many BiasAddGrads (a bias shared across an unrolled RNN's steps) as
        one BiasAddGrad of their concatenated inputs (shared with the weight's sum)."""
        ops = [t.op for t in ts]
        gs = [o.inputs[0] for o in ops]
        df = ops[0].get_attr("data_format")
        if not grad_util.fresh(ts) or not grad_util.stackable(gs) or \
                any(o.get_attr("data_format") != df for o in ops):
            return None
        return apply_op("BiasAddGrad", [grad_util.concat_once(gs, cache)], {"data_format": df})

    def kernel(xp, out_backprop, data_format):
        ax = _bias_axis(out_backprop.ndim, data_format)
        c = out_backprop.shape[ax]
        if ax == out_backprop.ndim - 1 and out_backprop.dtype.kind == "f" and c:
            # Channels last: a matrix-vector product sums rows several times faster.
            rows = out_backprop.reshape(-1, c)
            return xp.ones(rows.shape[0], rows.dtype) @ rows
        axes = tuple(i for i in range(out_backprop.ndim) if i != ax)
        return xp.sum(out_backprop, axis=axes, dtype=out_backprop.dtype)

    def grad(op, g):
        # Broadcasting `g` along the channel dimension is a BiasAdd onto zeros.
        x = op.inputs[0]
        df = op.get_attr("data_format")
        return [apply_op("BiasAdd", [_a().zeros_like(x), g], {"data_format": df})]


@defop("L2Loss", inputs=("t: T",), outputs=("output: T",))
class L2Loss:
    """sum(t ** 2) / 2."""
    shape = shape_fns.scalar

    def kernel(xp, t):
        return (xp.sum(t * t, dtype=t.dtype) / 2).astype(t.dtype)

    def grad(op, g):
        return [_m().multiply(op.inputs[0], g)]


# -- builders ------------------------------------------------------------------------------------
def _unary(op_type, features, name, allowed, param="features", attrs=None):
    with name_scope(name, op_type, [features]) as scope:
        features = convert_to_tensor(features, name=param)
        U.check_dtype(features, allowed, param)
        return apply_op(op_type, [features], attrs, name=scope)


def relu(features, name=None):
    """Rectified linear: max(features, 0)."""
    return _unary("Relu", features, name, U.REAL)


def relu6(features, name=None):
    """Rectified linear 6: min(max(features, 0), 6)."""
    return _unary("Relu6", features, name, U.REAL)


def leaky_relu(features, alpha=0.2, name=None):
    """Leaky rectified linear: features if positive, alpha * features otherwise."""
    with name_scope(name, "LeakyRelu", [features, alpha]) as scope:
        features = convert_to_tensor(features, name="features")
        if features.dtype.is_integer:
            features = _m().cast(features, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        return apply_op("LeakyRelu", [features], {"alpha": float(alpha)}, name=scope)


def elu(features, name=None):
    """Exponential linear: exp(features) - 1 if negative, features otherwise."""
    return _unary("Elu", features, name, U.FLOATS)


def selu(features, name=None):
    """Scaled exponential linear (Klambauer et al., 2017)."""
    return _unary("Selu", features, name, U.FLOATS)


def softplus(features, name=None):
    """log(exp(features) + 1)."""
    return _unary("Softplus", features, name, U.FLOATS)


def softsign(features, name=None):
    """features / (abs(features) + 1)."""
    return _unary("Softsign", features, name, U.FLOATS)


def _softmax_along(op_type, logits, axis, name):
    """Applies a last-axis op along `axis`, swapping `axis` with the last one as TF does."""
    logits = convert_to_tensor(logits, name="logits")
    U.check_dtype(logits, U.FLOATS, "logits")
    rank = logits.shape.ndims
    if axis is None or axis == -1 or (rank is not None and axis == rank - 1):
        return apply_op(op_type, [logits], name=name)
    if rank is None:
        raise ValueError(f"{op_type} along axis {axis} needs a known rank")
    if not -rank <= axis < rank:
        raise ValueError(f"`axis` must be in the range [{-rank}, {rank}) where {rank} is "
                         f"the number of dimensions in the input. Received: axis={axis}")
    axis %= rank
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    ar = _a()
    out = apply_op(op_type, [ar.transpose(logits, perm)])
    return ar.transpose(out, perm, name=name or "transpose")


def softmax(logits, axis=None, name=None, dim=None):
    """Softmax activations along `axis` (default: the last)."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    return _softmax_along("Softmax", logits, axis, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """Log-softmax activations along `axis` (default: the last)."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    return _softmax_along("LogSoftmax", logits, axis, name)


def bias_add(value, bias, data_format=None, name=None):
    """Adds the 1-D `bias` to `value` along its channel dimension."""
    with name_scope(name, "BiasAdd", [value, bias]) as scope:
        if data_format is not None:
            if isinstance(data_format, bytes):
                data_format = data_format.decode()
            if data_format.startswith("NC"):
                data_format = "NCHW"
            elif data_format.startswith("N") and data_format.endswith("C"):
                data_format = "NHWC"
            else:
                raise ValueError("data_format must be of the form `N...C` or `NC...`")
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype, name="bias")
        return apply_op("BiasAdd", [value, bias], {"data_format": data_format or "NHWC"},
                        name=scope)


def bias_add_grad(out_backprop, data_format="NHWC", name=None):
    """The gradient of bias_add: `out_backprop` summed over all but the channel dim."""
    return apply_op("BiasAddGrad", [out_backprop], {"data_format": data_format}, name=name)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2, without the square root."""
    return _unary("L2Loss", t, name, U.FLOATS, param="t")


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases (a BiasAdd)."""
    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        x = convert_to_tensor(x, name="x")
        weights = convert_to_tensor(weights, name="weights", dtype=x.dtype)
        biases = convert_to_tensor(biases, name="biases", dtype=x.dtype)
        mm = _m().matmul(x, weights)
        return apply_op("BiasAdd", [mm, biases], {"data_format": "NHWC"}, name=scope)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, "relu_layer", [x, weights, biases]) as scope:
        x = convert_to_tensor(x, name="x")
        weights = convert_to_tensor(weights, name="weights", dtype=x.dtype)
        biases = convert_to_tensor(biases, name="biases", dtype=x.dtype)
        xw = apply_op("BiasAdd", [_m().matmul(x, weights), biases], {"data_format": "NHWC"})
        return apply_op("Relu", [xw], name=scope)


def crelu(features, name=None, axis=-1):
    """Concatenated ReLU: concat([relu(features), relu(-features)], axis)."""
    with name_scope(name, "CRelu", [features]) as scope:
        features = convert_to_tensor(features, name="features")
        c = _a().concat([features, _m().negative(features)], axis)
        return apply_op("Relu", [c], name=scope)


def swish(features, beta=1.0):
    """features * sigmoid(beta * features) (a.k.a. SiLU)."""
    with name_scope(None, "swish", [features]):
        features = convert_to_tensor(features, name="features")
        m = _m()
        z = features if beta == 1.0 else m.multiply(features, beta)
        return m.multiply(features, m.sigmoid(z))


silu = swish
