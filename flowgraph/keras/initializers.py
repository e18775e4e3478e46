"""`tf.keras.initializers` as TF1 Keras has them: TF's v1 initializer classes (the ones in
`flowgraph/ops/init_ops.py`) with Keras's defaults where Keras changes them
(RandomNormal/RandomUniform/TruncatedNormal at scale 0.05, the He/LeCun classes), plus
`get`/`serialize`/`deserialize` by Keras name."""
from flowgraph.ops import init_ops
from flowgraph.keras.utils import generic_utils

Initializer = init_ops.Initializer
Zeros = init_ops.Zeros
Ones = init_ops.Ones
Constant = init_ops.Constant
VarianceScaling = init_ops.VarianceScaling
Orthogonal = init_ops.Orthogonal
Identity = init_ops.Identity
GlorotUniform = init_ops.GlorotUniform
GlorotNormal = init_ops.GlorotNormal


class RandomNormal(init_ops.RandomNormal):
    """Normal samples, mean 0 and stddev 0.05 by default."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype="float32"):
        super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


class RandomUniform(init_ops.RandomUniform):
    """Uniform samples in [-0.05, 0.05) by default."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype="float32"):
        super().__init__(minval=minval, maxval=maxval, seed=seed, dtype=dtype)


class TruncatedNormal(init_ops.TruncatedNormal):
    """Normal samples cut at 2 stddev, mean 0 and stddev 0.05 by default."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype="float32"):
        super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


class _Scaled(init_ops.VarianceScaling):
    _scale, _dist = 1.0, "truncated_normal"

    def __init__(self, seed=None):
        super().__init__(scale=self._scale, mode="fan_in", distribution=self._dist, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunNormal(_Scaled):
    """Truncated normal with variance 1 / fan_in."""


class LecunUniform(_Scaled):
    """Uniform with variance 1 / fan_in."""
    _dist = "uniform"


class HeNormal(_Scaled):
    """Truncated normal with variance 2 / fan_in."""
    _scale = 2.0


class HeUniform(_Scaled):
    """Uniform with variance 2 / fan_in."""
    _scale, _dist = 2.0, "uniform"


zeros = Zeros
ones = Ones
constant = Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
orthogonal = Orthogonal
identity = Identity
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
he_normal = HeNormal
he_uniform = HeUniform

_BY_NAME = {c.__name__: c for c in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    Orthogonal, Identity, GlorotUniform, GlorotNormal, LecunNormal, LecunUniform, HeNormal,
    HeUniform)}
_BY_NAME.update({"zeros": Zeros, "ones": Ones, "constant": Constant,
                 "random_normal": RandomNormal, "normal": RandomNormal,
                 "random_uniform": RandomUniform, "uniform": RandomUniform,
                 "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
                 "orthogonal": Orthogonal, "identity": Identity,
                 "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
                 "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
                 "he_normal": HeNormal, "he_uniform": HeUniform})


def serialize(initializer):
    """{'class_name': ..., 'config': ...} of an initializer."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config, custom_objects=None):
    """An initializer from a name or a `serialize` dict."""
    return generic_utils.deserialize_keras_object(config, _BY_NAME, custom_objects,
                                                  "initializer")


def get(identifier):
    """An initializer from None, a name, a config dict or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize(str(identifier))
    if callable(identifier):
        if isinstance(identifier, type):
            return identifier()
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")
