"""`tf.user_ops.my_fact`, TF's example of a user-defined op (`Fact`)."""
import numpy as np

from flowgraph.framework import tensor_shape
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = ["my_fact"]


@defop("Fact", outputs=("fact: string",))
class Fact:
    """Outputs a fact about factorials, as a scalar string."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(xp):
        return np.array(b"0! == 1", dtype=object)


def my_fact():
    """Example of overriding the generated code for an op: a scalar string fact."""
    return apply_op("Fact", [], name=None)
