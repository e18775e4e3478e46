"""Poisson samples (`RandomPoissonV2`), seeded like the other random ops."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.random_seed import seed_attrs
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.random_ops import _dims, _host, _rng, _shape_input, _shape_tensor, \
    _to_device

__all__ = ["random_poisson"]
__namespaces__ = {"random": ["poisson=random_poisson"]}
_OUT = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


@defop("RandomPoissonV2", inputs=("shape: S", "rate: R"), outputs=("output: dtype",),
       attrs={"seed": 0, "seed2": 0, "S": None, "R": dtypes.float64, "dtype": dtypes.int64},
       stateful=True)
class RandomPoissonV2:
    """Poisson(rate) samples of shape `shape + rate.shape`."""
    def shape(op):
        return _shape_input(op).concatenate(op.inputs[1].shape)

    def kernel(ctx, shape, rate, seed, seed2, dtype, op_name):
        lam = _host(ctx, rate).astype(np.float64)
        dims = _dims(shape) + lam.shape
        draws = _rng(ctx, op_name, seed, seed2).poisson(np.broadcast_to(
            np.where(np.isnan(lam) | (lam < 0), 0, lam), dims))
        out = draws.astype(dtype)
        if np.dtype(dtype).kind == "f":  # TF gives nan for a negative or nan rate
            out[np.broadcast_to(np.isnan(lam) | (lam < 0), dims)] = np.nan
        return _to_device(ctx, out)
    grad = NOT_DIFFERENTIABLE


def random_poisson(lam, shape, dtype=dtypes.float32, seed=None, name=None):
    """Draws `shape` samples from each Poisson distribution with rate `lam`."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _OUT:
        raise TypeError(f"Value passed to parameter 'dtype' has DataType {dtype.name} not in "
                        "list of allowed values: half, float32, float64, int32, int64")
    with name_scope(name, "random_poisson", [lam, shape]):
        shape_t = _shape_tensor(shape)
        lam = convert_to_tensor(lam, name="lam", dtype=dtype if dtype.is_floating else None)
        return apply_op("RandomPoissonV2", [shape_t, lam], {"dtype": dtype,
                                                            **seed_attrs(seed)})
