"""`tf.distributions.kl_divergence` and `RegisterKL`: closed-form KL divergences looked up
by the two distributions' types (through their class hierarchies)."""
from flowgraph.framework.graph import name_scope

__all__ = ["kl_divergence", "RegisterKL"]

_DIVERGENCES = {}


def _registered(type_a, type_b):
    for a in type_a.__mro__:
        for b in type_b.__mro__:
            fn = _DIVERGENCES.get((a, b))
            if fn is not None:
                return fn
    return None


def kl_divergence(distribution_a, distribution_b, allow_nan_stats=True, name=None):
    """KL(distribution_a || distribution_b), batched."""
    fn = _registered(type(distribution_a), type(distribution_b))
    if fn is None:
        raise NotImplementedError(
            f"No KL(distribution_a || distribution_b) registered for distribution_a type "
            f"{type(distribution_a).__name__} and distribution_b type "
            f"{type(distribution_b).__name__}")
    with name_scope("KullbackLeibler"):
        return fn(distribution_a, distribution_b, name=name)


class RegisterKL:
    """Decorator registering `fn(a, b, name=None)` as KL(a || b) for two classes."""

    def __init__(self, dist_cls_a, dist_cls_b):
        self._key = (dist_cls_a, dist_cls_b)

    def __call__(self, kl_fn):
        if not callable(kl_fn):
            raise TypeError(f"kl_fn must be callable, received: {kl_fn}")
        if self._key in _DIVERGENCES:
            raise ValueError(f"KL({self._key[0].__name__} || {self._key[1].__name__}) has "
                             f"already been registered to: {_DIVERGENCES[self._key]}")
        _DIVERGENCES[self._key] = kl_fn
        return kl_fn
