"""Tracing the user functions of dataset transformations into FuncGraphs, and the specs
of dataset-valued components (`DatasetSpec`)."""
from flowgraph.data import structure
from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.func_graph import FuncGraph
from flowgraph.framework.graph import Operation, Tensor, get_default_graph
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import core
from flowgraph.ops.type_spec import TensorSpec, TypeSpec


class DatasetSpec(TypeSpec):
    """The spec of a component that is itself a dataset (windows, flat_map results)."""
    __slots__ = ("_element_spec",)

    def __init__(self, element_spec):
        self._element_spec = element_spec

    element_spec = property(lambda self: self._element_spec)
    dtype = property(lambda self: dtypes.variant)
    value_type = property(lambda self: None)
    shape = property(lambda self: tensor_shape.TensorShape([]))

    def _serialize(self):
        return (self._element_spec,)

    def _compatible_fields(self):
        return (self._element_spec,)

    def __repr__(self):
        return f"DatasetSpec({self._element_spec!r}, TensorShape([]))"


def trace(name, fn, spec, wrap_dataset, unpack=True):
    """A FuncGraph of `fn` applied to an element of `spec`: returns (graph, the result's
    element spec). Tuple elements are unpacked into arguments; dataset components arrive
    as Datasets built by `wrap_dataset(variant, element_spec)`."""
    outer = get_default_graph()
    fg = FuncGraph(name, outer)
    # Dataset functions run on the host, element by element, as TF's do.
    with fg.as_default(), fg.device("/device:CPU:0"):
        flat_specs = structure.flatten(spec)
        args = [core.placeholder(s.dtype, s.shape, name=f"args_{i}")
                for i, s in enumerate(flat_specs)]
        fg.inputs.extend(args)
        vals = [wrap_dataset(a, s.element_spec) if isinstance(s, DatasetSpec) else a
                for a, s in zip(args, flat_specs)]
        nested = structure.pack(spec, vals)
        ret = fn(*nested) if unpack and type(nested) is tuple else fn(nested)
        if isinstance(ret, list):  # as TF: a returned list is a tuple
            ret = tuple(ret)
        flat, leaves = [], []
        for x in structure.flatten(ret):
            if hasattr(x, "_variant_tensor"):  # a Dataset
                t = fg.capture(x._variant_tensor)
                leaves.append(DatasetSpec(x.element_spec))
            else:
                if isinstance(x, Operation) or x is None:
                    raise TypeError(f"Unsupported return value from function passed to "
                                    f"{name}: {x}.")
                t = x if isinstance(x, Tensor) else convert_to_tensor(x)
                t = fg.capture(t)
                leaves.append(TensorSpec(t.shape, t.dtype.base_dtype))
            flat.append(t)
    fg.outputs = flat
    return fg, structure.pack(ret, leaves)


def flat_spec_attrs(spec):
    """TF's `output_types` and `output_shapes` attrs of an element spec."""
    leaves = structure.flatten(spec)
    return {"output_types": [s.dtype for s in leaves],
            "output_shapes": [s.shape for s in leaves]}
