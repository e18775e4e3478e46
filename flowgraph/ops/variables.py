"""`tf.Variable` (TF1 ref variables) and the initializer helpers."""
import contextlib

from flowgraph.framework import default_stack, dtypes, meta_graph, tensor_shape
from flowgraph.framework.graph import (GraphKeys, Tensor, get_default_graph, name_scope,
                                       colocate_with, control_dependencies, device)
from flowgraph.framework.op_builder import (apply_op, convert_to_tensor,
                                            register_tensor_conversion_function)
from flowgraph.ops import core, state_ops
from flowgraph.proto import variable_pb2

__all__ = ["Variable", "VariableV1", "variable_creator_scope", "global_variables_initializer",
           "initialize_all_variables", "variables_initializer", "initialize_variables",
           "local_variables_initializer", "initialize_local_variables", "global_variables",
           "all_variables", "local_variables", "trainable_variables", "model_variables",
           "moving_average_variables", "report_uninitialized_variables",
           "assert_variables_initialized", "is_variable_initialized"]


@contextlib.contextmanager
def _init_scope():
    """As TF's init_scope: a variable made while a cond branch or loop body is being built
    lives in the outermost graph, under the current name scope."""
    g = get_default_graph()
    if not g.building_function:
        yield
        return
    inner = g.get_name_scope()
    while getattr(g, "outer_graph", None) is not None:
        g = g.outer_graph
    with g.as_default(), g.name_scope(inner + "/" if inner else None):
        yield


def _creator_stack(graph=None):
    g = graph or get_default_graph()
    if not hasattr(g, "_variable_creator_stack"):
        g._variable_creator_stack = []
    return g._variable_creator_stack


@contextlib.contextmanager
def variable_creator_scope(variable_creator):
    """Routes `tf.Variable(...)` (and so `get_variable`) made inside through
    `variable_creator(next_creator, **kwargs)`; the innermost scope's creator runs first."""
    stack = _creator_stack()
    stack.append(variable_creator)
    try:
        yield
    finally:
        stack.remove(variable_creator)


class _VariableMeta(type):
    """Makes `Variable(...)` go through the graph's variable creator scopes."""

    def __call__(cls, *args, **kwargs):
        stack = list(_creator_stack())
        if not stack:
            return super().__call__(*args, **kwargs)
        import inspect
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        bound.apply_defaults()
        params = dict(bound.arguments)
        params.pop("self")

        def make(i):
            if i < 0:
                return lambda **kw: type.__call__(cls, **kw)
            return lambda **kw: stack[i](make(i - 1), **kw)
        return make(len(stack) - 1)(**params)


def _sync_and_aggregation(synchronization, aggregation, trainable, name):
    """Validates TF's distribution enums; ON_READ variables default to non-trainable."""
    from flowgraph.framework.enums import VariableAggregation, VariableSynchronization
    if aggregation is None:
        aggregation = VariableAggregation.NONE
    elif not isinstance(aggregation, VariableAggregation):
        try:
            aggregation = VariableAggregation(aggregation)
        except ValueError:
            raise ValueError(f"Invalid variable aggregation mode: {aggregation} for "
                             f"variable: {name}") from None
    if synchronization is None:
        synchronization = VariableSynchronization.AUTO
    else:
        try:
            synchronization = VariableSynchronization(synchronization)
        except ValueError:
            raise ValueError(f"Invalid variable synchronization mode: {synchronization} "
                             f"for variable: {name}") from None
    if trainable is None:
        trainable = synchronization != VariableSynchronization.ON_READ
    return synchronization, aggregation, trainable


class Variable(metaclass=_VariableMeta):
    """A variable: state kept in the session across `run` calls, changed by assign ops."""

    def __init__(self, initial_value=None, trainable=None, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if variable_def is not None:
            self._init_from_graph(variable_def, import_scope)
            return
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        self._synchronization, self._aggregation, trainable = _sync_and_aggregation(
            synchronization, aggregation, trainable, name)
        collections = list(collections) if collections is not None else \
            [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        from_fn = callable(initial_value)
        # As TF's init_scope: a variable never inherits the enclosing control dependencies.
        with _init_scope(), control_dependencies(None), \
                name_scope(name, "Variable", [] if from_fn else [initial_value]) as scope:
            if from_fn:  # initializer ops made by the callable are colocated with the var
                g = get_default_graph()
                saved, g._attr_scope = g._attr_scope, {"_class": [f"loc:@{scope[:-1]}"]}
                try:
                    with name_scope("Initializer"), device(None):
                        initial_value = initial_value()
                finally:
                    g._attr_scope = saved
            self._initial_value = convert_to_tensor(initial_value, name="initial_value",
                                                    dtype=dtype)
            vshape = self._initial_value.shape if validate_shape else \
                tensor_shape.unknown_shape()
            if shape is not None:
                vshape = tensor_shape.as_shape(shape)
            self._variable = apply_op(
                "VariableV2", [], {"shape": vshape,
                                   "dtype": self._initial_value.dtype.base_dtype},
                name=scope)
            with colocate_with(self._variable.op):
                self._initializer_op = state_ops.assign(
                    self._variable, self._initial_value, validate_shape=validate_shape,
                    name="Assign").op
                self._snapshot = core.identity(self._variable, name="read")
        self._trainable = trainable
        self._constraint = constraint
        self._save_slice_info = None
        self._variable.graph.add_to_collections(collections, self)

    def _init_from_graph(self, variable_def, import_scope):
        """Rebuilds a Variable around existing ops: `variable_def` is (name, initializer,
        snapshot[, initial value, trainable]) of graph element names."""
        g = get_default_graph()
        d = variable_def
        scope = (import_scope + "/") if import_scope else ""
        self._variable = g.as_graph_element(scope + d.variable_name)
        self._initializer_op = g.as_graph_element(scope + d.initializer_name)
        self._snapshot = g.as_graph_element(scope + d.snapshot_name)
        iv = getattr(d, "initial_value_name", "")
        self._initial_value = g.as_graph_element(scope + iv) if iv else None
        self._trainable = getattr(d, "trainable", True)
        self._constraint = None
        self._save_slice_info = None

    # -- TF's attributes --------------------------------------------------------------
    name = property(lambda self: self._variable.name)
    op = property(lambda self: self._variable.op)
    graph = property(lambda self: self._variable.graph)
    dtype = property(lambda self: self._variable.dtype)
    device = property(lambda self: self._variable.device)
    initializer = property(lambda self: self._initializer_op)
    initial_value = property(lambda self: self._initial_value)
    trainable = property(lambda self: self._trainable)
    constraint = property(lambda self: self._constraint)
    synchronization = property(lambda self: getattr(self, "_synchronization", None))
    aggregation = property(lambda self: getattr(self, "_aggregation", None))

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    def set_shape(self, shape):
        self._variable.set_shape(shape)
        self._snapshot.set_shape(shape)

    def value(self):
        """The snapshot (`<name>/read`) of the variable's value."""
        return self._snapshot

    def read_value(self):
        """A new read of the variable's current value."""
        return core.identity(self._variable, name="read")

    def _ref(self):
        return self._variable

    def _as_graph_element(self):
        return self._variable

    def initialized_value(self):
        """The initial value, for initializing other variables from this one."""
        with control_dependencies(None):
            return core.identity(self._initial_value)

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def assign(self, value, use_locking=False, name=None, read_value=True):
        a = state_ops.assign(self._variable, value, use_locking=use_locking, name=name)
        return a if read_value else a.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        a = state_ops.assign_add(self._variable, delta, use_locking=use_locking, name=name)
        return a if read_value else a.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        a = state_ops.assign_sub(self._variable, delta, use_locking=use_locking, name=name)
        return a if read_value else a.op

    def load(self, value, session=None):
        """Writes `value` into the variable in `session` (default session if None)."""
        s = default_stack.session_for(session, self.graph)
        s.run(self._initializer_op, {self._initializer_op.inputs[1]: value})

    def count_up_to(self, limit):
        """Increments this int variable until `limit`; returns the old value."""
        from flowgraph.ops.counter_ops import count_up_to
        return count_up_to(self, limit)

    def to_proto(self, export_scope=None):
        from flowgraph.framework import graph_io
        return graph_io.variable_to_proto(self, export_scope)

    @staticmethod
    def from_proto(variable_def, import_scope=None):
        return Variable(variable_def=variable_def, import_scope=import_scope)

    def __repr__(self):
        return (f"<tf.Variable '{self._variable.op.name}:0' shape={self.shape} "
                f"dtype={self.dtype.name}>")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __iter__(self):
        return iter(self.value())

    def __bool__(self):
        return self.value().__bool__()


VariableV1 = Variable
RefVariable = Variable


def _to_tensor(v, dtype=None, name=None, as_ref=False):
    t = v._ref() if as_ref else v.value()
    if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(t.dtype):
        raise ValueError(f"Incompatible type conversion requested to type "
                         f"'{dtypes.as_dtype(dtype).name}' for variable of type "
                         f"'{t.dtype.name}'")
    return t


register_tensor_conversion_function(Variable, _to_tensor)

_TENSOR_OPERATORS = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
                     "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__",
                     "__mod__", "__rmod__", "__pow__", "__rpow__", "__matmul__",
                     "__rmatmul__", "__neg__", "__abs__", "__invert__", "__and__",
                     "__rand__", "__or__", "__ror__", "__xor__", "__rxor__", "__lt__",
                     "__le__", "__gt__", "__ge__", "__getitem__", "__div__", "__rdiv__")


def overload_variable_operators():
    """Gives Variable every operator Tensor has, applied to the variable's value."""
    for name in _TENSOR_OPERATORS:
        if hasattr(Tensor, name):
            def method(self, *args, _name=name):
                return getattr(self.value(), _name)(*args)
            setattr(Variable, name, method)


# -- collections and initializers ------------------------------------------------------
def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


all_variables = global_variables


def variables_initializer(var_list, name="init"):
    """An op that runs the initializers of `var_list`."""
    if var_list:
        return core.group(*[v.initializer for v in var_list], name=name)
    return core.no_op(name=name)


initialize_variables = variables_initializer


def global_variables_initializer():
    """An op that initializes all global variables."""
    return variables_initializer(global_variables())


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    """An op that initializes all local variables."""
    return variables_initializer(local_variables())


initialize_local_variables = local_variables_initializer


def is_variable_initialized(variable):
    return state_ops.is_variable_initialized(variable)


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A 1-D string tensor with the names of the uninitialized variables in `var_list`."""
    from flowgraph.ops import array_ops, math_ops
    if var_list is None:
        var_list = global_variables() + local_variables()
    with name_scope(name):
        if not var_list:
            return core.constant([], dtype=dtypes.string)
        inited = array_ops.stack([state_ops.is_variable_initialized(v) for v in var_list])
        names = core.constant([v.op.name for v in var_list])
        return array_ops.boolean_mask(names, math_ops.logical_not(inited))


def assert_variables_initialized(var_list=None):
    from flowgraph.ops import math_ops
    var_list = var_list if var_list is not None else global_variables() + local_variables()
    if not var_list:
        return None
    from flowgraph.ops import array_ops
    inited = array_ops.stack([state_ops.is_variable_initialized(v) for v in var_list])
    return math_ops.reduce_all(inited, name="assert_variables_initialized")


# Variables in meta graphs: collections of serialized VariableDefs, one object per variable.
VARIABLE_COLLECTIONS = (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES,
                        GraphKeys.LOCAL_VARIABLES, GraphKeys.MODEL_VARIABLES,
                        GraphKeys.MOVING_AVERAGE_VARIABLES, GraphKeys.METRIC_VARIABLES,
                        GraphKeys.GLOBAL_STEP, GraphKeys.CONCATENATED_VARIABLES)


def _variable_from_collection(key):
    def from_proto(data, import_scope, memo):
        vd = variable_pb2.VariableDef.FromString(data)
        v = memo.get(vd.variable_name)
        if v is None:
            v = memo[vd.variable_name] = Variable.from_proto(vd, import_scope=import_scope)
            if key == GraphKeys.TRAINABLE_VARIABLES:
                v._trainable = True
        return v
    return from_proto


for _key in VARIABLE_COLLECTIONS:
    meta_graph.register_proto_function(_key, _variable_from_collection(_key))
del _key
