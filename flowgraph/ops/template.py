"""`tf.make_template`: wraps a function so that every call shares the variables that its
first call created with `get_variable` (in the template's own variable scope)."""
import functools

from flowgraph.framework.graph import get_collection
from flowgraph.framework.graph_keys import GraphKeys
from flowgraph.ops.variable_scope import variable_scope

__all__ = ["make_template", "Template"]


class Template:
    """A function whose `get_variable` calls create variables on the first call and reuse
    them afterwards; a trainable variable made otherwise in a later call is an error."""

    def __init__(self, name, func, create_scope_now=False, unique_name=None,
                 custom_getter=None):
        self._name, self._func = name, func
        self._unique_name, self._custom_getter = unique_name, custom_getter
        self._variable_scope = None
        self._variables_created = False
        if create_scope_now:
            with variable_scope(unique_name, default_name=name,
                                custom_getter=custom_getter) as vs:
                self._variable_scope = vs

    def __call__(self, *args, **kwargs):
        if self._variable_scope is None:  # first call: the scope is made now
            with variable_scope(self._unique_name, default_name=self._name,
                                custom_getter=self._custom_getter) as vs:
                self._variable_scope = vs
                return self._call_func(args, kwargs)
        with variable_scope(self._variable_scope, reuse=self._variables_created or None):
            return self._call_func(args, kwargs)

    def _call_func(self, args, kwargs):
        before = len(get_collection(GraphKeys.TRAINABLE_VARIABLES))
        result = self._func(*args, **kwargs)
        new = get_collection(GraphKeys.TRAINABLE_VARIABLES)[before:]
        if self._variables_created and new:
            raise ValueError(
                "Trainable variable created when calling a template after the first time, "
                "perhaps you used tf.Variable when you meant tf.get_variable: "
                f"{new}")
        self._variables_created = True
        return result

    @property
    def name(self):
        return self._name

    @property
    def func(self):
        return self._func

    @property
    def variable_scope(self):
        return self._variable_scope

    @property
    def variable_scope_name(self):
        if self._variable_scope is None:
            return None
        name = self._variable_scope.name
        return name + "/" if name else name

    @property
    def variables_created(self):
        return self._variables_created

    def _collection(self, key):
        prefix = self.variable_scope_name
        if prefix is None:
            return []
        return [v for v in get_collection(key) if v.name.startswith(prefix)]

    @property
    def variables(self):
        return self.global_variables + self.local_variables

    @property
    def trainable_variables(self):
        return self._collection(GraphKeys.TRAINABLE_VARIABLES)

    @property
    def non_trainable_variables(self):
        trainable = set(map(id, self.trainable_variables))
        return [v for v in self.global_variables if id(v) not in trainable]

    @property
    def global_variables(self):
        return self._collection(GraphKeys.GLOBAL_VARIABLES)

    @property
    def local_variables(self):
        return self._collection(GraphKeys.LOCAL_VARIABLES)


def make_template(name_, func_, create_scope_now_=False, unique_name_=None,
                  custom_getter_=None, **kwargs):
    """A `Template` of `func_` with `kwargs` bound: call it like `func_`; every call after
    the first reuses the variables the first one created with `tf.get_variable`."""
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(name_, func_, create_scope_now=create_scope_now_,
                    unique_name=unique_name_, custom_getter=custom_getter_)
