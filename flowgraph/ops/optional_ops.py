"""Optional values (`OptionalFromValue`, `OptionalNone`, `OptionalHasValue`,
`OptionalGetValue`): variant tensors holding a tuple of tensors or nothing. TF's functional
`cond` passes branch intermediates out of its branches this way, so graphs TF 2.x writes
(tf.estimator exports among them) carry these ops in their function libraries. They run
on the host; gradients through them are not provided."""
from flowgraph.framework import errors, shape_fns
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE, REQUIRED_LIST

__all__ = []


class OptionalValue:
    """What an optional variant tensor holds: `components` (a tuple), or None."""

    def __init__(self, components=None):
        self.components = components

    def __repr__(self):
        return f"Optional({self.components!r})" if self.components is not None else \
            "Optional(None)"


def _optional(value, op_type):
    if not isinstance(value, OptionalValue):
        raise errors.InvalidArgumentError(None, None, f"{op_type}: input is not an Optional "
                                                      f"(got {type(value).__name__})")
    return value


@defop("OptionalFromValue", inputs=("components: Toutput_types",),
       outputs=("optional: variant",), attrs={"Toutput_types": REQUIRED_LIST})
class OptionalFromValue:
    """An optional holding `components`."""
    devices = ("CPU",)
    shape = shape_fns.scalar

    def kernel(xp, components, Toutput_types):
        return OptionalValue(tuple(components))
    grad = NOT_DIFFERENTIABLE


@defop("OptionalNone", outputs=("optional: variant",))
class OptionalNone:
    """An optional holding nothing."""
    devices = ("CPU",)
    shape = shape_fns.scalar

    def kernel(xp):
        return OptionalValue()
    grad = NOT_DIFFERENTIABLE


@defop("OptionalHasValue", inputs=("optional: variant",), outputs=("has_value: bool",))
class OptionalHasValue:
    """Whether the optional holds a value."""
    devices = ("CPU",)
    shape = shape_fns.scalar

    def kernel(xp, optional):
        return xp.array(_optional(optional, "OptionalHasValue").components is not None)
    grad = NOT_DIFFERENTIABLE


@defop("OptionalGetValue", inputs=("optional: variant",), outputs=("components: output_types",),
       attrs={"output_types": REQUIRED_LIST, "output_shapes": REQUIRED_LIST})
class OptionalGetValue:
    """The components of an optional that holds a value."""
    devices = ("CPU",)

    def shape(op):
        return op.get_attr("output_shapes")

    def kernel(xp, optional, output_types, output_shapes):
        opt = _optional(optional, "OptionalGetValue")
        if opt.components is None:
            raise errors.InvalidArgumentError(None, None, "The optional does not have a value.")
        if len(opt.components) != len(output_types):
            raise errors.InvalidArgumentError(
                None, None, f"The optional has {len(opt.components)} components, expected "
                            f"{len(output_types)}")
        return list(opt.components)
    grad = NOT_DIFFERENTIABLE
