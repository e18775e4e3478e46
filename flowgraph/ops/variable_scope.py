"""Variable scopes and `tf.get_variable`: variables named by scope, shared through reuse.

Two kinds of scope live side by side, as in TF: the *name scope* (`tf.name_scope`) prefixes
op names; the *variable scope* prefixes the names `get_variable` looks up and creates.
`tf.variable_scope("a")` opens both (the name scope uniquified, `a_1/` on a second entry;
the variable scope not, so variables can be shared). `get_variable` ignores the name scope.

Per-graph state lives on `Graph._variable_scope_store`: the variables made by
`get_variable` (keyed by full name), and, per thread, the current `VariableScope` and how
often each scope name was opened (for `default_name` uniquifying).
"""
import functools
import inspect
import threading

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import (GraphKeys, Operation, Tensor, colocate_with,
                                       control_dependencies, get_default_graph,
                                       name_scope)
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import init_ops
from flowgraph.ops.variables import Variable

__all__ = ["VariableScope", "variable_scope", "variable_op_scope", "get_variable_scope",
           "get_variable", "get_local_variable", "no_regularizer"]

# The value of `tf.AUTO_REUSE` (defined again in flowgraph/__init__.py with this value).
AUTO_REUSE = "AUTO_REUSE"


def _is_auto_reuse(reuse):
    return reuse is AUTO_REUSE or (isinstance(reuse, str) and reuse == AUTO_REUSE)


def no_regularizer(_):
    """Use this function to prevent regularization of variables."""
    return None


def _dtype_str(dtype):
    return f"<dtype: '{dtypes.as_dtype(dtype).name}'>"


class VariableScope:
    """Variable scope object to carry defaults to provide to `get_variable`.

    Attributes: `name` (the prefix of variable names), `original_name_scope` (the name
    scope opened with it), `reuse` (True, False or `tf.AUTO_REUSE`), and the defaults for
    `get_variable`: `initializer`, `regularizer`, `caching_device`, `partitioner`,
    `custom_getter`, `dtype`, `use_resource`, `constraint`."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, name_scope="",
                 dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """Reuse variables in this scope."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_dtype(self, dtype):
        self._dtype = dtype

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def get_collection(self, name):
        """This scope's items of collection `name`."""
        scope = self._name + "/" if self._name else ""
        return get_default_graph().get_collection(name, scope)

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=None, aggregation=None):
        """Gets an existing variable `<scope>/<name>` or creates it, this scope's defaults
        filling the arguments left as None."""
        if regularizer is None:
            regularizer = self._regularizer
        if caching_device is None:
            caching_device = self._caching_device
        if partitioner is None:
            partitioner = self._partitioner
        if custom_getter is None:
            custom_getter = self._custom_getter
        if reuse is None:
            reuse = self._reuse
        if use_resource is None:
            use_resource = self._use_resource
        full_name = self.name + "/" + name if self.name else name
        # Variable names depend only on the variable scope: leave the name scope.
        with name_scope(None):
            if dtype is not None and initializer is not None and not callable(initializer):
                init_dtype = convert_to_tensor(initializer).dtype.base_dtype
                if init_dtype != dtypes.as_dtype(dtype).base_dtype:
                    raise ValueError(f"Initializer type '{_dtype_str(init_dtype)}' and "
                                     f"explicit dtype '{_dtype_str(dtype)}' don't match.")
            if initializer is None:
                initializer = self._initializer
            if constraint is None:
                constraint = self._constraint
            if dtype is None:
                dtype = self._dtype
            return var_store.get_variable(
                full_name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, caching_device=caching_device,
                partitioner=partitioner, validate_shape=validate_shape,
                use_resource=use_resource, custom_getter=custom_getter,
                constraint=constraint, synchronization=synchronization,
                aggregation=aggregation)

    def __repr__(self):
        return f"<VariableScope name={self._name!r} reuse={self._reuse!r}>"


class _ScopeState(threading.local):
    """Per thread: the current variable scope and how often each scope name was opened."""

    def __init__(self):
        super().__init__()
        self.current_scope = VariableScope(False)
        self.variable_scopes_count = {}

    def open_variable_scope(self, scope_name):
        self.variable_scopes_count[scope_name] = \
            self.variable_scopes_count.get(scope_name, 0) + 1

    def close_variable_subscopes(self, scope_name):
        prefix = None if scope_name is None else scope_name + "/"
        for k in self.variable_scopes_count:
            if prefix is None or k.startswith(prefix):
                self.variable_scopes_count[k] = 0

    def variable_scope_count(self, scope_name):
        return self.variable_scopes_count.get(scope_name, 0)


def _accepts(fn, arg, or_kwargs=True):
    """Whether `fn` takes an argument named `arg` (or any keyword, with `or_kwargs`)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == arg or (or_kwargs and p.kind == p.VAR_KEYWORD) for p in params)


def _needs_no_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in params)


def _format_origin(op):
    f, line, fn = op.traceback
    return f'  File "{f}", line {line}, in {fn}\n'


class _VariableStore:
    """The variables `get_variable` made in one graph, keyed by full name."""

    def __init__(self):
        self._vars = {}
        self._partitioned_vars = {}

    def get_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=None, aggregation=None):
        """Gets or creates variable `name` (a full name); see `tf.get_variable`."""
        if custom_getter is not None and not callable(custom_getter):
            raise ValueError(f"Passed a custom_getter which is not callable: {custom_getter}")
        dtype = getattr(dtype, "base_dtype", dtype)

        def true_getter(name, shape=None, dtype=dtypes.float32, initializer=None,
                        regularizer=None, reuse=None, trainable=None, collections=None,
                        caching_device=None, partitioner=None, validate_shape=True,
                        use_resource=None, constraint=None, synchronization=None,
                        aggregation=None):
            is_scalar = isinstance(shape, (list, tuple)) and not shape
            if partitioner is not None and not is_scalar:
                if not callable(partitioner):
                    raise ValueError(f"Partitioner must be callable, but received: "
                                     f"{partitioner}")
                from flowgraph.ops.partitioned_variables import get_partitioned_variable
                return get_partitioned_variable(
                    self, name, shape, dtype, partitioner, reuse, initializer=initializer,
                    regularizer=regularizer, trainable=trainable, collections=collections,
                    caching_device=caching_device, validate_shape=validate_shape,
                    use_resource=use_resource, constraint=constraint,
                    synchronization=synchronization, aggregation=aggregation)
            if f"{name}/part_0" in self._vars:
                raise ValueError("No partitioner was provided, but a partitioned version of "
                                 f"the variable was found: {name}/part_0. Perhaps a variable "
                                 "of the same name was already created with partitioning?")
            return self._get_single_variable(
                name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, caching_device=caching_device,
                validate_shape=validate_shape, use_resource=use_resource,
                constraint=constraint, synchronization=synchronization,
                aggregation=aggregation)

        kwargs = dict(shape=shape, dtype=dtype, initializer=initializer,
                      regularizer=regularizer, reuse=reuse, trainable=trainable,
                      collections=collections, caching_device=caching_device,
                      partitioner=partitioner, validate_shape=validate_shape,
                      use_resource=use_resource, synchronization=synchronization,
                      aggregation=aggregation)
        if custom_getter is None:
            return true_getter(name, constraint=constraint, **kwargs)
        if _accepts(custom_getter, "constraint"):
            kwargs["constraint"] = constraint
        return custom_getter(getter=true_getter, name=name, **kwargs)

    def _get_single_variable(self, name, shape=None, dtype=dtypes.float32,
                             initializer=None, regularizer=None, partition_info=None,
                             reuse=None, trainable=None, collections=None,
                             caching_device=None, validate_shape=True, use_resource=None,
                             constraint=None, synchronization=None, aggregation=None):
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise ValueError("If initializer is a constant, do not specify shape.")
        dtype = dtypes.as_dtype(dtype)
        if shape is not None:
            shape = tensor_shape.as_shape(shape)

        if name in self._vars:
            found = self._vars[name]
            if reuse is False:
                raise ValueError(f"Variable {name} already exists, disallowed. Did you mean "
                                 "to set reuse=True or reuse=tf.AUTO_REUSE in VarScope? "
                                 f"Originally defined at:\n\n{_format_origin(found.op)}")
            if shape is not None and not shape.is_compatible_with(found.get_shape()):
                raise ValueError(f"Trying to share variable {name}, but specified shape "
                                 f"{shape} and found shape {found.get_shape()}.")
            if not dtype.is_compatible_with(found.dtype):
                raise ValueError(f"Trying to share variable {name}, but specified dtype "
                                 f"{dtype.name} and found dtype {found.dtype.name}.")
            return found

        if reuse is True:
            raise ValueError(f"Variable {name} does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             "VarScope?")
        if initializer is None:
            if shape is None:
                raise ValueError(f"Variable {name} did not get an initializer, so its `shape`"
                                 " argument must be specified.")
            initializer = _default_initializer(name, dtype)
        if from_value:
            init_val, var_dtype = initializer, None
        else:
            if inspect.isclass(initializer):
                initializer = initializer()
            if shape is not None and shape.is_fully_defined():
                extra = {"partition_info": partition_info} \
                    if _accepts(initializer, "partition_info", False) else {}
                init_val = functools.partial(initializer, shape.as_list(), dtype=dtype,
                                             **extra)
                var_dtype = dtype.base_dtype
            elif _needs_no_arguments(initializer):
                init_val, var_dtype = initializer, None
            else:
                raise ValueError("The initializer passed is not valid. It should be a "
                                 "callable with no arguments and the shape should not be "
                                 "provided or an instance of `tf.keras.initializers.*' and "
                                 "`shape` should be fully defined.")
        # TF makes variables in an init scope: no enclosing control dependencies.
        with control_dependencies(None):
            v = Variable(initial_value=init_val, name=name, trainable=trainable,
                         collections=collections, caching_device=caching_device,
                         dtype=var_dtype, validate_shape=validate_shape,
                         constraint=constraint, shape=shape,
                         synchronization=synchronization, aggregation=aggregation)
        self._vars[name] = v

        if regularizer:
            # TF 2.x first calls the regularizer where get_variable runs (the root name
            # scope) to see whether it gives a loss, then builds the loss it keeps under
            # `<name>/Regularizer/`, next to the variable. The graph gets both, as in TF.
            if regularizer(v) is not None:
                with colocate_with(v):
                    with name_scope(name + "/Regularizer/"):
                        loss = regularizer(v)
                if loss is not None:
                    v.graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v


def _default_initializer(name, dtype):
    """glorot_uniform for floats; zeros for integers, bools and strings."""
    if dtype.is_floating:
        return init_ops.glorot_uniform_initializer()
    if dtype.is_integer or dtype.is_unsigned or dtype.is_bool or dtype == dtypes.string:
        return init_ops.zeros_initializer()
    raise ValueError(f"An initializer for variable {name} of {_dtype_str(dtype)} is required")


class _GraphStore:
    """What `Graph._variable_scope_store` holds: the variable store and the scope state."""

    def __init__(self):
        self.var_store = _VariableStore()
        self.scopes = _ScopeState()


def _graph_store(graph=None):
    g = graph if graph is not None else get_default_graph()
    while getattr(g, "outer_graph", None) is not None:  # function bodies share it (as TF)
        g = g.outer_graph
    store = g._variable_scope_store
    if store is None:
        with g._lock:
            if g._variable_scope_store is None:
                g._variable_scope_store = _GraphStore()
            store = g._variable_scope_store
    return store


def get_variable_scope_store():
    """The current thread's variable-scope state in the default graph."""
    return _graph_store().scopes


def _get_default_variable_store():
    return _graph_store().var_store


def get_variable_scope():
    """Returns the current variable scope."""
    return get_variable_scope_store().current_scope


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Gets an existing variable with these parameters or creates a new one.

    The variable is named `<current variable scope>/<name>`. In a scope opened with
    `reuse=True` it must exist; with `reuse=tf.AUTO_REUSE` it is created if missing;
    otherwise it must not exist yet. `initializer` may be an initializer object or class,
    a callable, or a value (Tensor, numpy array, Python value; then `shape` must be None
    and is taken from it). Without one, floats use `glorot_uniform_initializer` and
    integers, bools and strings zeros. `regularizer(variable)`'s result is added to
    `GraphKeys.REGULARIZATION_LOSSES`."""
    return get_variable_scope().get_variable(
        _get_default_variable_store(), name, shape=shape, dtype=dtype,
        initializer=initializer, regularizer=regularizer, trainable=trainable,
        collections=collections, caching_device=caching_device, partitioner=partitioner,
        validate_shape=validate_shape, use_resource=use_resource,
        custom_getter=custom_getter, constraint=constraint, synchronization=synchronization,
        aggregation=aggregation)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None,
                       partitioner=None, validate_shape=True, use_resource=None,
                       custom_getter=None, constraint=None, synchronization=None,
                       aggregation=None):
    """Like `get_variable`, but the variable goes to `LOCAL_VARIABLES` and is not
    trainable."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, trainable=False, collections=collections,
                        caching_device=caching_device, partitioner=partitioner,
                        validate_shape=validate_shape, use_resource=use_resource,
                        custom_getter=custom_getter, constraint=constraint,
                        synchronization=synchronization, aggregation=aggregation)


def _maybe_wrap_custom_getter(custom_getter, old_getter):
    """A custom getter calling `old_getter` as its `getter` (nested scopes' getters
    compose, the outer one innermost)."""
    if old_getter is None:
        return custom_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(functools.partial(old_getter, getter), *args, **kwargs)
    return wrapped_custom_getter


def _apply_overrides(scope, initializer, regularizer, caching_device, partitioner,
                     custom_getter, old_getter, dtype, use_resource):
    if initializer is not None:
        scope.set_initializer(initializer)
    if regularizer is not None:
        scope.set_regularizer(regularizer)
    if caching_device is not None:
        scope.set_caching_device(caching_device)
    if partitioner is not None:
        scope.set_partitioner(partitioner)
    if custom_getter is not None:
        scope.set_custom_getter(_maybe_wrap_custom_getter(custom_getter, old_getter))
    if dtype is not None:
        scope.set_dtype(dtype)
    if use_resource is not None:
        scope.set_use_resource(use_resource)


class _pure_variable_scope:  # noqa: N801 (TF's name)
    """Enters a variable scope without opening a name scope."""

    def __init__(self, name_or_scope, reuse=None, initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None,
                 old_name_scope=None, dtype=dtypes.float32, use_resource=None,
                 constraint=None):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._overrides = (initializer, regularizer, caching_device, partitioner,
                           custom_getter)
        self._old_name_scope = old_name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint
        self._state = get_variable_scope_store()
        self._last = None
        if isinstance(name_or_scope, VariableScope):
            s = name_or_scope
            self._new_name = s.name
            obj = VariableScope(s.reuse if not reuse else reuse, name=s.name,
                                initializer=s.initializer, regularizer=s.regularizer,
                                caching_device=s.caching_device, partitioner=s.partitioner,
                                dtype=s.dtype, custom_getter=s.custom_getter,
                                name_scope=s.original_name_scope,
                                use_resource=s.use_resource, constraint=constraint)
            _apply_overrides(obj, *self._overrides, s.custom_getter, dtype, use_resource)
            self._cached = obj

    def __enter__(self):
        state = self._state
        self._old = state.current_scope
        if isinstance(self._name_or_scope, VariableScope):
            state.open_variable_scope(self._new_name)
            self._old_subscopes = dict(state.variable_scopes_count)
            obj = self._cached
        else:
            old = self._old
            self._new_name = old.name + "/" + self._name_or_scope if old.name \
                else self._name_or_scope
            self._reuse = self._reuse or old.reuse  # sub-scopes inherit reuse
            obj = VariableScope(
                self._reuse, name=self._new_name, initializer=old.initializer,
                regularizer=old.regularizer, caching_device=old.caching_device,
                partitioner=old.partitioner, dtype=old.dtype, use_resource=old.use_resource,
                custom_getter=old.custom_getter,
                name_scope=self._name_or_scope if self._old_name_scope is None
                else self._old_name_scope,
                constraint=self._constraint)
            _apply_overrides(obj, *self._overrides, old.custom_getter, self._dtype,
                             self._use_resource)
            state.open_variable_scope(self._new_name)
        state.current_scope = obj
        self._last = obj
        return obj

    def __exit__(self, *exc):
        state = self._state
        if state.current_scope is not self._last:
            raise RuntimeError("Improper nesting of variable_scope.")
        if isinstance(self._name_or_scope, VariableScope):
            state.variable_scopes_count = self._old_subscopes
        else:
            state.close_variable_subscopes(self._new_name)
        state.current_scope = self._old
        return False


def _get_unique_variable_scope(prefix):
    """`prefix`, or `prefix_N` with the first N not yet opened in the current scope."""
    state = get_variable_scope_store()
    current = state.current_scope
    name = current.name + "/" + prefix if current.name else prefix
    if state.variable_scope_count(name) == 0:
        return prefix
    idx = 1
    while state.variable_scope_count(f"{name}_{idx}") > 0:
        idx += 1
    return f"{prefix}_{idx}"


def _graph_of_values(values):
    for v in values or ():
        if isinstance(v, (Tensor, Operation)):
            return v.graph
        if hasattr(v, "_as_graph_element") and hasattr(v, "graph"):
            return v.graph
    return None


class variable_scope:  # noqa: N801 (TF's name)
    """A context manager for defining ops that create variables (layers).

    `with tf.variable_scope("foo"):` makes `get_variable("v")` name `foo/v` and opens the
    name scope `foo/` (`foo_1/` when `foo/` is taken). `name_or_scope` may be a string or a
    `VariableScope` (re-entered: same variable scope, a new name scope), or None with
    `default_name` (uniquified: `dense`, `dense_1`, ...). `reuse=True` (inherited by
    sub-scopes) requires variables to exist; `reuse=tf.AUTO_REUSE` creates them if
    missing. `initializer`, `regularizer`, `dtype`, ... are defaults for `get_variable`
    in this scope and its sub-scopes."""

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None,
                 custom_getter=None, reuse=None, dtype=None, use_resource=None,
                 constraint=None, auxiliary_name_scope=True):
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._values = values if values is not None else []
        self._kwargs = dict(initializer=initializer, regularizer=regularizer,
                            caching_device=caching_device, partitioner=partitioner,
                            custom_getter=custom_getter, dtype=dtype,
                            use_resource=use_resource, constraint=constraint)
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse is False:
            reuse = None
        if not (reuse is True or reuse is None or _is_auto_reuse(reuse)):
            raise ValueError("The reuse parameter must be True or False or None.")
        self._reuse = reuse
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError("The auxiliary_name_scope must be `True` or `False`, while get "
                            f"{auxiliary_name_scope}")
        self._auxiliary_name_scope = auxiliary_name_scope
        self._graph = _graph_of_values(self._values) or get_default_graph()
        default = get_default_graph()
        if default.building_function and default.reaches(self._graph):
            self._graph = default  # inside a function body, outer values get captured
        self._pure = None
        self._name_scope_arg = None  # what to pass to name_scope on (re-)entry
        self._name_ctx = None

    def __enter__(self):
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        try:
            if self._pure is not None:  # re-entering this very context manager
                self._open_name_scope()
                return self._pure.__enter__()
            return self._enter_uncached()
        except BaseException:
            if self._name_ctx is not None:
                self._name_ctx.__exit__(None, None, None)
                self._name_ctx = None
            self._graph_ctx.__exit__(None, None, None)
            raise

    def _open_name_scope(self):
        if self._name_scope_arg is None:
            self._name_ctx = None
            return None
        self._name_ctx = name_scope(self._name_scope_arg)
        return self._name_ctx.__enter__()

    def _enter_uncached(self):
        kw = self._kwargs
        if self._auxiliary_name_scope:
            keep = None
        else:  # re-open the current name scope, so no new one appears
            current = self._graph.get_name_scope()
            keep = current + "/" if current else ""
        if self._name_or_scope is not None:
            if not isinstance(self._name_or_scope, (VariableScope, str)):
                raise TypeError("VariableScope: name_or_scope must be a string or "
                                "VariableScope.")
            if isinstance(self._name_or_scope, str):
                scope_name = self._name_or_scope
            else:
                scope_name = self._name_or_scope.name.split("/")[-1]
            if scope_name or keep is not None:
                self._name_scope_arg = keep if keep is not None else scope_name
                opened = self._open_name_scope()
                old_name_scope = opened if isinstance(self._name_or_scope, str) \
                    else self._name_or_scope.original_name_scope
                self._pure = _pure_variable_scope(self._name_or_scope, reuse=self._reuse,
                                                  old_name_scope=old_name_scope, **kw)
            else:
                self._pure = _pure_variable_scope(self._name_or_scope, reuse=self._reuse,
                                                  **kw)
            return self._pure.__enter__()
        if self._reuse:
            raise ValueError("reuse=True cannot be used without a name_or_scope")
        self._name_scope_arg = keep if keep is not None else self._default_name
        opened = self._open_name_scope()
        unique = _get_unique_variable_scope(self._default_name)
        self._pure = _pure_variable_scope(unique, old_name_scope=opened, **kw)
        return self._pure.__enter__()

    def __exit__(self, *exc):
        try:
            self._pure.__exit__(*exc)
        finally:
            try:
                if self._name_ctx is not None:
                    self._name_ctx.__exit__(*exc)
                    self._name_ctx = None
            finally:
                self._graph_ctx.__exit__(*exc)
        return False


class variable_op_scope(variable_scope):  # noqa: N801 (TF's name)
    """Deprecated: `variable_scope(name_or_scope, default_name, values)` with `values`
    first."""

    def __init__(self, values, name_or_scope, default_name=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None,
                 custom_getter=None, reuse=None, dtype=None, use_resource=None,
                 constraint=None):
        super().__init__(name_or_scope, default_name=default_name, values=values,
                         initializer=initializer, regularizer=regularizer,
                         caching_device=caching_device, partitioner=partitioner,
                         custom_getter=custom_getter, reuse=reuse, dtype=dtype,
                         use_resource=use_resource, constraint=constraint)
