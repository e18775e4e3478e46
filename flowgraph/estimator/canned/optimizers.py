"""`get_optimizer_instance`: the canned estimators' optimizer argument (a name, an
`Optimizer`, or a callable returning one) made into a `tf.compat.v1.train.Optimizer`."""
from flowgraph.train import adam, optimizer as optimizer_lib, optimizers

__all__ = ["get_optimizer_instance"]

_OPTIMIZER_CLS_NAMES = {
    "Adagrad": optimizers.AdagradOptimizer,
    "Adam": adam.AdamOptimizer,
    "Ftrl": adam.FtrlOptimizer,
    "RMSProp": optimizers.RMSPropOptimizer,
    "SGD": optimizers.GradientDescentOptimizer,
}


def get_optimizer_instance(opt, learning_rate=None):
    """An `Optimizer` from `opt`: a name in 'Adagrad', 'Adam', 'Ftrl', 'RMSProp', 'SGD'
    (built with `learning_rate`), an `Optimizer`, or a callable that returns one."""
    if isinstance(opt, str):
        if opt in _OPTIMIZER_CLS_NAMES:
            if not learning_rate:
                raise ValueError("learning_rate must be specified when opt is string.")
            return _OPTIMIZER_CLS_NAMES[opt](learning_rate=learning_rate)
        raise ValueError(f"Unsupported optimizer name: {opt}. Supported names are: "
                         f"{tuple(sorted(_OPTIMIZER_CLS_NAMES))}")
    if callable(opt) and not isinstance(opt, optimizer_lib.Optimizer):
        opt = opt()
    if not isinstance(opt, optimizer_lib.Optimizer):
        raise ValueError(f"The given object is not an Optimizer instance. Given: {opt}")
    return opt
