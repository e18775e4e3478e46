"""Tracing the user functions of dataset transformations into FuncGraphs, and the specs
of dataset-valued components (`DatasetSpec`)."""
from flowgraph.data import structure
from flowgraph.framework import dtypes, sparse_tensor, tensor_shape
from flowgraph.framework.func_graph import FuncGraph
from flowgraph.framework.graph import Operation, Tensor, get_default_graph
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import core
from flowgraph.ops.type_spec import SparseTensorSpec, TensorSpec, TypeSpec


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


def component_specs(leaf):
    """The TensorSpecs of the flat components standing for one spec leaf: a
    SparseTensor is three (indices, values, dense_shape)."""
    if isinstance(leaf, SparseTensorSpec):
        rank = leaf.shape.ndims
        return [TensorSpec([None, rank], dtypes.int64), TensorSpec([None], leaf.dtype),
                TensorSpec([rank], dtypes.int64)]
    return [leaf]


def flat_components(spec):
    return [c for leaf in structure.flatten(spec) for c in component_specs(leaf)]


def from_components(spec, flat, wrap_dataset=None):
    """`spec`'s nest of values made of its flat components (SparseTensors rebuilt,
    dataset components wrapped by `wrap_dataset`)."""
    it = iter(flat)
    vals = []
    for leaf in structure.flatten(spec):
        if isinstance(leaf, SparseTensorSpec):
            st = sparse_tensor.SparseTensor(next(it), next(it), next(it))
            if leaf.shape.ndims is not None:
                st.set_shape(leaf.shape)
            vals.append(st)
        elif isinstance(leaf, DatasetSpec) and wrap_dataset is not None:
            vals.append(wrap_dataset(next(it), leaf.element_spec))
        else:
            vals.append(next(it))
    return structure.pack(spec, vals)


def _result(fg, x, name):
    """(spec leaf, flat tensors in `fg`) of one leaf of a function's result."""
    if hasattr(x, "_variant_tensor"):  # a Dataset
        return DatasetSpec(x.element_spec), [fg.capture(x._variant_tensor)]
    if isinstance(x, sparse_tensor.SparseTensor):
        parts = [fg.capture(t) for t in (x.indices, x.values, x.dense_shape)]
        return SparseTensorSpec(x.shape, x.dtype.base_dtype), parts
    if isinstance(x, Operation) or x is None:
        raise TypeError(f"Unsupported return value from function passed to {name}: {x}.")
    t = fg.capture(x if isinstance(x, Tensor) else convert_to_tensor(x))
    return TensorSpec(t.shape, t.dtype.base_dtype), [t]


def trace(name, fn, spec, wrap_dataset, unpack=True):
    """A FuncGraph of `fn` applied to an element of `spec`: returns (graph, the result's
    element spec). Tuple elements are unpacked into arguments; dataset components arrive
    as Datasets built by `wrap_dataset(variant, element_spec)`, sparse ones as
    SparseTensors."""
    outer = get_default_graph()
    fg = FuncGraph(name, outer)
    # Dataset functions run on the host, element by element, as TF's do.
    with fg.as_default(), fg.device("/device:CPU:0"):
        args = [core.placeholder(s.dtype, s.shape, name=f"args_{i}")
                for i, s in enumerate(flat_components(spec))]
        fg.inputs.extend(args)
        nested = from_components(spec, args, wrap_dataset)
        ret = fn(*nested) if unpack and type(nested) is tuple else fn(nested)
        if isinstance(ret, list):  # as TF: a returned list is a tuple
            ret = tuple(ret)
        flat, leaves = [], []
        for x in structure.flatten(ret):
            leaf, parts = _result(fg, x, name)
            leaves.append(leaf)
            flat.extend(parts)
    fg.outputs = flat
    return fg, structure.pack(ret, leaves)


def flat_spec_attrs(spec):
    """TF's `output_types` and `output_shapes` attrs of an element spec."""
    comps = flat_components(spec)
    return {"output_types": [s.dtype for s in comps],
            "output_shapes": [s.shape for s in comps]}


def has_sparse(spec):
    return any(isinstance(s, SparseTensorSpec) for s in structure.flatten(spec))
