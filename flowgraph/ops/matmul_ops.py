"""Matrix products: `MatMul` (rank 2), `BatchMatMulV2` (batched, broadcasting batch dims),
`Einsum`, and the `matmul`, `tensordot` and `einsum` builders."""
import string

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.ops import grad_util
from flowgraph.ops.grad_util import sum_to
from flowgraph.ops.math_common import check_type, FLOAT, INT32_64, NUMERIC

__all__ = ["matmul", "tensordot", "einsum", "trace"]
__namespaces__ = {"linalg": ["matmul", "tensordot", "einsum", "trace"]}
_MATMUL_TYPES = FLOAT | INT32_64 | {dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64}
_BATCH_MATMUL_TYPES = _MATMUL_TYPES | {dtypes.int16}


def _dim_mismatch(a, b):
    return a is not None and b is not None and a != b


def matmul_operand_shapes(op):
    """The dims of a 2-D matmul op's inputs 0 and 1 as multiplied (after its
    `transpose_a`/`transpose_b` attrs); ValueError where the inner dimensions differ."""
    a = op.inputs[0].shape.with_rank(2).as_list()
    b = op.inputs[1].shape.with_rank(2).as_list()
    if op.get_attr("transpose_a"):
        a = a[::-1]
    if op.get_attr("transpose_b"):
        b = b[::-1]
    if _dim_mismatch(a[1], b[0]):
        raise ValueError(f"Dimensions must be equal, but are {a[1]} and {b[0]}")
    return a, b


@defop("MatMul", inputs=("a: T", "b: T"), outputs=("product: T",),
       attrs={"transpose_a": False, "transpose_b": False, "grad_a": False, "grad_b": False})
class MatMul:
    """The matrix product of two rank-2 tensors (optionally transposed first)."""
    transpose_attrs = ("transpose_a", "transpose_b")
    def shape(op):
        check_type(op, _MATMUL_TYPES, arg="a")
        a, b = matmul_operand_shapes(op)
        return tensor_shape.TensorShape([a[0], b[1]])

    def kernel(xp, a, b, transpose_a, transpose_b):
        if transpose_a:
            a = a.T
        if transpose_b:
            b = b.T
        if a.shape[1] != b.shape[0]:
            raise errors.InvalidArgumentError(
                None, None, f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: "
                            f"{list(b.shape)}")
        return xp.matmul(a, b)

    def sum_gradients(ts, cache):
        """sum_i a_i^T b_i (the gradient of a weight many MatMuls share, as in an unrolled
        RNN) as one MatMul of two concatenations: one large GEMM instead of many thin ones
        and an AddN over all their results."""
        ops = [t.op for t in ts]
        if not grad_util.fresh(ts) or any(
                not o.get_attr("transpose_a") or o.get_attr("transpose_b") for o in ops):
            return None
        a, b = [o.inputs[0] for o in ops], [o.inputs[1] for o in ops]
        if not (grad_util.stackable(a) and grad_util.stackable(b)):
            return None
        return apply_op("MatMul", [grad_util.concat_once(a, cache),
                                   grad_util.concat_once(b, cache)],
                        {"transpose_a": True, "transpose_b": False,
                         "grad_a": ops[0].get_attr("grad_a"),
                         "grad_b": ops[0].get_attr("grad_b")})

    def grad(op, grad):
        from flowgraph.ops.unary_ops import conj
        a, b = conj(op.inputs[0]), conj(op.inputs[1])  # complex: conj, as TF
        ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")
        if not ta and not tb:
            return [_mm(grad, b, tb=True, ga=True), _mm(a, grad, ta=True, gb=True)]
        if not ta and tb:
            return [_mm(grad, b, ga=True), _mm(grad, a, ta=True, gb=True)]
        if ta and not tb:
            return [_mm(b, grad, tb=True, ga=True), _mm(a, grad, gb=True)]
        return [_mm(b, grad, ta=True, tb=True, ga=True), _mm(grad, a, ta=True, tb=True, gb=True)]


def _mm(a, b, ta=False, tb=False, ga=False, gb=False):
    """A MatMul marked as a gradient computation (TF sets grad_a/grad_b likewise)."""
    return apply_op("MatMul", [a, b], {"transpose_a": ta, "transpose_b": tb,
                                       "grad_a": ga, "grad_b": gb})


def _batch_shape(op):
    check_type(op, _BATCH_MATMUL_TYPES)
    x, y = op.inputs[0].shape, op.inputs[1].shape
    x, y = x.with_rank_at_least(2), y.with_rank_at_least(2)
    if x.ndims is None or y.ndims is None:
        return tensor_shape.unknown_shape()
    xs, ys = x.as_list(), y.as_list()
    m, kx = (xs[-1], xs[-2]) if op.get_attr("adj_x") else (xs[-2], xs[-1])
    ky, n = (ys[-1], ys[-2]) if op.get_attr("adj_y") else (ys[-2], ys[-1])
    if _dim_mismatch(kx, ky):
        raise ValueError(f"Dimensions must be equal, but are {kx} and {ky}")
    from flowgraph.framework.shape_fns import broadcast_shapes
    batch = broadcast_shapes(xs[:-2], ys[:-2])
    return batch.concatenate([m, n])


def _adjoint(xp, a):
    a = xp.swapaxes(a, -1, -2)
    return xp.conj(a) if a.dtype.kind == "c" else a


@defop("BatchMatMulV2", inputs=("x: T", "y: T"), outputs=("output: T",),
       attrs={"adj_x": False, "adj_y": False, "grad_x": False, "grad_y": False})
class BatchMatMulV2:
    """Batched matrix product over the last two axes; the batch axes broadcast."""
    shape = _batch_shape

    def kernel(xp, x, y, adj_x, adj_y):
        if adj_x:
            x = _adjoint(xp, x)
        if adj_y:
            y = _adjoint(xp, y)
        if x.shape[-1] != y.shape[-2]:
            raise errors.InvalidArgumentError(
                None, None, f"Matrix size-incompatible: In[0]: {list(x.shape)}, In[1]: "
                            f"{list(y.shape)}")
        return xp.matmul(x, y)

    def grad(op, grad):
        x, y = op.inputs
        ax, ay = op.get_attr("adj_x"), op.get_attr("adj_y")
        if not ax and not ay:
            gx, gy = _bmm(grad, y, ay=True, gx=True), _bmm(x, grad, ax=True, gy=True)
        elif not ax and ay:
            gx, gy = _bmm(grad, y, gx=True), _bmm(grad, x, ax=True, gy=True)
        elif ax and not ay:
            gx, gy = _bmm(y, grad, ay=True, gx=True), _bmm(x, grad, gy=True)
        else:
            gx = _bmm(y, grad, ax=True, ay=True, gx=True)
            gy = _bmm(grad, x, ax=True, ay=True, gy=True)
        return [sum_to(gx, x), sum_to(gy, y)]


def _bmm(x, y, ax=False, ay=False, gx=False, gy=False):
    return apply_op("BatchMatMulV2", [x, y], {"adj_x": ax, "adj_y": ay, "grad_x": gx,
                                              "grad_y": gy})


# -- Einsum --------------------------------------------------------------------------------
def _split(equation, n):
    """(input label strings, output label string) with "..." kept, implicit output made
    explicit (labels seen once, sorted, after any ellipsis) as TF's builder does."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != n:
        raise ValueError(f"Expected {len(ins)} inputs for equation '{equation}', got {n}")
    for s in ins + [out]:
        if not all(c in string.ascii_letters for c in s.replace("...", "")):
            raise ValueError(f"Invalid einsum equation '{equation}'")
    if not arrow:
        labels = "".join(ins).replace("...", "")
        out = ("..." if "..." in lhs else "") + \
            "".join(sorted(c for c in set(labels) if labels.count(c) == 1))
    return ins, out


def _expand(ins, out, ranks):
    """Replace "..." by fresh letters, right-aligned, given each input's rank."""
    used = set("".join(ins) + out)
    free = [c for c in string.ascii_letters if c not in used]
    counts = []
    for s, r in zip(ins, ranks):
        named = len(s.replace("...", ""))
        k = r - named if "..." in s else 0
        if k < 0 or ("..." not in s and r != named):
            raise ValueError(f"Einsum operand '{s}' does not match an input of rank {r}")
        counts.append(k)
    n = max(counts, default=0)
    ell = free[:n]
    new_ins = [s.replace("...", "".join(ell[n - k:])) for s, k in zip(ins, counts)]
    return new_ins, out.replace("...", "".join(ell))


def _einsum_shape(op):
    check_type(op, NUMERIC, arg="inputs")
    ins, out = _split(op.get_attr("equation"), len(op.inputs))
    shapes = [t.shape for t in op.inputs]
    if any(s.ndims is None for s in shapes):
        return tensor_shape.unknown_shape() if "..." in out else \
            tensor_shape.unknown_shape(len(out))
    ins, out = _expand(ins, out, [s.ndims for s in shapes])
    sizes = {}
    for labels, s in zip(ins, shapes):
        for c, d in zip(labels, s.as_list()):
            if c not in sizes or sizes[c] == 1:
                sizes[c] = d if c not in sizes or d is not None else sizes[c]
            elif d not in (None, 1) and sizes[c] is not None and d != sizes[c]:
                raise ValueError(f"Expected dimension {sizes[c]} at axis of the input "
                                 f"labeled '{c}' but got dimension {d}")
    for c in out:
        if c not in sizes:
            raise ValueError(f"Output label '{c}' does not appear in any input")
    return tensor_shape.TensorShape([sizes[c] for c in out])


@defop("Einsum", inputs=("inputs: N * T",), outputs=("output: T",), attrs={"equation": None})
class Einsum:
    """Tensor contraction described by an Einstein-summation `equation` ("ij,jk->ik")."""
    shape = _einsum_shape

    def kernel(xp, inputs, equation):
        big = len(inputs) > 1 and max(int(np.prod(x.shape)) for x in inputs) > 4096
        return xp.einsum(equation, *inputs, optimize=big).astype(inputs[0].dtype, copy=False)

    def grad(op, grad):
        from flowgraph.ops import array_ops
        from flowgraph.ops.unary_ops import conj  # complex: the others enter conjugated
        xs = list(op.inputs)
        ins, out = _split(op.get_attr("equation"), len(xs))
        ranks = [t.shape.ndims for t in xs]
        if None in ranks:
            raise NotImplementedError(f"The gradient of Einsum ('{op.name}') needs inputs "
                                      "of known rank")
        ins, out = _expand(ins, out, ranks)
        grads = []
        for i, (x, labels) in enumerate(zip(xs, ins)):
            if len(set(labels)) != len(labels):
                raise NotImplementedError(
                    f"The gradient of Einsum ('{op.name}') with a repeated label in one "
                    f"operand ('{labels}') is not supported")
            others = [s for j, s in enumerate(ins) if j != i]
            present = set(out).union(*others)
            kept = "".join(c for c in labels if c in present)
            g = apply_op("Einsum", [[grad] + [conj(t) for j, t in enumerate(xs) if j != i]],
                         {"equation": ",".join([out] + others) + "->" + kept})
            if kept != labels:  # labels only in x were summed: broadcast back over them
                sx = x.shape.as_list() if x.shape.is_fully_defined() else array_ops.shape(x)
                if isinstance(sx, list):
                    g = array_ops.reshape(g, [d if c in present else 1
                                              for c, d in zip(labels, sx)])
                else:
                    mask = np.array([c in present for c in labels])
                    from flowgraph.ops.reduction_ops import where_v2
                    g = array_ops.reshape(g, where_v2(mask, sx, np.int32(1)))
                g = array_ops.broadcast_to(g, sx)
            grads.append(sum_to(g, x))
        return grads


# -- builders ------------------------------------------------------------------------------
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False,
           grad_b=False, name=None):
    """Multiplies matrix a by matrix b: `MatMul` for rank 2, `BatchMatMulV2` for rank > 2
    (batch dimensions broadcast)."""
    from flowgraph.ops.unary_ops import cast
    with name_scope(name, "MatMul", [a, b]) as name:
        if transpose_a and adjoint_a:
            raise ValueError("Only one of transpose_a and adjoint_a can be True.")
        if transpose_b and adjoint_b:
            raise ValueError("Only one of transpose_b and adjoint_b can be True.")
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, dtype_hint=a.dtype.base_dtype, name="b")
        if a.dtype.base_dtype != b.dtype.base_dtype:
            raise TypeError(f"Input 'b' of 'MatMul' Op has type {b.dtype.base_dtype.name} "
                            f"that does not match type {a.dtype.base_dtype.name} of "
                            "argument 'a'.")
        ra, rb = a.shape.ndims, b.shape.ndims
        if ra is None or rb is None or ra > 2 or rb > 2:
            if a.dtype.is_complex:
                if transpose_a:
                    a, adjoint_a = apply_op("Conj", [a]), True
                if transpose_b:
                    b, adjoint_b = apply_op("Conj", [b]), True
            out = apply_op("BatchMatMulV2", [a, b],
                           {"adj_x": bool(adjoint_a or transpose_a),
                            "adj_y": bool(adjoint_b or transpose_b),
                            "grad_x": grad_a, "grad_y": grad_b}, name=name)
        else:
            if a.dtype.is_complex:
                if adjoint_a:
                    a = apply_op("Conj", [a])
                if adjoint_b:
                    b = apply_op("Conj", [b])
            out = apply_op("MatMul", [a, b],
                           {"transpose_a": bool(transpose_a or adjoint_a),
                            "transpose_b": bool(transpose_b or adjoint_b),
                            "grad_a": grad_a, "grad_b": grad_b}, name=name)
        if output_type is not None and dtypes.as_dtype(output_type) != out.dtype:
            out = cast(out, output_type)
        return out


def _contract_labels(a, b, rest):
    """Labels of the intermediate of contracting operands a and b, given the label strings
    still needed later (`rest`)."""
    keep = []
    for c in (a + b).replace("...", ""):
        if c in rest and c not in keep:
            keep.append(c)
    return ("..." if "..." in a + b else "") + "".join(keep)


def einsum(equation, *inputs, **kwargs):
    """Tensor contraction over the indices of an Einstein-summation `equation`, e.g.
    `einsum('ij,jk->ik', a, b)` is a matrix product."""
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments for einsum: {', '.join(kwargs)}")
    with name_scope(name, "einsum", list(inputs)):
        xs = [convert_to_tensor(x, name="input") for x in inputs]
        if not xs:
            raise ValueError("einsum needs at least one input")
        ins, out = _split(equation, len(xs))
        while len(xs) > 2:  # contract left to right, two operands at a time
            rest = "".join(ins[2:]) + out
            mid = _contract_labels(ins[0], ins[1], rest)
            x = apply_op("Einsum", [xs[:2]], {"equation": f"{ins[0]},{ins[1]}->{mid}"})
            xs, ins = [x] + xs[2:], [mid] + ins[2:]
        return apply_op("Einsum", [xs], {"equation": ",".join(ins) + "->" + out})


def _tensordot_axes(a, b, axes):
    ra, rb = a.shape.ndims, b.shape.ndims
    if isinstance(axes, (int, np.integer)):
        if axes < 0:
            raise ValueError(f"'axes' must be at least 0, got {axes}.")
        if ra is None:
            raise ValueError("tensordot with integer axes needs a of known rank")
        if axes > ra or (rb is not None and axes > rb):
            raise ValueError(f"'axes' must not be larger than the number of dimensions of "
                             f"tensor {a}.")
        return list(range(ra - axes, ra)), list(range(axes))
    axes = list(axes)
    if len(axes) != 2:
        raise ValueError(f"'axes' must be an integer or have length 2, got {axes}.")
    a_axes, b_axes = axes
    a_axes = [int(a_axes)] if np.ndim(a_axes) == 0 else [int(i) for i in a_axes]
    b_axes = [int(b_axes)] if np.ndim(b_axes) == 0 else [int(i) for i in b_axes]
    if len(a_axes) != len(b_axes):
        raise ValueError(f"Different number of contraction axes 'a' and 'b', "
                         f"{len(a_axes)} != {len(b_axes)}.")
    if ra is None or rb is None:
        raise ValueError("tensordot needs inputs of known rank")
    return [i % ra for i in a_axes], [i % rb for i in b_axes]


def tensordot(a, b, axes, name=None):
    """Sums the product of the elements of a and b over the given axes: `axes` is N (the
    last N axes of a with the first N of b) or a pair of axis lists. Lowered as TF does:
    transpose and reshape each side to a matrix, MatMul, reshape to the free dims."""
    with name_scope(name, "Tensordot", [a, b, axes]) as name:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        a_axes, b_axes = _tensordot_axes(a, b, axes)
        ma, a_free, a_static = _tensordot_reshape(a, a_axes)
        mb, b_free, b_static = _tensordot_reshape(b, b_axes, flipped=True)
        product = matmul(ma, mb)
        from flowgraph.ops import array_ops
        if isinstance(a_free, list) and isinstance(b_free, list):
            if product.shape.is_fully_defined() and product.shape.as_list() == a_free + b_free:
                return product
            return array_ops.reshape(product, a_free + b_free, name=name)
        dims = array_ops.concat([_as_int32(a_free), _as_int32(b_free)], 0)
        product = array_ops.reshape(product, dims, name=name)
        product.set_shape(a_static + b_static)
        return product


def _as_int32(v):
    return convert_to_tensor(v, dtype=dtypes.int32)


def _tensordot_reshape(a, axes, flipped=False):
    """(a as a matrix, free dims (list or tensor), static free dims)."""
    from flowgraph.ops import array_ops
    from flowgraph.ops.reduction_ops import reduce_prod
    shape_a = a.shape.as_list()
    free = [i for i in range(len(shape_a)) if i not in axes]
    free_static = [shape_a[i] for i in free]
    if a.shape.is_fully_defined():
        prod_free = int(np.prod(free_static))
        prod_axes = int(np.prod([shape_a[i] for i in axes]))
        perm = list(axes) + free if flipped else free + list(axes)
        new_shape = [prod_axes, prod_free] if flipped else [prod_free, prod_axes]
        if perm != list(range(len(shape_a))):
            a = array_ops.transpose(a, perm)
        if a.shape.as_list() != new_shape:
            a = array_ops.reshape(a, new_shape)
        return a, free_static, free_static
    axes_t = convert_to_tensor(np.array(axes, np.int32), name="axes")
    free_t = convert_to_tensor(np.array(free, np.int32), name="free")
    shape_t = array_ops.shape(a)
    free_dims = array_ops.gather(shape_t, free_t)
    axes_dims = array_ops.gather(shape_t, axes_t)
    prod_free, prod_axes = reduce_prod(free_dims), reduce_prod(axes_dims)
    if flipped:
        perm = array_ops.concat([axes_t, free_t], 0)
        new_shape = array_ops.stack([prod_axes, prod_free])
    else:
        perm = array_ops.concat([free_t, axes_t], 0)
        new_shape = array_ops.stack([prod_free, prod_axes])
    return array_ops.reshape(array_ops.transpose(a, perm), new_shape), free_dims, free_static


def trace(x, name=None):
    """The sum of the main diagonal of each innermost matrix of x."""
    from flowgraph.ops import array_ops
    from flowgraph.ops.reduction_ops import reduce_sum
    with name_scope(name, "Trace", [x]) as name:
        x = convert_to_tensor(x, name="x")
        return reduce_sum(array_ops.matrix_diag_part(x), [-1], name=name)
