"""TF's framework enums: `UnconnectedGradients`, `VariableAggregation`,
`VariableSynchronization`."""
import enum

__all__ = ["UnconnectedGradients", "VariableAggregation", "VariableSynchronization"]


class UnconnectedGradients(enum.Enum):
    """What `tf.gradients` returns for an x that does not affect ys: None or zeros."""
    NONE = "none"
    ZERO = "zero"


class VariableSynchronization(enum.Enum):
    """When a distributed variable is synchronized (recorded; flowgraph runs one replica)."""
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    """How updates of a distributed variable combine (recorded; one replica here)."""
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3
    ONLY_FIRST_TOWER = 3  # TF1's alias


def unconnected_gradients_value(value):
    """`'none'` or `'zero'` from the enum or its string; ValueError otherwise."""
    try:
        return UnconnectedGradients(value).value
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None
