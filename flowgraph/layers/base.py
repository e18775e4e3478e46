"""The base of `tf.layers`: a `Layer` owns a variable scope and makes its variables there
through `tf.get_variable`, as TF1's layers do.

A layer's variable scope is chosen on its first call (or when it is built from a `name`
given to a functional form such as `tf.layers.dense(..., name="d")`): `default_name`
uniquifying gives `dense`, `dense_1`, ... and its variables are `dense/kernel`,
`dense/bias`. Its ops go in the name scope that variable scope first opened (`dense/`),
on every call. A built layer (or one made with `_reuse=True`) finds its variables again
with `reuse=True`."""
import numbers
import re

import numpy as np

from flowgraph.framework import default_stack, dtypes, nest, tensor_shape
from flowgraph.framework.graph import GraphKeys, Tensor, get_default_graph, name_scope
from flowgraph.framework.op_builder import constant_value, convert_to_tensor
from flowgraph.ops import variable_scope as vs

__all__ = ["Layer", "InputSpec"]


def _snake(name):
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def _add_to_collection(items, key):
    """Adds each of `items` to collection `key` unless it is there already."""
    ref = get_default_graph().get_collection_ref(key)
    have = {id(x) for x in ref}
    for x in items:
        if id(x) not in have:
            ref.append(x)
            have.add(id(x))


def smart_cond(pred, true_fn, false_fn, name=None):
    """`true_fn()` or `false_fn()` chosen now when `pred` is a Python bool or a tensor of
    known value, else a `tf.cond` choosing at run time."""
    if isinstance(pred, (bool, np.bool_)) or (isinstance(pred, numbers.Integral)
                                               and pred in (0, 1)):
        return true_fn() if pred else false_fn()
    value = static_bool(pred)
    if value is not None:
        return true_fn() if value else false_fn()
    from flowgraph.ops.control_flow_ops import cond
    return cond(pred, true_fn, false_fn, name=name)


def static_bool(pred):
    """The value of `pred` when known at build time (a Python bool or a constant), else
    None."""
    if pred is None:
        return None
    if isinstance(pred, (bool, np.bool_, numbers.Integral)):
        return bool(pred)
    t = convert_to_tensor(pred)
    if t.dtype.base_dtype != dtypes.bool:
        raise TypeError(f"`training` must be a Python bool or a bool tensor, got {t.dtype.name}")
    v = constant_value(t)
    return None if v is None else bool(v)


class InputSpec:
    """What a layer accepts: `dtype`, `shape`, `ndim`, `max_ndim`, `min_ndim`, and `axes`
    (a dict of axis -> required size)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype = dtypes.as_dtype(dtype).name if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})
        self.name = name

    def __repr__(self):
        spec = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                        ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                        ("min_ndim", self.min_ndim), ("axes", self.axes))
                if v]
        return f"InputSpec({', '.join(spec)})"


class Layer:
    """Base layer class (TF1's `tf.layers.Layer`).

    Subclasses implement `build(input_shape)` (making variables with `add_weight`) and
    `call(inputs, ...)`. Properties: `name`, `dtype`, `trainable`, `trainable_variables`
    (= `trainable_weights`), `non_trainable_variables`, `variables` (= `weights`),
    `updates` (ops to run in training, also added to `GraphKeys.UPDATE_OPS`), `losses`
    (regularization losses, also in `GraphKeys.REGULARIZATION_LOSSES`)."""

    _ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "weights",
                       "activity_regularizer", "autocast", "dynamic", "input_dim",
                       "_scope", "_reuse"}

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        for k in kwargs:
            if k not in self._ALLOWED_KWARGS:
                raise TypeError(f"Keyword argument not understood: {k}")
        scope = kwargs.pop("_scope", None)
        self._reuse = kwargs.pop("_reuse", None)
        self._activity_regularizer = kwargs.pop("activity_regularizer", None)
        self._trainable = bool(trainable)
        self.built = False
        self._dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else None
        self._trainable_weights, self._non_trainable_weights = [], []
        self._updates, self._losses = [], []
        self.input_spec = None
        if isinstance(name, vs.VariableScope):
            self._base_name = name.name.split("/")[-1]
            self._name = None
        else:
            if name is not None and not isinstance(name, str):
                raise TypeError(f"Layer name must be a string, got {name!r}")
            self._name = name or None
            self._base_name = name or _snake(type(self).__name__)
        self._scope = None
        if scope:
            with vs.variable_scope(scope) as captured:
                self._scope = captured
        self._current_scope = None
        self._call_scope_cm = None

    # -- identity --------------------------------------------------------------------------
    @property
    def name(self):
        if self._scope is not None:
            return self._scope.name.split("/")[-1]
        return self._name or self._base_name

    @property
    def dtype(self):
        """The dtype of the layer's weights (a name such as 'float32'), None until known."""
        return None if self._dtype is None else self._dtype.name

    @property
    def scope_name(self):
        if not self._scope:
            raise ValueError(f'No name available for layer scope because the layer "'
                             f'{self.name}" has not been used yet. The scope name is '
                             "determined the first time the layer instance is called. You "
                             "must therefore call the layer before querying `scope_name`.")
        return self._scope.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    @property
    def activity_regularizer(self):
        return self._activity_regularizer

    # -- variables -------------------------------------------------------------------------
    @property
    def trainable_weights(self):
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return list(self._non_trainable_weights)
        return list(self._trainable_weights) + list(self._non_trainable_weights)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    variables = weights

    @property
    def updates(self):
        return list(self._updates)

    @property
    def losses(self):
        return list(self._losses)

    def add_update(self, updates, inputs=None):
        """Records update ops (tensors or ops); they join `GraphKeys.UPDATE_OPS` when
        the call that made them ends."""
        for u in nest.flatten(updates):
            if callable(u) and not isinstance(u, Tensor) and not hasattr(u, "type"):
                u = u()
            if u is None:
                continue
            u = u.op if isinstance(u, Tensor) else u
            if all(u is not x for x in self._updates):
                self._updates.append(u)

    def add_loss(self, losses, inputs=None):
        """Records loss tensors (callables are called) in `losses` and in
        `GraphKeys.REGULARIZATION_LOSSES`."""
        new = []
        for loss in nest.flatten(losses):
            if callable(loss) and not isinstance(loss, Tensor):
                loss = loss()
            if loss is None:
                continue
            loss = convert_to_tensor(loss)
            self._losses.append(loss)
            new.append(loss)
        _add_to_collection(new, GraphKeys.REGULARIZATION_LOSSES)

    def _set_scope(self, scope=None):
        if self._scope is None:
            if self._reuse:
                with vs.variable_scope(scope if scope is not None else self._base_name) \
                        as captured:
                    self._scope = captured
            else:
                with vs.variable_scope(scope, default_name=self._base_name) as captured:
                    self._scope = captured

    def _name_scope(self):
        return self._current_scope.original_name_scope

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, use_resource=None,
                   synchronization=None, aggregation=None, partitioner=None, **kwargs):
        """Gets or creates the variable `<layer scope>/<name>` with `tf.get_variable`;
        a new variable's `regularizer` loss joins `losses` and REGULARIZATION_LOSSES."""
        for k in kwargs:
            if k != "experimental_autocast":
                raise TypeError(f"Unknown keyword argument: {k}")
        if trainable is None:
            trainable = True
        g = get_default_graph()
        existing = {id(v) for v in g.get_collection(GraphKeys.GLOBAL_VARIABLES)}
        existing |= {id(v) for v in g.get_collection(GraphKeys.LOCAL_VARIABLES)}
        if dtype is None:
            dtype = self._dtype or dtypes.float32
        self._set_scope(None)
        reuse = True if self.built else self._reuse
        with vs.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) \
                as scope:
            self._current_scope = scope
            with name_scope(self._name_scope()):
                if initializer is None:
                    initializer = scope.initializer
                var = vs.get_variable(name, shape=shape, dtype=dtypes.as_dtype(dtype),
                                      initializer=initializer,
                                      trainable=bool(trainable and self.trainable),
                                      constraint=constraint, partitioner=partitioner,
                                      use_resource=use_resource)
                if regularizer is not None and id(var) not in existing:
                    with name_scope(name + "/Regularizer"):
                        loss = regularizer(var)
                    if loss is not None:
                        self.add_loss(loss)
        in_trainable = any(var is v for v in g.get_collection(GraphKeys.TRAINABLE_VARIABLES))
        target = self._trainable_weights if (trainable and self.trainable and in_trainable) \
            else self._non_trainable_weights
        if all(var is not v for v in self._trainable_weights + self._non_trainable_weights):
            target.append(var)
        return var

    # -- calling ---------------------------------------------------------------------------
    def build(self, input_shape):
        """Makes the layer's variables; called once, on the first call."""
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        raise NotImplementedError(f"{type(self).__name__}.compute_output_shape")

    def apply(self, inputs, *args, **kwargs):
        """The same as calling the layer: `layer.apply(x)` is `layer(x)`."""
        return self.__call__(inputs, *args, **kwargs)

    def __call__(self, inputs, *args, **kwargs):
        """Builds the layer on the first call (variables in its scope), then applies it:
        ops under the layer's name scope; updates join `GraphKeys.UPDATE_OPS`."""
        scope = kwargs.pop("scope", None)
        self._set_scope(scope)
        if self.built:
            if self._call_scope_cm is None:
                self._call_scope_cm = vs.variable_scope(self._scope, reuse=True,
                                                        auxiliary_name_scope=False)
            cm = self._call_scope_cm
        else:
            cm = vs.variable_scope(self._scope, reuse=self._reuse,
                                   auxiliary_name_scope=False)
        with cm as scope:
            self._current_scope = scope
            with name_scope(self._name_scope()):
                inputs = nest.map_structure(
                    lambda x: x if isinstance(x, Tensor) else convert_to_tensor(x), inputs)
                flat = [t for t in nest.flatten(inputs) if isinstance(t, Tensor)]
                if not self.built:
                    if self._dtype is None and flat:  # TF1: the first input's dtype
                        self._dtype = flat[0].dtype.base_dtype
                    self._check_input(flat)
                    shapes = nest.map_structure(lambda t: t.shape, inputs)
                    self.build(shapes)
                    self.built = True
                else:
                    self._check_input(flat)
                outputs = self.call(inputs, *args, **kwargs)
                if outputs is None:
                    raise ValueError("A layer's `call` method should return a Tensor or a "
                                     f"list of Tensors, not None (layer: {self.name}).")
                if self._activity_regularizer is not None:
                    self._activity_regularize(outputs)
        _add_to_collection(self._updates, GraphKeys.UPDATE_OPS)
        return outputs

    def _activity_regularize(self, outputs):
        from flowgraph.ops import array_ops, math_ops
        with name_scope("ActivityRegularizer"):
            for out in nest.flatten(outputs):
                loss = self._activity_regularizer(out)
                if loss is None:
                    continue
                batch = math_ops.cast(array_ops.shape(out)[0], loss.dtype)
                self.add_loss(math_ops.truediv(loss, batch))

    def _check_input(self, flat):
        spec = self.input_spec
        if spec is None or not flat:
            return
        for i, (s, x) in enumerate(zip(nest.flatten(spec), flat)):
            if s is None:
                continue
            shape = x.shape
            ndim = shape.ndims
            where = f'Input {i} of layer "{self.name}" is incompatible with the layer: '
            if s.ndim is not None and ndim is not None and ndim != s.ndim:
                raise ValueError(f"{where}expected ndim={s.ndim}, found ndim={ndim}. Full "
                                 f"shape received: {tuple(shape.as_list())}")
            if s.max_ndim is not None and ndim is not None and ndim > s.max_ndim:
                raise ValueError(f"{where}expected max_ndim={s.max_ndim}, found "
                                 f"ndim={ndim}")
            if s.min_ndim is not None and ndim is not None and ndim < s.min_ndim:
                raise ValueError(f"{where}expected min_ndim={s.min_ndim}, found "
                                 f"ndim={ndim}. Full shape received: "
                                 f"{tuple(shape.as_list())}")
            if s.axes and ndim is not None:
                dims = shape.as_list()
                for axis, size in s.axes.items():
                    d = dims[axis] if -ndim <= axis < ndim else None
                    if size is not None and d is not None and d != size:
                        raise ValueError(f"{where}expected axis {axis} of input shape to "
                                         f"have value {size}, but received input with "
                                         f"shape {tuple(dims)}")

    # -- helpers ---------------------------------------------------------------------------
    def count_params(self):
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, but "
                             "the layer isn't built.")
        return int(sum(np.prod(v.get_shape().as_list()) for v in self.weights))

    def get_weights(self):
        """The values of the weights, read in the default session."""
        sess = default_stack.get_default_session()
        if sess is None:
            raise ValueError("get_weights needs a default session (`with sess.as_default()`)")
        return sess.run(self.weights)

    def set_weights(self, weights):
        """Loads `weights` (arrays, in the order of `weights`) in the default session."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer {self.name} with a "
                             f"weight list of length {len(weights)}, but the layer was "
                             f"expecting {len(params)} weights.")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if not v.get_shape().is_compatible_with(tensor_shape.TensorShape(w.shape)):
                raise ValueError(f"Layer {self.name} weight shape {v.get_shape()} is not "
                                 f"compatible with provided weight shape {w.shape}.")
            v.load(w)

    def get_config(self):
        cfg = {"name": self.name, "trainable": self.trainable}
        if self._dtype is not None:
            cfg["dtype"] = self.dtype
        return cfg

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} name={self.name!r}>"
