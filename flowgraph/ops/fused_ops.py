"""Fused kernels the graph optimizer's remapper puts in place of op chains (TF's
`_FusedMatMul`): one kernel, one output buffer, the bias and activation applied in place
on the product. Users do not build these; the remapper (`runtime/grappler/remapper.py`)
does, when a plan is compiled. See docs/fused-kernels.md."""
import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.registry import defop, NO_GRADIENT
from flowgraph.ops import matmul_ops, update_kernels
from flowgraph.ops.math_common import check_type

__all__ = []

_T = {dtypes.bfloat16, dtypes.float16, dtypes.float32}  # TF's T for _FusedMatMul


def _elu(xp, y):
    neg = y < 0
    y[neg] = xp.expm1(y[neg])


def _leaky(y, alpha):
    neg = y < 0
    y[neg] *= y.dtype.type(alpha)


def _sigmoid(xp, y):
    xp.negative(y, out=y)
    xp.exp(y, out=y)
    y += 1
    xp.reciprocal(y, out=y)


# Activations `_FusedMatMul` applies in place: fused_ops name -> fn(xp, y, alpha).
ACTIVATIONS = {
    "Relu": lambda xp, y, alpha: xp.maximum(y, 0, out=y),
    "Relu6": lambda xp, y, alpha: xp.clip(y, 0, 6, out=y),
    "Elu": lambda xp, y, alpha: _elu(xp, y),
    "LeakyRelu": lambda xp, y, alpha: _leaky(y, alpha),
    "Tanh": lambda xp, y, alpha: xp.tanh(y, out=y),
    "Sigmoid": lambda xp, y, alpha: _sigmoid(xp, y),
}


def _bias_relu_loop(y, bias, relu):
    """y += bias (along rows), then max(y, 0) when relu (NaN stays NaN, as np.maximum)."""
    n, m = y.shape
    for i in range(n):
        for j in range(m):
            v = y[i, j] + bias[j]
            y[i, j] = 0 if relu and v < 0 else v


def _epilogue(xp, y, bias, fused_ops, alpha):
    """Adds the bias and applies the activation in place on the product y: one compiled
    pass for BiasAdd(+Relu) on float32/float64 numpy arrays (numba), else numpy."""
    relu = fused_ops[1:] == ["Relu"]
    if xp is np and (relu or len(fused_ops) == 1) and y.dtype in (np.float32, np.float64):
        fn = update_kernels.compiled(("bias_relu", y.dtype), _bias_relu_loop, y.dtype,
                                     [("rw", 2), ("ro", 1), "b"])
        if fn is not None and y.flags.c_contiguous:
            fn(y, bias if bias.dtype == y.dtype else bias.astype(y.dtype), relu)
            return
    y += bias
    if len(fused_ops) > 1:
        ACTIVATIONS[fused_ops[1]](xp, y, alpha)


def _check_fusion(fused_ops, num_args):
    ops = list(fused_ops)
    ok = ops[:1] == ["BiasAdd"] and len(ops) <= 2 and all(o in ACTIVATIONS for o in ops[1:])
    if not ok or num_args != 1:
        raise errors.UnimplementedError(None, None, f"Unsupported fusion: {ops} "
                                                    f"(num_args={num_args})")


@defop("_FusedMatMul", inputs=("a: T", "b: T", "args: num_args * T"),
       outputs=("product: T",),
       attrs={"transpose_a": False, "transpose_b": False, "fused_ops": [],
              "epsilon": 0.0001, "leakyrelu_alpha": 0.2})
class FusedMatMul:
    """MatMul followed by BiasAdd and an optional activation (Relu, Relu6, Elu, LeakyRelu,
    Tanh, Sigmoid), as `fused_ops` lists them: TF's remapper op."""
    # What the remapper may fold into this op: a MatMul, then an op adding a rank-1 bias
    # along the last axis, then one of the activations (fused_ops names = op types).
    fuses = {"contraction": ("MatMul",), "bias": ("BiasAdd", "AddV2", "Add"),
             "activations": tuple(ACTIVATIONS)}

    def shape(op):
        check_type(op, _T, arg="a")
        _check_fusion(op.get_attr("fused_ops"), op.get_attr("num_args"))
        a, b = matmul_ops.matmul_operand_shapes(op)
        bias = op.inputs[2].shape.with_rank(1)
        n = tensor_shape.Dimension(b[1]).merge_with(bias[0])
        return tensor_shape.TensorShape([a[0], n])

    def kernel(xp, a, b, args, transpose_a, transpose_b, fused_ops, epsilon,
               leakyrelu_alpha):
        _check_fusion(fused_ops, len(args))
        a = a.T if transpose_a else a
        b = b.T if transpose_b else b
        bias = args[0]
        if a.shape[1] != b.shape[0] or bias.shape != (b.shape[1],):
            raise errors.InvalidArgumentError(
                None, None, f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: "
                            f"{list(b.shape)}, bias: {list(bias.shape)}")
        y = xp.matmul(a, b)  # a fresh array: the bias and activation go in place
        _epilogue(xp, y, bias, list(fused_ops), leakyrelu_alpha)
        return y
    grad = NO_GRADIENT  # as TF: the remapper runs after gradients are built

