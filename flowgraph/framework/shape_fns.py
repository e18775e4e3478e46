"""Shape rules shared by many ops. Each takes the Operation and returns its output shapes."""
from flowgraph.framework import tensor_shape
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape


def unchanged(op):
    """Output 0 has the shape of input 0."""
    return op.inputs[0].shape


def scalar(op):
    return TensorShape([])


def unknown(op):
    return [unknown_shape() for _ in op.outputs]


def no_outputs(op):
    return []


def broadcast_shapes(a, b):
    """numpy broadcasting on partial shapes; ValueError when dims are incompatible."""
    a, b = tensor_shape.as_shape(a), tensor_shape.as_shape(b)
    if a.ndims is None or b.ndims is None:
        return unknown_shape()
    x, y = a.as_list(), b.as_list()
    n = max(len(x), len(y))
    x = [1] * (n - len(x)) + x
    y = [1] * (n - len(y)) + y
    out = []
    for i, j in zip(x, y):
        if i == 1:
            out.append(j)
        elif j == 1:
            out.append(i)
        elif i is None or j is None:
            k = j if i is None else i  # as TF: a known 0 against an unknown stays unknown
            out.append(k if k is not None and k > 1 else None)
        elif i == j:
            out.append(i)
        else:
            raise ValueError(f"Dimensions must be equal, but are {i} and {j}")
    return TensorShape(out)


def broadcast(op):
    """Binary elementwise ops: the broadcast of the two input shapes."""
    return broadcast_shapes(op.inputs[0].shape, op.inputs[1].shape)


def attr_shape(attr):
    """The output shape is the op's shape attr."""
    def rule(op):
        return op.get_attr(attr)
    return rule
