"""`InputSpec`: the rank, dtype and axis sizes a layer accepts, checked on each call."""
from flowgraph.framework import dtypes, nest

__all__ = ["InputSpec", "assert_input_compatibility"]


class InputSpec:
    """What a layer accepts: `dtype`, `shape`, `ndim`, `max_ndim`, `min_ndim`, and `axes`
    (a dict of axis -> required size)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtypes.as_dtype(dtype).name if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name, self.optional = name, optional
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim is not None else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum "
                                 f"allowed value: {max_dim}")

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "",
                f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _display(shape):
    return str(tuple(shape.as_list())) if shape.ndims is not None else str(shape)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises TF's ValueError when `inputs` do not match `input_spec`."""
    if not input_spec:
        return
    specs = nest.flatten(input_spec)
    inputs = nest.flatten(inputs)
    if len(inputs) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it '
                         f"received {len(inputs)} input tensors. Inputs received: {inputs}")
    for i, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None:
            continue
        where = f'Input {i} of layer "{layer_name}" is incompatible with the layer: '
        shape = x.shape
        ndim = shape.ndims
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim is not None \
                and ndim != spec.ndim:
            raise ValueError(f"{where}expected ndim={spec.ndim}, found ndim={ndim}. Full "
                             f"shape received: {tuple(shape.as_list())}")
        if spec.max_ndim is not None and ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{where}expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{where}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {tuple(shape.as_list())}")
        if spec.dtype is not None and x.dtype.base_dtype.name != spec.dtype:
            raise ValueError(f"{where}expected dtype={spec.dtype}, found dtype={x.dtype}")
        if spec.axes and ndim is not None:
            dims = shape.as_list()
            for axis, value in spec.axes.items():
                d = dims[axis] if -ndim <= axis < ndim else None
                if value is not None and d is not None and d != value:
                    raise ValueError(f"{where}expected axis {axis} of input shape to have "
                                     f"value {value}, but received input with shape "
                                     f"{_display(shape)}")
        if spec.shape is not None and ndim is not None:
            for want, got in zip(spec.shape, shape.as_list()):
                if want is not None and got is not None and want != got:
                    raise ValueError(f"{where}expected shape={spec.shape}, found "
                                     f"shape={_display(shape)}")
