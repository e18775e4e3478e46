"""Element structures of datasets, as tf.data sees them: tuples, namedtuples and dicts are
structure, everything else (a list included) is one tensor. Leaves of an element spec
are `TensorSpec`s."""
from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops.type_spec import SparseTensorSpec, TensorSpec


def _is_struct(x):
    return isinstance(x, (tuple, dict))


def flatten(s):
    """The leaves of `s` (dict entries in sorted key order)."""
    if isinstance(s, dict):
        return [leaf for k in sorted(s) for leaf in flatten(s[k])]
    if isinstance(s, tuple):
        return [leaf for x in s for leaf in flatten(x)]
    return [s]


def pack(s, flat):
    """`s` rebuilt with its leaves taken in order from `flat`."""
    it = iter(flat)

    def build(x):
        if isinstance(x, dict):
            vals = {k: build(x[k]) for k in sorted(x)}
            return type(x)((k, vals[k]) for k in x)
        if isinstance(x, tuple):
            items = [build(v) for v in x]
            return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
        return next(it)
    return build(s)


def map_structure(fn, s):
    return pack(s, [fn(x) for x in flatten(s)])


def same_structure(a, b):
    def key(x):
        if isinstance(x, dict):
            return ("dict", tuple((k, key(x[k])) for k in sorted(x)))
        if isinstance(x, tuple):
            return ("tuple", tuple(key(v) for v in x))
        return None
    return key(a) == key(b)


def normalize(element, name="component"):
    """(structure, flat tensors) of a Python element: each leaf converted to a tensor."""
    if isinstance(element, list):  # a list is one tensor in tf.data
        element = convert_to_tensor(element)
    flat = []
    for i, x in enumerate(flatten(element)):
        flat.append(x if isinstance(x, Tensor) else
                    convert_to_tensor(x, name=f"{name}_{i}"))
    return element, flat


def specs_of(structure, flat):
    """The element spec: `structure` with TensorSpecs for the tensors `flat`."""
    return pack(structure, [TensorSpec(t.shape, t.dtype.base_dtype) for t in flat])


def from_types_shapes(types, shapes=None, classes=None):
    """The element spec made of nests of dtypes, (optional) shapes and (optional)
    classes (`tf.SparseTensor` leaves become SparseTensorSpecs)."""
    if shapes is None:
        shapes = map_structure(lambda _: tensor_shape.unknown_shape(), types)
    tflat = flatten(types)
    sflat = flatten_up_to(types, shapes)
    cflat = flatten_up_to(types, classes) if classes is not None else [None] * len(tflat)
    leaves = []
    for t, s, c in zip(tflat, sflat, cflat):
        shape = tensor_shape.as_shape(s) if s is not None else tensor_shape.unknown_shape()
        cls = SparseTensorSpec if c is not None and c.__name__ == "SparseTensor" \
            else TensorSpec
        leaves.append(cls(shape, dtypes.as_dtype(t)))
    return pack(types, leaves)


def flatten_up_to(shallow, s):
    """The parts of `s` standing where `shallow` has leaves (a shape given as a list or
    tuple of dimensions is then one leaf)."""
    if isinstance(shallow, dict):
        return [leaf for k in sorted(shallow) for leaf in flatten_up_to(shallow[k], s[k])]
    if isinstance(shallow, tuple):
        if not isinstance(s, (tuple, list)) or len(s) != len(shallow):
            raise ValueError(f"The two structures don't have the same sequence length: "
                             f"{shallow!r} and {s!r}")
        return [leaf for a, b in zip(shallow, s) for leaf in flatten_up_to(a, b)]
    return [s]


def types(spec):
    return map_structure(lambda x: x.dtype, spec)


def shapes(spec):
    return map_structure(lambda x: x.shape, spec)


def classes(spec):
    return map_structure(lambda x: x.value_type if isinstance(x, SparseTensorSpec)
                         else Tensor, spec)


def flat_types(spec):
    return [x.dtype for x in flatten(spec)]


def flat_shapes(spec):
    return [x.shape for x in flatten(spec)]
