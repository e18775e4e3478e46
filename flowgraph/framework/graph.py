"""Graph, Operation and Tensor: the static dataflow graph, its names, scopes and collections."""
import contextlib
import os
import re
import sys
import threading

from flowgraph.framework import default_stack, tensor_shape
from flowgraph.framework.device import merge_device
from flowgraph.framework.graph_keys import GraphKeys  # noqa: F401  (re-exported)

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")
_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_frame():
    """(file, line, function) of the first caller outside flowgraph: where the user built an op."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_PKG_DIR):
        f = f.f_back
    if f is None:
        return ("<unknown>", 0, "<unknown>")
    return (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)


class Tensor:
    """A symbolic handle to one output of an `Operation`."""

    # `_keras_history` / `_keras_mask`: Keras's per-tensor metadata (set by keras layers).
    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_consumers", "_keras_history",
                 "_keras_mask", "__weakref__")
    __array_priority__ = 100  # so numpy defers to Tensor's reflected operators

    def __init__(self, op, value_index, dtype, shape):
        self._op, self._value_index, self._dtype = op, value_index, dtype
        self._shape = shape
        self._consumers = []

    op = property(lambda self: self._op)
    value_index = property(lambda self: self._value_index)
    dtype = property(lambda self: self._dtype)
    graph = property(lambda self: self._op._graph)
    device = property(lambda self: self._op.device)

    @property
    def name(self):
        return f"{self._op._name}:{self._value_index}"

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Refines the static shape; raises ValueError if incompatible."""
        self._shape = self._shape.merge_with(shape)

    def consumers(self):
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """Runs this tensor in `session` (default: the default session)."""
        return default_stack.session_for(session, self.graph).run(self, feed_dict)

    def _as_node_def_input(self):
        return self._op._name if self._value_index == 0 else self.name

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    def __str__(self):
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self._dtype.name})'

    def __hash__(self):
        return id(self)

    def __eq__(self, other):  # TF1: identity, so tensors can be dict keys
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use "
                        "`if t is not None:` instead of `if t:` to test if a tensor is "
                        "defined, and use TensorFlow ops such as tf.cond to execute "
                        "subgraphs conditioned on the value of a tensor.")

    def __iter__(self):
        d = self._shape.ndims
        if d is None or d == 0 or self._shape.as_list()[0] is None:
            raise TypeError("Tensor objects are only iterable when eager execution is "
                            "enabled or the first dimension is known.")
        return (self[i] for i in range(self._shape.as_list()[0]))

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors. ({self.name}) "
                        "Please call `x.shape` rather than `len(x)` for shape information.")

    def _ref(self):
        return self


class Operation:
    """A node of the graph: an op type, its inputs, attrs and outputs."""

    def __init__(self, graph, op_def, name, inputs, attrs, out_types, control_inputs,
                 device, frame):
        self._graph = graph
        self._op_def = op_def
        self._name = name
        self._inputs = tuple(inputs)
        self._attrs = attrs
        self._control_inputs = list(control_inputs)
        self._control_outputs = []
        self._device = device
        self._traceback = frame
        self._id = graph._next_id()
        self._outputs = tuple(Tensor(self, i, t, tensor_shape.unknown_shape())
                              for i, t in enumerate(out_types))

    name = property(lambda self: self._name)
    type = property(lambda self: self._op_def.name)
    op_def = property(lambda self: self._op_def)
    graph = property(lambda self: self._graph)
    outputs = property(lambda self: list(self._outputs))
    control_inputs = property(lambda self: list(self._control_inputs))
    device = property(lambda self: self._device)
    traceback = property(lambda self: self._traceback)

    @property
    def inputs(self):
        return _InputList(self._inputs)

    def _set_device(self, device):
        self._device = device

    def values(self):
        return tuple(self._outputs)

    def get_attr(self, name):
        if name not in self._attrs:
            raise ValueError(f"Operation '{self._name}' has no attr named '{name}'.")
        return self._attrs[name]

    @property
    def node_def(self):
        from flowgraph.framework import graph_io
        return graph_io.node_def(self)

    def _add_control_input(self, op):
        if op not in self._control_inputs:
            self._control_inputs.append(op)
            op._control_outputs.append(self)
            if self in self._graph._ran:  # sessions that ran it keep their plans: they warn
                self._graph._mutations.append((self, "adding control edge"))

    def _add_control_inputs(self, ops):
        for op in ops:
            self._add_control_input(op)

    def colocation_groups(self):
        cls = self._attrs.get("_class")
        return [c.encode() if isinstance(c, str) else c for c in cls] if cls else \
            [f"loc:@{self._name}".encode()]

    def run(self, feed_dict=None, session=None):
        """Runs this op in `session` (default: the default session)."""
        default_stack.session_for(session, self._graph).run(self, feed_dict)

    def _source(self):
        f, line, fn = self._traceback
        return f"{f}:{line}"

    def __repr__(self):
        return f"<tf.Operation '{self._name}' type={self.type}>"

    __str__ = __repr__


class _InputList(tuple):
    """`op.inputs`: a tuple of input tensors (TF returns a list-like view)."""


def _name_from_scope(name):
    return name[:-1] if name and name[-1] == "/" else name


class Graph:
    """A TensorFlow computation, represented as a dataflow graph."""

    def __init__(self):
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._control_stack = []  # list of (list of controller ops)
        self._device_stack = []   # device strings or functions
        self._colocation_stack = []
        self._collections = {}
        self._finalized = False
        self._seed = None
        self._gradient_override_map = {}
        self._unfeedable = set()
        self._unfetchable = set()
        self._lock = threading.RLock()
        self._last_id = 0
        self._ran = set()  # ops some session has compiled into a plan
        self._mutations = []  # (op, what changed) of ran ops, in order
        self._variable_scope_store = None
        self._attr_scope = {}
        self._container = ""

    # -- identity and building ---------------------------------------------------------
    def _next_id(self):
        self._last_id += 1
        return self._last_id

    @property
    def version(self):
        return self._last_id

    @property
    def seed(self):
        return self._seed

    @seed.setter
    def seed(self, value):
        self._seed = value

    @property
    def finalized(self):
        return self._finalized

    def finalize(self):
        """Makes the graph read-only: adding an op afterwards raises RuntimeError."""
        self._finalized = True

    def _unsafe_unfinalize(self):
        self._finalized = False

    @property
    def building_function(self):
        return False

    def _create_op(self, op_def, name, inputs, attrs, out_types):
        """Makes an op named `name` (already unique) under the control, device and
        colocation scopes. It joins the graph only through `_add_op`."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        if self._attr_scope:
            attrs.update(self._attr_scope)
        if op_def.name in self._gradient_override_map:
            attrs["_gradient_op_type"] = self._gradient_override_map[op_def.name]
        if self._container and op_def.stateful and "container" in op_def.attrs and \
                not attrs.get("container"):
            attrs["container"] = self._container
        input_ops = {t._op for t in inputs}
        controls = []
        for frame in self._control_stack:
            for c in frame:
                if c not in input_ops and c not in controls:
                    controls.append(c)
        device = ""
        if self._colocation_stack:
            target = self._colocation_stack[-1]
            attrs["_class"] = [g.decode() for g in target.colocation_groups()]
            device = target.device
        op = Operation(self, op_def, name, inputs, attrs, out_types, controls, device,
                       _user_frame())
        if not self._colocation_stack:
            self._apply_device_scopes(op)
        return op

    def _apply_device_scopes(self, op):
        """As TF: the innermost scope first; a string fills the fields the op's device
        leaves open (and canonicalizes it), a function sees the op and replaces its device."""
        for d in reversed(self._device_stack):
            if callable(d):
                device = d(op)
                if device is not None and not isinstance(device, (str, bytes)):
                    device = device.to_string()
                if device is None:
                    raise TypeError(f"Expected binary or unicode string, got {device!r}")
                op._device = device.decode() if isinstance(device, bytes) else device
            elif d:
                op._device = merge_device(d, op._device)

    def _add_op(self, op):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        for t in op._inputs:
            t._consumers.append(op)
        for c in op._control_inputs:
            c._control_outputs.append(op)
        self._ops.append(op)
        self._ops_by_name[op._name] = op

    def unique_name(self, name, mark_as_used=True):
        """TF's unique naming: `name`, then `name_1`, `name_2`... (case-insensitive)."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{i - 1}"
        return name

    def get_name_scope(self):
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Opens a name scope; yields the scope string ending in '/' (or '' for None)."""
        if name:
            if isinstance(name, bytes):
                name = name.decode()
            regex = _VALID_SCOPE_NAME if self._name_stack else _VALID_OP_NAME
            if not regex.match(name):
                raise ValueError(f"'{name}' is not a valid scope name")
        old = self._name_stack
        if not name:
            new, returned = "", ""
        elif name[-1] == "/":
            new, returned = _name_from_scope(name), name
        else:
            new = self.unique_name(name)
            returned = new + "/"
        self._name_stack = new
        try:
            yield returned
        finally:
            self._name_stack = old

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run after `control_inputs`; `None` clears the enclosing ones."""
        if control_inputs is None:
            saved, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = saved
            return
        ops = []
        for c in control_inputs:
            if hasattr(c, "_as_graph_element"):
                c = c._as_graph_element()
            if isinstance(c, Tensor):
                c = c.op
            if not isinstance(c, Operation):
                raise TypeError(f"Control input must be Operation or Tensor: {c}")
            if c._graph is not self:
                raise ValueError(f"Control input {c.name} is from a different graph.")
            ops.append(c)
        self._control_stack.append(ops)
        try:
            yield
        finally:
            self._control_stack.pop()

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """Places ops created inside on a device (a string, or a function of the op)."""
        d = device_name_or_function
        if d is not None and not callable(d) and not isinstance(d, str):
            d = d.to_string()
        saved = self._device_stack
        self._device_stack = [] if d is None else saved + [d]
        try:
            yield
        finally:
            self._device_stack = saved

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing=False):
        """Ops created inside go where `op` goes."""
        if op is None:
            saved, self._colocation_stack = self._colocation_stack, []
        else:
            if hasattr(op, "_as_graph_element"):
                op = op._as_graph_element()
            if isinstance(op, Tensor):
                op = op.op
            saved = self._colocation_stack
            self._colocation_stack = saved + [op]
        try:
            yield
        finally:
            self._colocation_stack = saved

    @contextlib.contextmanager
    def container(self, container_name):
        """Stateful ops with a `container` attr made inside get `container_name`."""
        saved, self._container = self._container, container_name
        try:
            yield container_name
        finally:
            self._container = saved

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        """Uses the named registered gradients for ops of the given types created inside."""
        saved = dict(self._gradient_override_map)
        self._gradient_override_map.update(op_type_map)
        try:
            yield
        finally:
            self._gradient_override_map = saved

    # -- lookup -----------------------------------------------------------------------
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=False, allow_operation=True)

    def get_tensor_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def _get_operation_by_name_unsafe(self, name):
        return self._ops_by_name[name]

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolves a Tensor, Operation or name string to an element of this graph."""
        if hasattr(obj, "_as_graph_element") and not isinstance(obj, (Tensor, Operation)):
            obj = obj._as_graph_element()
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                op_name, idx = obj.rsplit(":", 1)
                try:
                    idx = int(idx)
                except ValueError:
                    raise ValueError(f"The name {obj!r} looks a like a Tensor name, but is "
                                     "not a valid one.")
                if op_name not in self._ops_by_name:
                    raise KeyError(f"The name {obj!r} refers to a Tensor which does not "
                                   f"exist. The operation, {op_name!r}, does not exist in "
                                   "the graph.")
                op = self._ops_by_name[op_name]
                if idx >= len(op._outputs):
                    raise KeyError(f"The name {obj!r} refers to a Tensor which does not "
                                   f"exist. The operation, {op_name!r}, exists but only has "
                                   f"{len(op._outputs)} outputs.")
                return op._outputs[idx]
            if ":" in obj:
                raise ValueError(f"Name {obj!r} appears to refer to a Tensor, not a Operation.")
            if obj not in self._ops_by_name:
                if allow_operation:
                    raise KeyError(f"The name {obj!r} refers to an Operation not in the graph.")
                raise ValueError(f"The name {obj!r} looks like an (invalid) Operation name, "
                                 "not a Tensor. Tensor names must be of the form "
                                 "\"<op_name>:<output_index>\".")
            if not allow_operation:
                raise ValueError(f"The name {obj!r} refers to an Operation, not a Tensor. "
                                 "Tensor names must be of the form \"<op_name>:<output_index>\".")
            return self._ops_by_name[obj]
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj} is not an element of this graph.")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj._graph is not self:
                raise ValueError(f"Operation {obj} is not an element of this graph.")
            return obj
        kinds = " or ".join(k for k, ok in (("Tensor", allow_tensor),
                                            ("Operation", allow_operation)) if ok)
        raise TypeError(f"Can not convert a {type(obj).__name__} into a {kinds}.")

    # -- collections --------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        names = (names,) if isinstance(names, str) else set(names)
        for n in names:
            self.add_to_collection(n, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        """The collection's items, filtered to names matching `scope` (re.match) if given."""
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pat = re.compile(scope) if isinstance(scope, str) else scope
        out = []
        for item in items:
            n = getattr(item, "name", None)
            if n is not None and pat.match(n):
                out.append(item)
            elif n is None and not isinstance(scope, str):
                out.append(item)
        return out

    def get_all_collection_keys(self):
        return [k for k in self._collections if isinstance(k, str)]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # -- feeding and fetching ---------------------------------------------------------
    def prevent_feeding(self, tensor):
        self._unfeedable.add(tensor)

    def prevent_fetching(self, op):
        self._unfetchable.add(op)

    def is_feedable(self, tensor):
        return tensor not in self._unfeedable

    def is_fetchable(self, tensor_or_op):
        op = tensor_or_op.op if isinstance(tensor_or_op, Tensor) else tensor_or_op
        return op not in self._unfetchable

    # -- default graph ------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        """Makes this graph the default graph inside the context (nestable, per thread)."""
        with default_stack.graphs.push(self):
            yield self

    def as_graph_def(self, from_version=None, add_shapes=False):
        from flowgraph.framework import graph_io
        return graph_io.as_graph_def(self, add_shapes=add_shapes)

    def __enter__(self):  # pragma: no cover - TF graphs are not context managers
        raise AttributeError("__enter__")


_global_default = [Graph()]


def get_default_graph():
    """The innermost `as_default()` graph of this thread, or the global default graph."""
    g = default_stack.graphs.get()
    return _global_default[0] if g is None else g


def reset_default_graph():
    """Clears the global default graph (not allowed inside a `with g.as_default()`)."""
    if default_stack.graphs.stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                             "If you need a cleared graph, exit the nesting and create a "
                             "new graph.")
    _global_default[0] = Graph()


def get_name_scope():
    return get_default_graph().get_name_scope()


class name_scope:  # noqa: N801 (TF's name)
    """`tf.name_scope(name, default_name=None, values=None)`: a context opening a name scope."""

    def __init__(self, name, default_name=None, values=None):
        self._name = default_name if name is None else name
        self._default_name = default_name
        self._values = values
        self._ctx = None

    def __enter__(self):
        if self._name is None and self._values is not None:
            raise ValueError(f"At least one of name ({self._name}) and default_name "
                             f"({self._default_name}) must be provided.")
        default = get_default_graph()
        g = _graph_from_values(self._values) or default
        if default.building_function and default.reaches(g):
            g = default  # inside a function body, outer tensors get captured
        self._g_ctx = g.as_default() if g is not default else None
        if self._g_ctx:
            self._g_ctx.__enter__()
        self._ctx = g.name_scope(self._name)
        return self._ctx.__enter__()

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        if self._g_ctx:
            self._g_ctx.__exit__(*exc)
        return False


def _graph_from_values(values):
    for v in values or ():
        if hasattr(v, "_as_graph_element"):
            v = v._as_graph_element()
        if isinstance(v, (Tensor, Operation)):
            return v.graph
    return None


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    return get_default_graph().device(device_name_or_function)


def colocate_with(op, ignore_existing=False):
    return get_default_graph().colocate_with(op, ignore_existing)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)
