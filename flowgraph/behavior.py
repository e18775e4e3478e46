"""TF1/TF2 behaviour switches and their queries.

flowgraph is graph mode only, so eager execution cannot be enabled. The other toggles are
accepted and their state is reported back, as TF does, but flowgraph's semantics do not
change with them: `tf.cond`/`tf.while_loop` always build functional `If`/`While` ops,
variables are always TF1 ref variables, tensors compare by identity and `TensorShape`
items are `Dimension`s."""
import logging as _logging

__all__ = ["enable_eager_execution", "executing_eagerly_outside_functions",
           "control_flow_v2_enabled", "enable_control_flow_v2", "disable_control_flow_v2",
           "resource_variables_enabled", "enable_resource_variables",
           "disable_resource_variables", "enable_tensor_equality", "disable_tensor_equality",
           "enable_v2_tensorshape", "disable_v2_tensorshape", "get_logger"]

# TF1 state (what `tf.compat.v1` reports after `disable_v2_behavior()`).
_STATE = {"control_flow_v2": False, "resource_variables": False, "tensor_equality": False,
          "v2_tensorshape": False}


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Not available: flowgraph builds graphs and runs them in sessions only."""
    raise NotImplementedError("flowgraph implements TF1 graph mode only; eager execution "
                              "cannot be enabled")


def executing_eagerly_outside_functions():
    """False: flowgraph never executes eagerly."""
    return False


def control_flow_v2_enabled():
    """The recorded control-flow-v2 switch (flowgraph always builds If/While ops)."""
    return _STATE["control_flow_v2"]


def enable_control_flow_v2():
    """Recorded only: flowgraph's cond and while_loop are always functional ops."""
    _STATE["control_flow_v2"] = True


def disable_control_flow_v2():
    """Recorded only: flowgraph's cond and while_loop are always functional ops."""
    _STATE["control_flow_v2"] = False


def resource_variables_enabled():
    """The recorded resource-variable switch (flowgraph variables are ref variables)."""
    return _STATE["resource_variables"]


def enable_resource_variables():
    """Recorded only: flowgraph variables stay TF1 ref variables."""
    _STATE["resource_variables"] = True


def disable_resource_variables():
    """Recorded only: flowgraph variables are TF1 ref variables."""
    _STATE["resource_variables"] = False


def enable_tensor_equality():
    """Recorded only: flowgraph tensors keep TF1's identity `==` (usable as dict keys)."""
    _STATE["tensor_equality"] = True


def disable_tensor_equality():
    """Recorded only: flowgraph tensors compare by identity, as in TF1."""
    _STATE["tensor_equality"] = False


def enable_v2_tensorshape():
    """Recorded only: `TensorShape` items stay `Dimension` objects as in TF1."""
    _STATE["v2_tensorshape"] = True


def disable_v2_tensorshape():
    """Recorded only: `TensorShape` items are `Dimension` objects, as in TF1."""
    _STATE["v2_tensorshape"] = False


def get_logger():
    """The Python logger named "tensorflow", as TF's."""
    return _logging.getLogger("tensorflow")
