"""`tf.compat.v1.data.Iterator`: one-shot, initializable, reinitializable
(`from_structure`) and feedable (`from_string_handle`) iterators over datasets."""
from flowgraph.data import functions, iterator_ops, structure  # noqa: F401 (ops)
from flowgraph.framework import dtypes
from flowgraph.framework.func_graph import FuncGraph
from flowgraph.framework.graph import get_default_graph, name_scope
from flowgraph.framework.op_builder import apply_op, create_op


class Iterator:
    """Reads the elements of datasets: `get_next()` gives tensors whose values advance
    each time a run computes them; at the end it raises `tf.errors.OutOfRangeError`."""

    def __init__(self, iterator_resource, initializer, output_types, output_shapes,
                 output_classes=None, element_spec=None):
        self._iterator_resource = iterator_resource
        self._initializer = initializer
        self._element_spec = element_spec if element_spec is not None else \
            structure.from_types_shapes(output_types, output_shapes, output_classes)
        self._get_next_count = 0

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None,
                       output_classes=None):
        """A reinitializable iterator for datasets of this structure (initialize it
        with `make_initializer(dataset)`)."""
        spec = structure.from_types_shapes(output_types, output_shapes, output_classes)
        res = apply_op("IteratorV2", [], dict(functions.flat_spec_attrs(spec),
                                              shared_name=shared_name or "",
                                              container=""))
        return Iterator(res, None, None, None, element_spec=spec)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None,
                           output_classes=None):
        """A feedable iterator: it reads from the iterator whose `string_handle()`
        value `string_handle` (usually a placeholder) holds when run."""
        spec = structure.from_types_shapes(output_types, output_shapes, output_classes)
        res = apply_op("IteratorFromStringHandleV2", [string_handle],
                       functions.flat_spec_attrs(spec))
        return Iterator(res, None, None, None, element_spec=spec)

    @property
    def initializer(self):
        if self._initializer is None:
            raise ValueError("The iterator does not have an initializer. This means it "
                             "was likely created using `tf.data.Dataset.make_one_shot_"
                             "iterator()`. For an initializable iterator, use "
                             "`tf.data.Dataset.make_initializable_iterator()` instead.")
        return self._initializer

    @property
    def element_spec(self):
        return self._element_spec

    output_types = property(lambda self: structure.types(self._element_spec))
    output_shapes = property(lambda self: structure.shapes(self._element_spec))
    output_classes = property(lambda self: structure.classes(self._element_spec))

    def _spec_matches(self, theirs):
        mine = self._element_spec
        return structure.same_structure(mine, theirs) and all(
            type(a) is type(b) for a, b in zip(structure.flatten(mine),
                                               structure.flatten(theirs)))

    def make_initializer(self, dataset, name=None):
        """An op that (re)starts this iterator on `dataset`."""
        with name_scope(name, "make_initializer"):
            mine, theirs = self._element_spec, dataset.element_spec
            if not self._spec_matches(theirs):
                raise TypeError(f"Expected output types {self.output_types} but got "
                                f"dataset with output types {dataset.output_types}.")
            if structure.flat_types(mine) != structure.flat_types(theirs):
                raise TypeError(f"Expected output types {_fmt(self.output_types)} but got "
                                f"dataset with output types "
                                f"{_fmt(dataset.output_types)}.")
            for a, b in zip(structure.flat_shapes(mine), structure.flat_shapes(theirs)):
                if not a.is_compatible_with(b):
                    raise TypeError(f"Expected output shapes compatible with "
                                    f"{self.output_shapes} but got dataset with output "
                                    f"shapes {dataset.output_shapes}.")
            return create_op("MakeIterator", [dataset._variant_tensor,
                                              self._iterator_resource], name=name)

    def get_next(self, name=None):
        """The next element, as a nest of tensors."""
        self._get_next_count += 1
        out = apply_op("IteratorGetNext", [self._iterator_resource],
                       functions.flat_spec_attrs(self._element_spec), name=name)
        out = out if isinstance(out, list) else [out]
        return functions.from_components(self._element_spec, out)

    def string_handle(self, name=None):
        """A string tensor naming this iterator, for feedable iterators."""
        return apply_op("IteratorToStringHandle", [self._iterator_resource], name=name)


def _fmt(types):
    return structure.map_structure(lambda t: f"tf.{t.name}", types) \
        if not isinstance(types, dtypes.DType) else f"tf.{types.name}"


def make_initializable_iterator(dataset, shared_name=None):
    """An iterator over `dataset` whose `initializer` must run before `get_next()`."""
    res = apply_op("IteratorV2", [], dict(functions.flat_spec_attrs(dataset.element_spec),
                                          shared_name=shared_name or "", container=""))
    init = create_op("MakeIterator", [dataset._variant_tensor, res])
    return Iterator(res, init, None, None, element_spec=dataset.element_spec)


def make_one_shot_iterator(dataset):
    """An iterator over `dataset`, started the first time a session reads it. The
    dataset's ops are copied by value into the iterator's factory function, so they
    may read no placeholders (use an initializable iterator for those)."""
    outer = get_default_graph()
    fg = FuncGraph("_make_dataset", outer)
    with fg.as_default():
        fg.outputs = [_copy_by_value(dataset._variant_tensor, fg, {})]
    res = apply_op("OneShotIterator", [], dict(
        functions.flat_spec_attrs(dataset.element_spec), dataset_factory=fg,
        shared_name="", container=""))
    return Iterator(res, None, None, None, element_spec=dataset.element_spec)


def _copy_by_value(t, fg, done):
    """The copy in `fg` of tensor `t`, made with every op it depends on."""
    return _copy_op(t.op, fg, done)._outputs[t.value_index]


def _copy_op(op, fg, done):
    """The copy in `fg` of `op` and of the ops it depends on (data and control)."""
    if op not in done:
        if op.type in ("Placeholder", "PlaceholderWithDefault"):
            raise ValueError(f"Cannot capture a placeholder (name:{op.name}, "
                             f"type:{op.type}) by value.")
        if op.type in ("VariableV2", "Variable", "VarHandleOp"):
            raise ValueError(f"Cannot capture a stateful node (name:{op.name}, "
                             f"type:{op.type}) by value.")
        flat = [_copy_by_value(x, fg, done) for x in op._inputs]
        grouped, pos = [], 0
        for arg in op._op_def.inputs:
            n = _arg_len(op, arg)
            grouped.append(flat[pos:pos + n] if n is not None else flat[pos])
            pos += 1 if n is None else n
        controls = [_copy_op(c, fg, done) for c in op._control_inputs]
        with fg.name_scope(None):
            done[op] = create_op(op.type, grouped, dict(op._attrs), name=op.name)
        if controls:
            done[op]._add_control_inputs(controls)
    return done[op]


def _arg_len(op, arg):
    if arg.number_attr:
        return op._attrs[arg.number_attr]
    if arg.type_list_attr:
        return len(op._attrs[arg.type_list_attr])
    return None
