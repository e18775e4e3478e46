"""`tf.keras.backend` as Keras 2 runs it under TF1 graph mode.

The Keras session, learning phase, per-graph name uids and floatx/epsilon settings, plus
the backend's math functions (thin wrappers over flowgraph's ops with Keras's argument
conventions: `axis`/`keepdims`, `channels_last`/`channels_first`, `from_logits`).
"""
import collections
import itertools
import sys
import weakref

import numpy as np

from flowgraph.framework import dtypes as dtypes_module
from flowgraph.framework import graph as graph_module
from flowgraph.framework import nest, op_builder, sparse_tensor, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.gradients import gradients as _tf_gradients
from flowgraph.ops import (
    array_ops,
    control_flow_ops,
    conv3d_ops,
    conv_ops,
    core,
    creation_ops,
    ctc_ops,
    debug_ops,
    diag_ops,
    functional_ops,
    gather_ops,
    join_ops,
    manip_ops,
    math_ops,
    matmul_ops,
    nn_impl,
    nn_ops,
    pool3d_ops,
    pool_ops,
    random_ops,
    reduction_ops,
    scopes,
    slicing_ops,
    state_ops,
    tensor_array_ops,
    tensor_checks,
    unary_ops,
    xent_ops,
)
from flowgraph.ops import sparse_to_dense_ops
from flowgraph.ops import variables as variables_module
from flowgraph.runtime import config as config_module
from flowgraph.runtime import session as session_module
from flowgraph.train import moving_averages

py_all = all
py_any = any
py_sum = sum
py_slice = slice

# ---------------------------------------------------------------- configuration

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def epsilon():
    """The fuzz factor used in numeric expressions (default 1e-7)."""
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor."""
    global _EPSILON
    _EPSILON = value


def floatx():
    """The default float type as a string, e.g. `'float32'`."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float type: 'float16', 'bfloat16', 'float32' or 'float64'."""
    global _FLOATX
    accepted = {"float16", "float32", "float64", "bfloat16"}
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {accepted}")
    _FLOATX = str(value)


def image_data_format():
    """'channels_last' or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the image data format."""
    global _IMAGE_DATA_FORMAT
    accepted = {"channels_last", "channels_first"}
    if data_format not in accepted:
        raise ValueError(f"Unknown `data_format`: {data_format}. Expected one of {accepted}")
    _IMAGE_DATA_FORMAT = str(data_format)


def cast_to_floatx(x):
    """A numpy array (or tensor cast) of `x` in floatx()."""
    if isinstance(x, (Tensor, variables_module.Variable)):
        return unary_ops.cast(x, dtype=floatx())
    return np.asarray(x, dtype=floatx())


def backend():
    """The name of the backend: 'tensorflow'."""
    return "tensorflow"


# ---------------------------------------------------------------- graph-scoped state

_SESSION = None
_MANUAL_VAR_INIT = False
_GRAPH_LEARNING_PHASES = weakref.WeakKeyDictionary()
_GRAPH_VARIABLES = weakref.WeakKeyDictionary()
_GRAPH_TF_OPTIMIZERS = weakref.WeakKeyDictionary()
PER_GRAPH_OBJECT_NAME_UIDS = weakref.WeakKeyDictionary()
OBSERVED_NAMES = set()


def get_graph():
    """The graph Keras builds in: the default graph."""
    return graph_module.get_default_graph()


def get_uid(prefix=""):
    """1, 2, 3, ... for each call with `prefix` in the current graph."""
    graph = get_graph()
    uids = PER_GRAPH_OBJECT_NAME_UIDS.get(graph)
    if uids is None:
        uids = PER_GRAPH_OBJECT_NAME_UIDS[graph] = collections.defaultdict(int)
    uids[prefix] += 1
    return uids[prefix]


def get_default_graph_uid_map():
    """The prefix -> last uid map of the default graph."""
    graph = get_graph()
    uids = PER_GRAPH_OBJECT_NAME_UIDS.get(graph)
    if uids is None:
        uids = PER_GRAPH_OBJECT_NAME_UIDS[graph] = collections.defaultdict(int)
    return uids


def reset_uids():
    """Forgets every graph's name uids."""
    PER_GRAPH_OBJECT_NAME_UIDS.clear()
    OBSERVED_NAMES.clear()


def unique_object_name(name, name_uid_map=None, avoid_names=None, namespace="",
                       zero_based=False, avoid_observed_names=False):
    """`name`, or `name_<n>` with the next free uid (Keras's layer naming)."""
    if name_uid_map is None:
        name_uid_map = get_default_graph_uid_map()
    if avoid_names is None:
        avoid_names = OBSERVED_NAMES if avoid_observed_names else set()
    proposed = None
    while proposed is None or proposed in avoid_names:
        key = (namespace, name)
        if zero_based:
            number = name_uid_map[key]
            proposed = name + "_" + str(number) if number else name
            name_uid_map[key] += 1
        else:
            name_uid_map[key] += 1
            proposed = name + "_" + str(name_uid_map[key])
    return proposed


def observe_object_name(name):
    """Marks `name` as taken for `unique_object_name(avoid_observed_names=True)`."""
    OBSERVED_NAMES.add(name)


def clear_session():
    """A new default graph, fresh uids, no Keras session, a new learning phase."""
    global _SESSION
    graph_module.reset_default_graph()
    reset_uids()
    if _SESSION is not None:
        _SESSION.close()
    _SESSION = None
    graph = get_graph()
    _GRAPH_LEARNING_PHASES.clear()
    with graph.as_default():
        _GRAPH_LEARNING_PHASES[graph] = _default_learning_phase()
    _GRAPH_VARIABLES.pop(graph, None)
    _GRAPH_TF_OPTIMIZERS.pop(graph, None)


def manual_variable_initialization(value):
    """With True, `get_session` no longer initializes variables."""
    global _MANUAL_VAR_INIT
    _MANUAL_VAR_INIT = value


def _default_learning_phase():
    with graph_module.name_scope(""):
        return core.placeholder_with_default(False, shape=(), name="keras_learning_phase")


def learning_phase():
    """The learning phase of the current graph: a bool placeholder defaulting to False
    (`keras_learning_phase`), or the 0/1 set by `set_learning_phase`."""
    graph = get_graph()
    with scopes.init_scope():
        graph = get_graph()
        if graph not in _GRAPH_LEARNING_PHASES:
            with graph.as_default():
                _GRAPH_LEARNING_PHASES[graph] = _default_learning_phase()
        return _GRAPH_LEARNING_PHASES[graph]


def symbolic_learning_phase():
    """The learning phase placeholder of the current graph."""
    return learning_phase()


def set_learning_phase(value):
    """Fixes the learning phase to 0 (test) or 1 (train)."""
    if value not in {0, 1}:
        raise ValueError("Expected learning phase to be 0 or 1.")
    _GRAPH_LEARNING_PHASES[get_graph()] = value


class learning_phase_scope:
    """Sets the learning phase to `value` inside the block, then restores it."""

    def __init__(self, value):
        if value not in {0, 1}:
            raise ValueError("Expected learning phase to be 0 or 1.")
        self.value = value

    def __enter__(self):
        self.graph = get_graph()
        self.previous = _GRAPH_LEARNING_PHASES.get(self.graph)
        _GRAPH_LEARNING_PHASES[self.graph] = self.value
        return self.value

    def __exit__(self, *exc):
        if self.previous is None:
            _GRAPH_LEARNING_PHASES.pop(self.graph, None)
        else:
            _GRAPH_LEARNING_PHASES[self.graph] = self.previous


def get_default_session_config():
    """The ConfigProto of Keras's own session (`allow_soft_placement=True`)."""
    return config_module.ConfigProto(allow_soft_placement=True)


def _current_graph(op_input_list=()):
    for x in nest.flatten(list(op_input_list) if op_input_list else []):
        g = getattr(x, "graph", None)
        if g is not None:
            return g
    return get_graph()


def _get_session(op_input_list=()):
    global _SESSION
    default = session_module.get_default_session()
    if default is not None:
        return default
    if _SESSION is None or _SESSION.graph is not _current_graph(op_input_list):
        _SESSION = session_module.Session(config=get_default_session_config())
    return _SESSION


def get_session(op_input_list=()):
    """The session Keras runs in: the default session if one is active, else Keras's own
    session on the current graph. Variables Keras tracks that are not yet initialized are
    initialized first (unless `manual_variable_initialization(True)`)."""
    session = _get_session(op_input_list)
    if not _MANUAL_VAR_INIT:
        with session.graph.as_default():
            _initialize_variables(session)
    return session


def set_session(session):
    """Makes `session` Keras's session."""
    global _SESSION
    _SESSION = session


def track_variable(v):
    """Registers `v` for initialization by `get_session`."""
    graph = v.graph if hasattr(v, "graph") else get_graph()
    _GRAPH_VARIABLES.setdefault(graph, weakref.WeakSet()).add(v)


def track_tf_optimizer(tf_optimizer):
    """Registers an optimizer whose variables `get_session` initializes."""
    _GRAPH_TF_OPTIMIZERS.setdefault(get_graph(), weakref.WeakSet()).add(tf_optimizer)


def _get_variables(graph):
    found = list(_GRAPH_VARIABLES.get(graph, ()))
    seen = set(map(id, found))
    for opt in _GRAPH_TF_OPTIMIZERS.get(graph, ()):
        inner = getattr(opt, "optimizer", opt)
        for v in (inner.variables() if hasattr(inner, "variables") else ()):
            if id(v) not in seen:
                found.append(v)
                seen.add(id(v))
    return found


def _initialize_variables(session):
    candidates = [v for v in _get_variables(session.graph)
                  if not getattr(v, "_keras_initialized", False)]
    if not candidates:
        return
    flags = session.run([state_ops.is_variable_initialized(v) for v in candidates])
    todo = []
    for flag, v in zip(flags, candidates):
        if not flag and v.initializer is not None:
            todo.append(v)
        v._keras_initialized = True
    if todo:
        session.run(variables_module.variables_initializer(todo))


# ---------------------------------------------------------------- tensors and variables

def name_scope(name, default_name=None, values=None):
    """`tf.name_scope`."""
    return graph_module.name_scope(name, default_name, values)


def _as_dtype(dtype):
    return dtypes_module.as_dtype(floatx() if dtype is None else dtype)


def _to_tensor(x, dtype):
    return op_builder.convert_to_tensor(x, dtype=dtype)


def _constant_to_tensor(x, dtype):
    return op_builder.constant(x, dtype=dtype)


def is_sparse(tensor):
    """Whether `tensor` is a SparseTensor."""
    return isinstance(tensor, sparse_tensor.SparseTensor)


def to_dense(tensor):
    """A dense tensor of a SparseTensor (other tensors as they are)."""
    if is_sparse(tensor):
        return sparse_to_dense_ops.sparse_tensor_to_dense(tensor)
    return tensor


def is_tensor(x):
    return tensor_checks.is_tensor(x)


def variable(value, dtype=None, name=None, constraint=None):
    """A `tf.Variable` holding `value` (dtype defaults to floatx()), tracked by Keras."""
    if dtype is None:
        dtype = floatx()
    v = variables_module.Variable(value, dtype=dtypes_module.as_dtype(dtype), name=name,
                                  constraint=constraint)
    if isinstance(value, np.ndarray):
        v._keras_shape = value.shape
    elif hasattr(value, "shape"):
        v._keras_shape = int_shape(value)
    track_variable(v)
    return v


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor (dtype defaults to floatx())."""
    if dtype is None:
        dtype = floatx()
    return op_builder.constant(value, dtype=dtype, shape=shape, name=name)


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False):
    """A placeholder of `shape` (or of rank `ndim`, every dimension unknown)."""
    if sparse and ragged:
        raise ValueError("Cannot set both sparse and ragged to True when creating a "
                         "placeholder.")
    if ragged:
        raise NotImplementedError("ragged placeholders are not supported by flowgraph")
    dtype = floatx() if dtype is None else dtype
    if not shape and ndim:
        shape = (None,) * ndim
    with get_graph().as_default():
        if sparse:
            return sparse_to_dense_ops.sparse_placeholder(dtype, shape=shape, name=name)
        return core.placeholder(dtype, shape=shape, name=name)


def is_placeholder(x):
    """Whether `x` is a placeholder."""
    try:
        return x.op.type == "Placeholder"
    except AttributeError:
        return False


def is_keras_tensor(x):
    """Whether `x` was made by a Keras layer or `Input` (has `_keras_history`)."""
    if not (isinstance(x, (Tensor, variables_module.Variable, sparse_tensor.SparseTensor))):
        raise ValueError(
            "Unexpectedly found an instance of type `" + str(type(x)) + "`. "
            "Expected a symbolic tensor instance.")
    return getattr(x, "_keras_history", None) is not None


def shape(x):
    """The dynamic shape of `x` as an int32 tensor."""
    return array_ops.shape(x)


def int_shape(x):
    """The static shape as a tuple of ints/None, or None for an unknown rank."""
    try:
        s = x.shape
        if not isinstance(s, tuple):
            s = tuple(s.as_list())
        return s
    except ValueError:
        return None


def ndim(x):
    """The rank of `x` as an int (None if unknown)."""
    return x.shape.ndims


def dtype(x):
    """The dtype of `x` as a string, e.g. 'float32'."""
    return x.dtype.base_dtype.name


def dtype_numpy(x):
    return dtypes_module.as_dtype(x.dtype).as_numpy_dtype


def eval(x):
    """The value of a tensor or variable as a numpy array."""
    return get_value(to_dense(x))


def get_value(x):
    """The value of a variable (or tensor) as a numpy array."""
    if not (isinstance(x, (Tensor, variables_module.Variable)) or tensor_checks.is_tensor(x)):
        return x
    return get_session((x,)).run(x)


def batch_get_value(tensors):
    """The values of a list of tensors/variables, fetched in one run."""
    if tensors:
        return get_session(tensors).run(list(tensors))
    return []


def _assign_op_and_placeholder(x, ndims):
    cache = getattr(x, "_keras_assign_cache", None)
    if cache is None:
        cache = {}
        try:
            x._keras_assign_cache = cache
        except AttributeError:
            pass
    if ndims not in cache:
        with x.graph.as_default():
            ph = core.placeholder(x.dtype.base_dtype, shape=[None] * ndims)
            cache[ndims] = (ph, state_ops.assign(x, ph))
    return cache[ndims]


def set_value(x, value):
    """Sets a variable's value from a numpy array."""
    value = np.asarray(value, dtype=dtype_numpy(x))
    ph, op = _assign_op_and_placeholder(x, value.ndim)
    get_session().run(op, feed_dict={ph: value})


def batch_set_value(tuples):
    """Sets many variables from `(variable, value)` pairs in one run."""
    tuples = list(tuples)
    if not tuples:
        return
    ops, feed = [], {}
    for x, value in tuples:
        value = np.asarray(value, dtype=dtype_numpy(x))
        ph, op = _assign_op_and_placeholder(x, value.ndim)
        ops.append(op)
        feed[ph] = value
    get_session().run(ops, feed_dict=feed)


def count_params(x):
    """The number of scalars in `x` (its static shape must be known)."""
    return np.prod(x.shape.as_list())


def zeros(shape, dtype=None, name=None):
    """A variable of zeros (a tensor if the shape is not fully known)."""
    with scopes.init_scope():
        tf_dtype = _as_dtype(dtype)
        v = creation_ops.zeros(shape=shape, dtype=tf_dtype, name=name)
        if py_all(v.shape.as_list()):
            return variable(v, dtype=tf_dtype, name=name)
        return v


def ones(shape, dtype=None, name=None):
    """A variable of ones (a tensor if the shape is not fully known)."""
    with scopes.init_scope():
        tf_dtype = _as_dtype(dtype)
        v = creation_ops.ones(shape=shape, dtype=tf_dtype, name=name)
        if py_all(v.shape.as_list()):
            return variable(v, dtype=tf_dtype, name=name)
        return v


def eye(size, dtype=None, name=None):
    """An identity-matrix variable."""
    tf_dtype = _as_dtype(dtype)
    return variable(diag_ops.eye(size, dtype=tf_dtype), dtype=tf_dtype, name=name)


def zeros_like(x, dtype=None, name=None):
    return creation_ops.zeros_like(x, dtype=dtype, name=name)


def ones_like(x, dtype=None, name=None):
    return creation_ops.ones_like(x, dtype=dtype, name=name)


def identity(x, name=None):
    return core.identity(x, name=name)


def _seed(seed, high=10e6):
    return np.random.randint(high) if seed is None else seed


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable of uniform samples in [low, high)."""
    tf_dtype = _as_dtype(dtype)
    value = random_ops.random_uniform(shape, low, high, dtype=tf_dtype, seed=_seed(seed, 10e8))
    return variable(value, dtype=tf_dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable of normal samples."""
    tf_dtype = _as_dtype(dtype)
    value = random_ops.random_normal(shape, mean, scale, dtype=tf_dtype, seed=_seed(seed, 10e8))
    return variable(value, dtype=tf_dtype, name=name)


def cast(x, dtype):
    return unary_ops.cast(x, dtype)


def update(x, new_x):
    return state_ops.assign(x, new_x)


def update_add(x, increment):
    return state_ops.assign_add(x, increment)


def update_sub(x, decrement):
    return state_ops.assign_sub(x, decrement)


def moving_average_update(x, value, momentum):
    """`x = x * momentum + value * (1 - momentum)`, zero-debiased as TF1 Keras does."""
    return moving_averages.assign_moving_average(x, value, momentum, zero_debias=True)


# ---------------------------------------------------------------- math

def dot(x, y):
    """Matrix product; with rank > 2, contracts the last axis of x with the second to last
    of y (Theano's `dot`)."""
    if ndim(x) is not None and (ndim(x) > 2 or ndim(y) > 2):
        x_shape = tuple(i if i is not None else s
                        for i, s in zip(int_shape(x), join_ops.unstack(array_ops.shape(x))))
        y_shape = tuple(i if i is not None else s
                        for i, s in zip(int_shape(y), join_ops.unstack(array_ops.shape(y))))
        perm = list(range(ndim(y)))
        perm = [perm.pop(-2)] + perm
        xt = array_ops.reshape(x, [-1, x_shape[-1]])
        yt = array_ops.reshape(array_ops.transpose(y, perm=perm), [y_shape[-2], -1])
        return array_ops.reshape(matmul_ops.matmul(xt, yt),
                                 x_shape[:-1] + y_shape[:-2] + y_shape[-1:])
    return matmul_ops.matmul(x, y)


def batch_dot(x, y, axes=None):
    """Dot product of the samples of x and y over `axes`; the result has shape
    x.shape minus the axis, then y.shape[1:] minus the axis, and rank >= 2."""
    x_ndim, y_ndim = ndim(x), ndim(y)
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError(
            "Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
            f"{int_shape(x)} and {int_shape(y)}.")
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 2] if y_ndim > 2 else [x_ndim - 1, y_ndim - 1]
    if isinstance(axes, int):
        axes = (axes, axes)
    axes = [a + n if a < 0 else a for a, n in zip(axes, (x_ndim, y_ndim))]
    if 0 in axes:
        raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not "
                         "batched, add a dummy batch dimension to your inputs using "
                         "K.expand_dims(x, 0)")
    ax, ay = axes
    xs, ys = int_shape(x), int_shape(y)
    if xs[ax] is not None and ys[ay] is not None and xs[ax] != ys[ay]:
        raise ValueError(
            f"Cannot do batch_dot on inputs with shapes {xs} and {ys} with axes={axes}. "
            f"x.shape[{ax}] != y.shape[{ay}] ({xs[ax]} != {ys[ay]}).")
    x_rest = [i for i in range(1, x_ndim) if i != ax]
    y_rest = [i for i in range(1, y_ndim) if i != ay]
    xt = array_ops.transpose(x, [0] + x_rest + [ax]) if x_rest + [ax] != list(
        range(1, x_ndim)) else x
    yt = array_ops.transpose(y, [0, ay] + y_rest) if [ay] + y_rest != list(
        range(1, y_ndim)) else y
    dx, dy = array_ops.shape(x), array_ops.shape(y)

    def dim(t_static, t_dyn, i):
        return t_static[i] if t_static[i] is not None else t_dyn[i]

    k = dim(xs, dx, ax)
    x3 = array_ops.reshape(xt, join_ops.stack([dim(xs, dx, 0), -1, k]))
    y3 = array_ops.reshape(yt, join_ops.stack([dim(ys, dy, 0), k, -1]))
    out = matmul_ops.matmul(x3, y3)
    out_shape = [dim(xs, dx, 0)] + [dim(xs, dx, i) for i in x_rest] + [
        dim(ys, dy, i) for i in y_rest]
    out = array_ops.reshape(out, join_ops.stack(out_shape))
    static = [xs[0]] + [xs[i] for i in x_rest] + [ys[i] for i in y_rest]
    out.set_shape(static)
    if len(static) == 1:
        out = array_ops.expand_dims(out, 1)
    return out


def transpose(x):
    return array_ops.transpose(x)


def gather(reference, indices):
    return gather_ops.gather(reference, indices)


def _bool_to_float(x):
    if x.dtype.base_dtype == dtypes_module.bool:
        return unary_ops.cast(x, floatx())
    return x


def max(x, axis=None, keepdims=False):
    return reduction_ops.reduce_max(x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    return reduction_ops.reduce_min(x, axis, keepdims)


def sum(x, axis=None, keepdims=False):
    return reduction_ops.reduce_sum(x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    return reduction_ops.reduce_prod(x, axis, keepdims)


def cumsum(x, axis=0):
    return reduction_ops.cumsum(x, axis=axis)


def cumprod(x, axis=0):
    return reduction_ops.cumprod(x, axis=axis)


def var(x, axis=None, keepdims=False):
    return reduction_ops.reduce_variance(_bool_to_float(op_builder.convert_to_tensor(x)),
                                         axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return reduction_ops.reduce_std(_bool_to_float(op_builder.convert_to_tensor(x)),
                                    axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return reduction_ops.reduce_mean(_bool_to_float(op_builder.convert_to_tensor(x)),
                                     axis, keepdims)


def any(x, axis=None, keepdims=False):
    return reduction_ops.reduce_any(unary_ops.cast(x, dtypes_module.bool), axis, keepdims)


def all(x, axis=None, keepdims=False):
    return reduction_ops.reduce_all(unary_ops.cast(x, dtypes_module.bool), axis, keepdims)


def argmax(x, axis=-1):
    return reduction_ops.argmax(x, axis)


def argmin(x, axis=-1):
    return reduction_ops.argmin(x, axis)


def square(x):
    return unary_ops.square(x)


def abs(x):
    return unary_ops.abs(x)


def sqrt(x):
    """sqrt(max(x, 0))."""
    x = op_builder.convert_to_tensor(x)
    zero = _constant_to_tensor(0.0, x.dtype.base_dtype)
    return unary_ops.sqrt(math_ops.maximum(x, zero))


def exp(x):
    return unary_ops.exp(x)


def log(x):
    return unary_ops.log(x)


def logsumexp(x, axis=None, keepdims=False):
    return reduction_ops.reduce_logsumexp(x, axis, keepdims)


def round(x):
    return unary_ops.round(x)


def sign(x):
    return unary_ops.sign(x)


def pow(x, a):
    return math_ops.pow(x, a)


def clip(x, min_value, max_value):
    """Clips to [min_value, max_value] (None means unbounded)."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)):
        if max_value < min_value:
            max_value = min_value
    if min_value is None:
        min_value = -np.inf
    if max_value is None:
        max_value = np.inf
    return reduction_ops.clip_by_value(x, min_value, max_value)


def equal(x, y):
    return math_ops.equal(x, y)


def not_equal(x, y):
    return math_ops.not_equal(x, y)


def greater(x, y):
    return math_ops.greater(x, y)


def greater_equal(x, y):
    return math_ops.greater_equal(x, y)


def less(x, y):
    return math_ops.less(x, y)


def less_equal(x, y):
    return math_ops.less_equal(x, y)


def maximum(x, y):
    return math_ops.maximum(x, y)


def minimum(x, y):
    return math_ops.minimum(x, y)


def sin(x):
    return unary_ops.sin(x)


def cos(x):
    return unary_ops.cos(x)


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Batch statistics over `reduction_axes`: (normalized, mean, variance)."""
    mean_, var_ = nn_impl.moments(x, reduction_axes, None, None, False)
    target = [1 if i in reduction_axes else int_shape(x)[i] for i in range(ndim(x))]
    bshape = None
    if sorted(reduction_axes) != list(range(ndim(x)))[:-1]:
        bshape = [1 if i in reduction_axes else array_ops.shape(x)[i]
                  for i in range(ndim(x))]
        bshape = join_ops.stack(bshape)
    del target

    def bc(t):
        return array_ops.reshape(t, bshape) if (t is not None and bshape is not None) else t
    normed = nn_impl.batch_normalization(x, bc(mean_), bc(var_), bc(beta), bc(gamma), epsilon)
    return normed, mean_, var_


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta."""
    return nn_impl.batch_normalization(x, mean, var, beta, gamma, epsilon)


def concatenate(tensors, axis=-1):
    """Concatenates along `axis`."""
    if axis < 0:
        rank = ndim(tensors[0])
        axis = axis % rank if rank else 0
    if py_all(is_sparse(x) for x in tensors):
        raise NotImplementedError("sparse concatenation is not supported by flowgraph")
    return join_ops.concat([to_dense(x) for x in tensors], axis)


def reshape(x, shape):
    return array_ops.reshape(x, shape)


def permute_dimensions(x, pattern):
    return array_ops.transpose(x, perm=pattern)


def repeat_elements(x, rep, axis):
    """Repeats each element `rep` times along `axis` (as np.repeat)."""
    x_shape = x.shape.as_list()
    if axis < 0:
        axis += len(x_shape)
    if x_shape[axis] is not None:
        splits = join_ops.split(x, x_shape[axis], axis=axis)
        return concatenate([s for s in splits for _ in range(rep)], axis)
    expanded = array_ops.expand_dims(x, axis + 1)
    reps = [1] * (len(x_shape) + 1)
    reps[axis + 1] = rep
    tiled = manip_ops.tile(expanded, reps)
    dyn = array_ops.shape(x)
    new_shape = join_ops.concat([dyn[:axis], [dyn[axis] * rep], dyn[axis + 1:]], 0)
    out = array_ops.reshape(tiled, new_shape)
    x_shape[axis] = None
    out.set_shape(x_shape)
    return out


def repeat(x, n):
    """(samples, dim) -> (samples, n, dim)."""
    if ndim(x) != 2:
        raise ValueError(f"repeat() expects a rank-2 tensor, got rank {ndim(x)}")
    x = array_ops.expand_dims(x, 1)
    return manip_ops.tile(x, join_ops.stack([1, n, 1]))


def arange(start, stop=None, step=1, dtype="int32"):
    """`tf.range` with Keras's defaults (a negative lone `start` gives an empty range)."""
    if stop is None and start < 0:
        start = 0
    result = creation_ops.range(start, limit=stop, delta=step, name="arange")
    if dtype != "int32":
        result = cast(result, dtype)
    return result


def tile(x, n):
    if isinstance(n, int):
        n = [n]
    return manip_ops.tile(x, n)


def flatten(x):
    return array_ops.reshape(x, [-1])


def batch_flatten(x):
    """(batch, ...) -> (batch, prod(...))."""
    return array_ops.reshape(x, join_ops.stack([-1, prod(shape(x)[1:])]))


def expand_dims(x, axis=-1):
    return array_ops.expand_dims(x, axis)


def squeeze(x, axis):
    return array_ops.squeeze(x, [axis])


def temporal_padding(x, padding=(1, 1)):
    """Pads the middle axis of a 3D tensor with zeros."""
    if len(padding) != 2:
        raise ValueError("padding must be a tuple of 2 integers")
    return manip_ops.pad(x, [[0, 0], list(padding), [0, 0]])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Pads the 2 spatial axes of a 4D tensor with zeros."""
    data_format = _check_data_format(data_format)
    if data_format == "channels_first":
        pattern = [[0, 0], [0, 0], list(padding[0]), list(padding[1])]
    else:
        pattern = [[0, 0], list(padding[0]), list(padding[1]), [0, 0]]
    return manip_ops.pad(x, pattern)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Pads the 3 spatial axes of a 5D tensor with zeros."""
    data_format = _check_data_format(data_format)
    pads = [list(p) for p in padding]
    if data_format == "channels_first":
        pattern = [[0, 0], [0, 0]] + pads
    else:
        pattern = [[0, 0]] + pads + [[0, 0]]
    return manip_ops.pad(x, pattern)


def stack(x, axis=0):
    return join_ops.stack(x, axis=axis)


def one_hot(indices, num_classes):
    return gather_ops.one_hot(indices, depth=num_classes, axis=-1)


def reverse(x, axes):
    if isinstance(axes, int):
        axes = [axes]
    return manip_ops.reverse(x, axes)


def print_tensor(x, message="", summarize=3):
    """`x`, printing `message` and its value to stdout whenever it is evaluated."""
    op = debug_ops.print(message, x, output_stream=sys.stdout, summarize=summarize)
    with graph_module.control_dependencies([op]):
        return core.identity(x)


# ---------------------------------------------------------------- functions

class GraphExecutionFunction:
    """A callable running `outputs` (and `updates`) of the graph for a list of input
    values, as `keras.backend.function` returns under TF1."""

    def __init__(self, inputs, outputs, updates=None, name=None, **session_kwargs):
        updates = updates or []
        if not isinstance(updates, (list, tuple)):
            raise TypeError("`updates` in a TF-Keras backend function should be a list or "
                            "tuple.")
        self.inputs = nest.flatten(inputs)
        self._outputs_structure = outputs
        self.outputs = nest.flatten(outputs)
        deps = [self.outputs[0]] if self.outputs else []
        with graph_module.control_dependencies(deps):
            ops = []
            for u in updates:
                if isinstance(u, tuple):
                    p, new_p = u
                    ops.append(state_ops.assign(p, new_p))
                else:
                    ops.append(u)
            self.updates_op = core.group(*ops)
        self.name = name
        self.feed_dict = session_kwargs.pop("feed_dict", None)
        fetches = session_kwargs.pop("fetches", [])
        if not isinstance(fetches, list):
            fetches = [fetches]
        self.run_options = session_kwargs.pop("options", None)
        self.run_metadata = session_kwargs.pop("run_metadata", None)
        self.fetches = [core.identity(f) for f in fetches]
        self.fetch_callbacks = {}
        if session_kwargs:
            raise ValueError("Some keys in session_kwargs are not supported at this "
                             f"time: {session_kwargs.keys()}")
        self._callable = None
        self._callable_key = None

    def __call__(self, inputs):
        inputs = nest.flatten(inputs)
        session = get_session(inputs)
        feed_tensors, values = [], []
        for tensor, value in zip(self.inputs, inputs):
            if value is None:
                continue
            feed_tensors.append(tensor)
            if isinstance(value, (Tensor, variables_module.Variable)):
                values.append(value)
            else:
                values.append(np.asarray(value, dtype=tensor.dtype.as_numpy_dtype))
        if self.feed_dict:
            for key in sorted(self.feed_dict.keys(), key=lambda t: t.name):
                feed_tensors.append(key)
                values.append(np.asarray(self.feed_dict[key],
                                         dtype=key.dtype.as_numpy_dtype))
        fetches = self.outputs + [self.updates_op] + self.fetches
        if py_any(isinstance(v, (Tensor, variables_module.Variable)) for v in values):
            symbolic = [(t, v) for t, v in zip(feed_tensors, values)
                        if isinstance(v, (Tensor, variables_module.Variable))]
            resolved = session.run([v for _, v in symbolic])
            for (t, _), r in zip(symbolic, resolved):
                values[feed_tensors.index(t)] = r
        key = (id(session), tuple(id(t) for t in feed_tensors), tuple(map(id, fetches)))
        if self._callable_key != key:
            self._callable = session.make_callable(fetches, feed_list=feed_tensors)
            self._callable_key = key
        if self.run_options is not None or self.run_metadata is not None:
            fetched = session.run(fetches, dict(zip(feed_tensors, values)),
                                  options=self.run_options, run_metadata=self.run_metadata)
        else:
            fetched = self._callable(*values)
        fetched = list(fetched)
        if self.fetches:
            for fetch, out in zip(self.fetches, fetched[-len(self.fetches):]):
                if fetch in self.fetch_callbacks:
                    self.fetch_callbacks[fetch](out)
        return nest.pack_sequence_as(self._outputs_structure, fetched[:len(self.outputs)])


_SESSION_RUN_ARGS = ("self", "fetches", "feed_dict", "options", "run_metadata")


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable `f(list_of_input_values) -> list_of_output_values` running `outputs`
    and the `updates` (assign ops or `(variable, new_value)` pairs) in one session run."""
    for key in kwargs:
        if key not in _SESSION_RUN_ARGS and key not in ("inputs", "outputs", "updates",
                                                        "name", "fetches"):
            raise ValueError(f'Invalid argument "{key}" passed to K.function with '
                             "TensorFlow backend")
    return GraphExecutionFunction(inputs, outputs, updates=updates, name=name, **kwargs)


def gradients(loss, variables):
    """The gradients of `loss` with respect to `variables`."""
    return _tf_gradients(loss, variables, colocate_gradients_with_ops=True)


def stop_gradient(variables):
    """`tf.stop_gradient` of a tensor or of each tensor of a list."""
    if isinstance(variables, (list, tuple)):
        return [core.stop_gradient(v) for v in variables]
    return core.stop_gradient(variables)


# ---------------------------------------------------------------- control flow

def switch(condition, then_expression, else_expression):
    """`then_expression` where `condition` holds, else `else_expression`: a `tf.cond`
    for a scalar condition (callables allowed), an element-wise select otherwise."""
    condition = op_builder.convert_to_tensor(condition)
    if condition.dtype != dtypes_module.bool:
        condition = unary_ops.cast(condition, "bool")
    cond_ndim = ndim(condition)
    if not cond_ndim:
        then_fn = then_expression if callable(then_expression) else (lambda: then_expression)
        else_fn = else_expression if callable(else_expression) else (lambda: else_expression)
        x = control_flow_ops.cond(condition, then_fn, else_fn)
    else:
        if callable(then_expression):
            then_expression = then_expression()
        if callable(else_expression):
            else_expression = else_expression()
        expr_ndim = ndim(then_expression)
        if cond_ndim > expr_ndim:
            raise ValueError(
                "Rank of `condition` should be less than or equal to rank of "
                f"`then_expression` and `else_expression`. ndim(condition)={cond_ndim}, "
                f"ndim(then_expression)={expr_ndim}")
        if cond_ndim > 1:
            ndim_diff = expr_ndim - cond_ndim
            cond_shape = join_ops.concat([array_ops.shape(condition), [1] * ndim_diff],
                                         axis=0)
            condition = array_ops.reshape(condition, cond_shape)
            expr_shape = array_ops.shape(then_expression)
            shape_diff = expr_shape - cond_shape
            tile_shapes = reduction_ops.where(shape_diff > 0, expr_shape,
                                              creation_ops.ones_like(expr_shape))
            condition = manip_ops.tile(condition, tile_shapes)
        x = reduction_ops.where(condition, then_expression, else_expression)
    return x


def in_train_phase(x, alt, training=None):
    """`x` in the training phase, `alt` otherwise (`training` defaults to the learning
    phase)."""
    uses_learning_phase = training is None
    if training is None:
        training = learning_phase()
    if training is True or (type(training) is int and training == 1):
        return x() if callable(x) else x
    if training is False or (type(training) is int and training == 0):
        return alt() if callable(alt) else alt
    x = switch(training, x, alt)
    if uses_learning_phase:
        try:
            x._uses_learning_phase = True
        except AttributeError:
            pass
    return x


def in_test_phase(x, alt, training=None):
    """`x` in the test phase, `alt` otherwise."""
    return in_train_phase(alt, x, training=training)


def map_fn(fn, elems, name=None, dtype=None):
    return functional_ops.map_fn(fn, elems, name=name, dtype=dtype)


def foldl(fn, elems, initializer=None, name=None):
    return functional_ops.foldl(fn, elems, initializer=initializer, name=name)


def foldr(fn, elems, initializer=None, name=None):
    return functional_ops.foldr(fn, elems, initializer=initializer, name=name)


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None,
        constants=None, unroll=False, input_length=None, time_major=False,
        zero_output_for_mask=False, return_all_outputs=True):
    """Iterates `step_function(input_t, states + constants) -> (output_t, new_states)`
    over the time axis of `inputs` (batch, time, ...). Returns (last_output, outputs,
    new_states); with `mask` (batch, time), masked steps keep the previous states (and
    the previous output, or zeros with `zero_output_for_mask`)."""
    if not time_major:
        inputs = nest.map_structure(
            lambda x: array_ops.transpose(x, [1, 0] + list(range(2, ndim(x)))), inputs)
    flat_inputs = nest.flatten(inputs)
    time_steps_static = flat_inputs[0].shape[0]
    time_steps_static = tensor_shape.dimension_value(time_steps_static)
    if mask is not None:
        if mask.dtype != dtypes_module.bool:
            mask = unary_ops.cast(mask, dtypes_module.bool)
        if ndim(mask) == 2:
            mask = expand_dims(mask)
        if not time_major:
            mask = array_ops.transpose(mask, [1, 0] + list(range(2, ndim(mask))))
    constants = list(constants or [])
    states = tuple(initial_states)

    def expand_mask(mask_t, like):
        """A (batch, 1) step mask tiled to the shape of `like` (batch, ...)."""
        for _ in range(ndim(like) - ndim(mask_t)):
            mask_t = array_ops.expand_dims(mask_t, -1)
        static = like.shape.as_list()[1:]
        if py_all(d is not None for d in static):
            multiples = [1] + static
        else:
            dyn = array_ops.shape(like)
            multiples = join_ops.stack([1] + [d if d is not None else dyn[i + 1]
                                              for i, d in enumerate(static)])
        return manip_ops.tile(mask_t, multiples)

    if unroll:
        if time_steps_static is None:
            raise ValueError("Unrolling requires a fixed number of timesteps.")
        steps = [[x[t] for x in flat_inputs] for t in range(time_steps_static)]
        step_masks = [mask[t] for t in range(time_steps_static)] if mask is not None else None
        order = list(range(time_steps_static))
        if go_backwards:
            order.reverse()
        outputs_list = []
        prev_output = None
        for t in order:
            inp = nest.pack_sequence_as(inputs, steps[t])
            output, new_states = step_function(inp, tuple(states) + tuple(constants))
            new_states = nest.flatten(new_states)
            if mask is not None:
                m = step_masks[t]
                if prev_output is None:
                    prev_output = creation_ops.zeros_like(output)
                output = reduction_ops.where(expand_mask(m, output), output, prev_output)
                flat_states = nest.flatten(states)
                new_states = [reduction_ops.where(expand_mask(m, ns), ns, s)
                              for s, ns in zip(flat_states, new_states)]
                prev_output = output if not zero_output_for_mask else prev_output
                if zero_output_for_mask:
                    output = reduction_ops.where(expand_mask(m, output), output,
                                                 creation_ops.zeros_like(output))
            states = nest.pack_sequence_as(initial_states, new_states)
            outputs_list.append(output)
        last_output = outputs_list[-1]
        outputs = join_ops.stack(outputs_list) if return_all_outputs else \
            array_ops.expand_dims(last_output, 0)
        new_states = states
    else:
        n_steps = array_ops.shape(flat_inputs[0])[0]
        input_tas = []
        for x in flat_inputs:
            ta = tensor_array_ops.TensorArray(dtype=x.dtype, size=n_steps,
                                              tensor_array_name="input_ta")
            if go_backwards:
                x = manip_ops.reverse(x, [0])
            input_tas.append(ta.unstack(x))
        mask_ta = None
        if mask is not None:
            m = manip_ops.reverse(mask, [0]) if go_backwards else mask
            mask_ta = tensor_array_ops.TensorArray(dtype=dtypes_module.bool, size=n_steps,
                                                   tensor_array_name="mask_ta").unstack(m)
        first = nest.pack_sequence_as(inputs, [x[0] for x in flat_inputs])
        output_proto, _ = step_function(first, tuple(initial_states) + tuple(constants))
        out_size = n_steps if return_all_outputs else 1
        output_ta = tensor_array_ops.TensorArray(dtype=output_proto.dtype, size=out_size,
                                                 element_shape=output_proto.shape,
                                                 tensor_array_name="output_ta")
        time = op_builder.constant(0, dtype="int32", name="time")
        flat_init_states = nest.flatten(initial_states)
        zero_out = creation_ops.zeros_like(output_proto)

        def body(time, out_ta, prev_out, *flat_states):
            cur = nest.pack_sequence_as(inputs, [ta.read(time) for ta in input_tas])
            st = nest.pack_sequence_as(initial_states, list(flat_states))
            output, new_states = step_function(cur, tuple(st) + tuple(constants))
            new_states = nest.flatten(new_states)
            for s, ns in zip(flat_states, new_states):
                if hasattr(ns, "set_shape"):
                    ns.set_shape(s.shape)
            if mask_ta is not None:
                m = mask_ta.read(time)
                keep = zero_out if zero_output_for_mask else prev_out
                output = reduction_ops.where(expand_mask(m, output), output, keep)
                new_states = [reduction_ops.where(expand_mask(m, ns), ns, s)
                              for s, ns in zip(flat_states, new_states)]
                next_prev = output
            else:
                next_prev = output
            idx = time if return_all_outputs else 0
            out_ta = out_ta.write(idx, output)
            return (time + 1, out_ta, next_prev) + tuple(new_states)

        loop_vars = (time, output_ta, zero_out) + tuple(flat_init_states)
        kwargs = {}
        if time_steps_static is not None:
            kwargs["maximum_iterations"] = time_steps_static
        final = control_flow_ops.while_loop(lambda t, *_: t < n_steps, body, loop_vars,
                                            parallel_iterations=32, swap_memory=True,
                                            **kwargs)
        outputs = final[1].stack()
        last_output = final[2] if mask is not None and not zero_output_for_mask else \
            outputs[-1]
        if mask is not None and zero_output_for_mask:
            last_output = outputs[-1]
        new_states = nest.pack_sequence_as(initial_states, list(final[3:]))
    if not time_major:
        outputs = nest.map_structure(
            lambda x: array_ops.transpose(x, [1, 0] + list(range(2, ndim(x)))), outputs)
    return last_output, outputs, new_states


# ---------------------------------------------------------------- nn

def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0) with Keras's options: a negative slope `alpha`, a cap `max_value`, and
    a `threshold` below which values are zeroed."""
    x = op_builder.convert_to_tensor(x)
    dt = x.dtype
    if alpha != 0.0:
        if max_value is None and threshold == 0:
            return nn_ops.leaky_relu(x, alpha=alpha)
        if threshold != 0:
            negative_part = nn_ops.relu(-x + threshold)
        else:
            negative_part = nn_ops.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * unary_ops.cast(math_ops.greater(x, threshold), dtype=dt)
    elif max_value == 6:
        x = nn_ops.relu6(x)
        clip_max = False
    else:
        x = nn_ops.relu(x)
    if clip_max:
        x = reduction_ops.clip_by_value(x, _constant_to_tensor(0, x.dtype.base_dtype),
                                        _constant_to_tensor(max_value, x.dtype.base_dtype))
    if alpha != 0.0:
        x -= _to_tensor(alpha, x.dtype.base_dtype) * negative_part
    return x


def elu(x, alpha=1.0):
    res = nn_ops.elu(x)
    if alpha == 1:
        return res
    return reduction_ops.where(x > 0, res, alpha * res)


def softmax(x, axis=-1):
    return nn_ops.softmax(x, axis=axis)


def softplus(x):
    return nn_ops.softplus(x)


def softsign(x):
    return nn_ops.softsign(x)


def sigmoid(x):
    return unary_ops.sigmoid(x)


def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1)."""
    x = op_builder.convert_to_tensor(x)
    x = math_ops.multiply(x, _constant_to_tensor(0.2, x.dtype.base_dtype))
    x = math_ops.add(x, _constant_to_tensor(0.5, x.dtype.base_dtype))
    return reduction_ops.clip_by_value(x, 0.0, 1.0)


def tanh(x):
    return unary_ops.tanh(x)


def dropout(x, level, noise_shape=None, seed=None):
    return nn_impl.dropout(x, rate=level, noise_shape=noise_shape, seed=_seed(seed))


def l2_normalize(x, axis=None):
    return nn_impl.l2_normalize(x, axis=axis)


def in_top_k(predictions, targets, k):
    return xent_ops.in_top_k(predictions, targets, k)


_KERAS_LOGITS = weakref.WeakKeyDictionary()


def set_keras_logits(output, logits):
    """Records that `output` is softmax/sigmoid of `logits` (Keras's `_keras_logits`)."""
    try:
        _KERAS_LOGITS[output] = logits
    except TypeError:
        pass


def _get_logits(output, from_logits, op_type):
    """The logits behind a Softmax/Sigmoid output (Keras uses them for stability)."""
    logits = _KERAS_LOGITS.get(output) if isinstance(output, Tensor) else None
    if logits is None:
        logits = getattr(output, "_keras_logits", None)
    if logits is not None:
        return logits, True
    op = getattr(output, "op", None)
    if (op is not None and not isinstance(output, variables_module.Variable)
            and op.type == op_type):
        return op.inputs[0], True
    return output, from_logits


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of one-hot `target` and probabilities (or logits) `output`."""
    target = op_builder.convert_to_tensor(target)
    output = op_builder.convert_to_tensor(output)
    target.shape.assert_is_compatible_with(output.shape)
    output, from_logits = _get_logits(output, from_logits, "Softmax")
    if from_logits:
        return xent_ops.softmax_cross_entropy_with_logits_v2(labels=target, logits=output,
                                                             axis=axis)
    output = output / reduction_ops.reduce_sum(output, axis, True)
    eps = _constant_to_tensor(epsilon(), output.dtype.base_dtype)
    output = reduction_ops.clip_by_value(output, eps, 1.0 - eps)
    return -reduction_ops.reduce_sum(target * unary_ops.log(output), axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Cross-entropy of integer `target` and probabilities (or logits) `output`."""
    target = op_builder.convert_to_tensor(target)
    output = op_builder.convert_to_tensor(output)
    target = unary_ops.cast(target, "int64")
    output, from_logits = _get_logits(output, from_logits, "Softmax")
    if not from_logits:
        eps = _constant_to_tensor(epsilon(), output.dtype.base_dtype)
        output = unary_ops.log(reduction_ops.clip_by_value(output, eps, 1 - eps))
    output_rank = output.shape.ndims
    if output_rank is not None:
        axis %= output_rank
        if axis != output_rank - 1:
            perm = list(itertools.chain(range(axis), range(axis + 1, output_rank), [axis]))
            output = array_ops.transpose(output, perm=perm)
    elif axis != -1:
        raise ValueError(
            f"Cannot compute sparse categorical crossentropy with `axis={axis}` on an output "
            "tensor with unknown rank")
    output_shape = array_ops.shape(output)
    target_rank = target.shape.ndims
    update_shape = (target_rank is not None and output_rank is not None
                    and target_rank != output_rank - 1)
    if update_shape:
        target = flatten(target)
        output = array_ops.reshape(output, [-1, output_shape[-1]])
    valid = None
    if ignore_class is not None:
        valid = math_ops.not_equal(target, op_builder.constant(ignore_class, dtype="int64"))
        target = reduction_ops.where(valid, target, creation_ops.zeros_like(target))
    res = xent_ops.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if valid is not None:
        res = reduction_ops.where(valid, res, creation_ops.zeros_like(res))
    if update_shape and output_rank >= 3:
        res = array_ops.reshape(res, output_shape[:-1])
    return res


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy of `target` and probabilities (or logits)."""
    target = op_builder.convert_to_tensor(target)
    output = op_builder.convert_to_tensor(output)
    output, from_logits = _get_logits(output, from_logits, "Sigmoid")
    if from_logits:
        return xent_ops.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = _constant_to_tensor(epsilon(), output.dtype.base_dtype)
    output = reduction_ops.clip_by_value(output, eps, 1.0 - eps)
    bce = target * unary_ops.log(output + epsilon())
    bce += (1 - target) * unary_ops.log(1 - output + epsilon())
    return -bce


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False,
                                   axis=-1):
    """Categorical cross-entropy scaled by alpha * (1 - p)^gamma per class."""
    target = op_builder.convert_to_tensor(target)
    output = op_builder.convert_to_tensor(output)
    target.shape.assert_is_compatible_with(output.shape)
    output, from_logits = _get_logits(output, from_logits, "Softmax")
    if from_logits:
        output = nn_ops.softmax(output, axis=axis)
    output = output / reduction_ops.reduce_sum(output, axis=axis, keepdims=True)
    eps = _constant_to_tensor(epsilon(), output.dtype.base_dtype)
    output = reduction_ops.clip_by_value(output, eps, 1.0 - eps)
    cce = -target * unary_ops.log(output)
    focal = math_ops.multiply(math_ops.pow(1.0 - output, gamma), alpha)
    return reduction_ops.reduce_sum(math_ops.multiply(focal, cce), axis=axis)


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False):
    """Element-wise binary cross-entropy scaled by (1 - p_t)^gamma (and alpha balancing)."""
    target = op_builder.convert_to_tensor(target)
    output = op_builder.convert_to_tensor(output)
    probs = sigmoid(output) if from_logits else output
    p_t = target * probs + (1 - target) * (1 - probs)
    focal = math_ops.pow(1.0 - p_t, gamma) * binary_crossentropy(target, output,
                                                                 from_logits=from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1 - target) * (1 - alpha)) * focal
    return focal


def _check_data_format(data_format):
    if data_format is None:
        data_format = image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(f"Unknown data_format: {data_format}")
    return data_format


def _nhwc_to(x, data_format, ndims):
    """Transposes a channels_first input to channels_last (Keras on CPU does the same)."""
    if data_format == "channels_first":
        perm = [0] + list(range(2, ndims)) + [1]
        return array_ops.transpose(x, perm)
    return x


def _back(x, data_format, ndims):
    if data_format == "channels_first":
        perm = [0, ndims - 1] + list(range(1, ndims - 1))
        return array_ops.transpose(x, perm)
    return x


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1D convolution; `padding` 'valid', 'same' or 'causal'."""
    data_format = _check_data_format(data_format)
    kernel_shape = kernel.shape.as_list()
    if padding == "causal":
        left_pad = dilation_rate * (kernel_shape[0] - 1)
        x = temporal_padding(_nhwc_to(x, data_format, 3), (left_pad, 0))
        x = _back(x, data_format, 3)
        padding = "valid"
    x = _nhwc_to(x, data_format, 3)
    x = conv_ops.convolution(x, kernel, padding=padding.upper(), strides=_tuple(strides, 1),
                             dilation_rate=_tuple(dilation_rate, 1), data_format="NWC")
    return _back(x, data_format, 3)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1)):
    """2D convolution."""
    data_format = _check_data_format(data_format)
    x = _nhwc_to(x, data_format, 4)
    x = conv_ops.convolution(x, kernel, padding=padding.upper(), strides=_tuple(strides, 2),
                             dilation_rate=_tuple(dilation_rate, 2), data_format="NHWC")
    return _back(x, data_format, 4)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """2D transposed convolution to `output_shape` (batch may be None)."""
    data_format = _check_data_format(data_format)
    output_shape = list(output_shape) if isinstance(output_shape, (tuple, list)) else \
        output_shape
    if isinstance(output_shape, list):
        if data_format == "channels_first":
            output_shape = [output_shape[0], output_shape[2], output_shape[3],
                            output_shape[1]]
        if output_shape[0] is None:
            output_shape = [array_ops.shape(x)[0]] + output_shape[1:]
        output_shape = join_ops.stack(output_shape)
    x = _nhwc_to(x, data_format, 4)
    strides = (1,) + _tuple(strides, 2) + (1,)
    dilation_rate = _tuple(dilation_rate, 2)
    if dilation_rate == (1, 1):
        x = conv_ops.conv2d_transpose(x, kernel, output_shape, strides,
                                      padding=padding.upper(), data_format="NHWC")
    else:
        if dilation_rate[0] != dilation_rate[1]:
            raise ValueError("Expected the 2 dimensions of the `dilation_rate` argument to "
                             f"be equal to each other. Received: dilation_rate={dilation_rate}")
        x = conv_ops.atrous_conv2d_transpose(x, kernel, output_shape,
                                             rate=dilation_rate[0], padding=padding.upper())
    return _back(x, data_format, 4)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    """3D convolution."""
    data_format = _check_data_format(data_format)
    x = _nhwc_to(x, data_format, 5)
    x = conv3d_ops.conv3d(x, kernel, strides=(1,) + _tuple(strides, 3) + (1,),
                          padding=padding.upper(), data_format="NDHWC",
                          dilations=(1,) + _tuple(dilation_rate, 3) + (1,))
    return _back(x, data_format, 5)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                     data_format=None):
    """3D transposed convolution to `output_shape` (batch may be None)."""
    data_format = _check_data_format(data_format)
    if isinstance(output_shape, (tuple, list)):
        output_shape = list(output_shape)
        if data_format == "channels_first":
            output_shape = [output_shape[0]] + output_shape[2:] + [output_shape[1]]
        if output_shape[0] is None:
            output_shape = [array_ops.shape(x)[0]] + output_shape[1:]
        output_shape = join_ops.stack(output_shape)
    x = _nhwc_to(x, data_format, 5)
    x = conv3d_ops.conv3d_transpose(x, kernel, output_shape,
                                    (1,) + _tuple(strides, 3) + (1,),
                                    padding=padding.upper(), data_format="NDHWC")
    return _back(x, data_format, 5)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                     data_format=None, dilation_rate=1):
    """1D depthwise-then-pointwise convolution (a 2D one over a height of 1)."""
    data_format = _check_data_format(data_format)
    strides = _tuple(strides, 1)
    dilation_rate = _tuple(dilation_rate, 1)
    x = array_ops.expand_dims(_nhwc_to(x, data_format, 3), 1)
    x = conv_ops.separable_conv2d(x, array_ops.expand_dims(depthwise_kernel, 0),
                                  array_ops.expand_dims(pointwise_kernel, 0),
                                  strides=(1, 1) + strides + (1,), padding=padding.upper(),
                                  rate=(1,) + dilation_rate, data_format="NHWC")
    return _back(array_ops.squeeze(x, [1]), data_format, 3)


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Upsamples the 2 spatial axes by integer factors (nearest neighbour only)."""
    if interpolation != "nearest":
        raise NotImplementedError("flowgraph's resize_images supports "
                                  "interpolation='nearest' only")
    rows, cols = (2, 3) if data_format == "channels_first" else (1, 2)
    return repeat_elements(repeat_elements(x, height_factor, rows), width_factor, cols)


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Upsamples the 3 spatial axes by integer factors (nearest neighbour)."""
    first = 2 if data_format == "channels_first" else 1
    for axis, factor in zip(range(first, first + 3), (depth_factor, height_factor,
                                                      width_factor)):
        x = repeat_elements(x, factor, axis)
    return x


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """Depthwise then pointwise 2D convolution."""
    data_format = _check_data_format(data_format)
    x = _nhwc_to(x, data_format, 4)
    x = conv_ops.separable_conv2d(x, depthwise_kernel, pointwise_kernel,
                                  strides=(1,) + _tuple(strides, 2) + (1,),
                                  padding=padding.upper(), rate=_tuple(dilation_rate, 2),
                                  data_format="NHWC")
    return _back(x, data_format, 4)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """Depthwise 2D convolution."""
    data_format = _check_data_format(data_format)
    x = _nhwc_to(x, data_format, 4)
    x = conv_ops.depthwise_conv2d(x, depthwise_kernel,
                                  strides=(1,) + _tuple(strides, 2) + (1,),
                                  padding=padding.upper(), rate=_tuple(dilation_rate, 2),
                                  data_format="NHWC")
    return _back(x, data_format, 4)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2D max or average pooling."""
    data_format = _check_data_format(data_format)
    if len(pool_size) != 2:
        raise ValueError("`pool_size` must be a tuple of 2 integers.")
    if len(strides) != 2:
        raise ValueError("`strides` must be a tuple of 2 integers.")
    x = _nhwc_to(x, data_format, 4)
    ksize, strides = (1,) + tuple(pool_size) + (1,), (1,) + tuple(strides) + (1,)
    if pool_mode == "max":
        x = pool_ops.max_pool(x, ksize, strides, padding=padding.upper(), data_format="NHWC")
    elif pool_mode == "avg":
        x = pool_ops.avg_pool(x, ksize, strides, padding=padding.upper(), data_format="NHWC")
    else:
        raise ValueError("Invalid pooling mode: " + str(pool_mode))
    return _back(x, data_format, 4)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """3D max or average pooling."""
    data_format = _check_data_format(data_format)
    x = _nhwc_to(x, data_format, 5)
    ksize, strides = (1,) + tuple(pool_size) + (1,), (1,) + tuple(strides) + (1,)
    if pool_mode == "max":
        x = pool3d_ops.max_pool3d(x, ksize, strides, padding=padding.upper(),
                                  data_format="NDHWC")
    elif pool_mode == "avg":
        x = pool3d_ops.avg_pool3d(x, ksize, strides, padding=padding.upper(),
                                  data_format="NDHWC")
    else:
        raise ValueError("Invalid pooling mode: " + str(pool_mode))
    return _back(x, data_format, 5)


def bias_add(x, bias, data_format=None):
    """Adds `bias` along the channel axis of `x`."""
    data_format = _check_data_format(data_format)
    bias_shape = int_shape(bias)
    if len(bias_shape) != 1 and len(bias_shape) != ndim(x) - 1:
        raise ValueError(
            "Unexpected bias dimensions %d. Expected it to be 1 or %d dimensions"
            % (len(bias_shape), ndim(x) - 1))
    if len(bias_shape) == 1:
        if data_format == "channels_first":
            return nn_ops.bias_add(x, bias, data_format="NCHW")
        return nn_ops.bias_add(x, bias, data_format="NHWC")
    if ndim(x) in (3, 4, 5):
        if data_format == "channels_first":
            b = array_ops.reshape(bias, (1, bias_shape[-1]) + tuple(bias_shape[:-1]))
            return x + b
        return x + array_ops.reshape(bias, (1,) + tuple(bias_shape))
    return nn_ops.bias_add(x, bias)


# ---------------------------------------------------------------- random

def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random_ops.random_normal(shape, mean=mean, stddev=stddev, dtype=_as_dtype(dtype),
                                    seed=_seed(seed))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return random_ops.random_uniform(shape, minval=minval, maxval=maxval,
                                     dtype=_as_dtype(dtype), seed=_seed(seed))


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability p, else 0."""
    dt = _as_dtype(dtype)
    return reduction_ops.where(
        random_ops.random_uniform(shape, dtype=dt, seed=_seed(seed)) <= p,
        creation_ops.ones(shape, dtype=dt), creation_ops.zeros(shape, dtype=dt))


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Deprecated name of `random_bernoulli`."""
    return random_bernoulli(shape, p, dtype, seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random_ops.truncated_normal(shape, mean, stddev, dtype=_as_dtype(dtype),
                                       seed=_seed(seed))


# ---------------------------------------------------------------- ctc

def ctc_label_dense_to_sparse(labels, label_lengths):
    """A SparseTensor of the first `label_lengths[i]` labels of each row."""
    labels = op_builder.convert_to_tensor(labels)
    label_lengths = unary_ops.cast(op_builder.convert_to_tensor(label_lengths), "int32")
    max_len = array_ops.shape(labels)[1]
    positions = array_ops.expand_dims(creation_ops.range(max_len), 0)
    mask = math_ops.less(positions, array_ops.expand_dims(label_lengths, 1))
    indices = reduction_ops.where(mask)
    values = gather_ops.gather_nd(labels, indices)
    return sparse_tensor.SparseTensor(indices, values,
                                      unary_ops.cast(array_ops.shape(labels), "int64"))


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss per sample, shape (batch, 1), from softmax outputs `y_pred`."""
    label_length = unary_ops.cast(array_ops.squeeze(label_length, axis=-1), "int32")
    input_length = unary_ops.cast(array_ops.squeeze(input_length, axis=-1), "int32")
    sparse_labels = ctc_label_dense_to_sparse(y_true, label_length)
    sparse_labels = sparse_tensor.SparseTensor(
        sparse_labels.indices, unary_ops.cast(sparse_labels.values, "int32"),
        sparse_labels.dense_shape)
    y_pred = unary_ops.log(array_ops.transpose(y_pred, perm=[1, 0, 2]) + epsilon())
    return array_ops.expand_dims(
        ctc_ops.ctc_loss(labels=sparse_labels, inputs=y_pred, sequence_length=input_length),
        1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decodes softmax outputs (batch, time, classes): ([dense decoded paths, -1 padded],
    log probabilities)."""
    input_shape = array_ops.shape(y_pred)
    num_samples, num_steps = input_shape[0], input_shape[1]
    y_pred = unary_ops.log(array_ops.transpose(y_pred, perm=[1, 0, 2]) + epsilon())
    input_length = unary_ops.cast(input_length, "int32")
    if greedy:
        decoded, log_prob = ctc_ops.ctc_greedy_decoder(inputs=y_pred,
                                                       sequence_length=input_length)
    else:
        decoded, log_prob = ctc_ops.ctc_beam_search_decoder(
            inputs=y_pred, sequence_length=input_length, beam_width=beam_width,
            top_paths=top_paths)
    dense_shape = unary_ops.cast(join_ops.stack([num_samples, num_steps]), "int64")
    out = [sparse_to_dense_ops.sparse_tensor_to_dense(
        sparse_tensor.SparseTensor(st.indices, st.values, dense_shape), default_value=-1)
        for st in decoded]
    return out, log_prob


# ---------------------------------------------------------------- helpers

def _is_symbolic_tensor(x):
    return isinstance(x, (Tensor, variables_module.Variable, sparse_tensor.SparseTensor))


del py_slice, slicing_ops
