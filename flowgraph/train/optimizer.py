"""`tf.train.Optimizer`: gradients of a loss, slot variables and the update ops.

The graph follows TF1's: gradients under `gradients/`, slots named `<var>/<Optimizer>`,
`<var>/<Optimizer>_1` (created colocated with their variable, outside the caller's name
scope), one `update_<var>` scope per variable inside the optimizer's scope, then a NoOp
(or, with a `global_step`, an `AssignAdd` after that NoOp) named after the optimizer."""
import collections.abc

from flowgraph.framework import dtypes
from flowgraph.framework.graph import (GraphKeys, Tensor, colocate_with,
                                       control_dependencies, get_default_graph, name_scope)
from flowgraph.framework.indexed_slices import IndexedSlices
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import core, state_ops, variable_scope as vs
from flowgraph.ops.partitioned_variables import SaveSliceInfo
from flowgraph.ops.variables import Variable, trainable_variables

__all__ = ["Optimizer"]


def _var_key(var):
    return (var.op.graph, var.op.name)


def _as_grad(g):
    """A gradient as a Tensor or IndexedSlices (TF's convert_to_tensor_or_indexed_slices)."""
    if g is None or isinstance(g, (Tensor, IndexedSlices)):
        return g
    try:
        g = convert_to_tensor(g)
    except (TypeError, ValueError):
        raise TypeError(f"Gradient must be convertible to a Tensor or IndexedSlices, or "
                        f"None: {g}") from None
    return g


def _gate(grads):
    """GATE_GRAPH: every gradient is available only once all of them are computed."""
    parts = [x for g in grads if g is not None
             for x in ((g.values, g.indices) if isinstance(g, IndexedSlices) else (g,))]
    if not parts:
        return grads
    with name_scope(None, "tuple", parts):
        gate = core.group(*parts, name="control_dependency")
        out = []
        for g in grads:
            with control_dependencies([gate]):
                if g is None:
                    out.append(None)
                elif isinstance(g, IndexedSlices):
                    out.append(IndexedSlices(core.identity(g.values), g.indices,
                                             g.dense_shape))
                else:
                    out.append(core.identity(g))
        return out


def deduplicate_indexed_slices(values, indices):
    """Sums the rows of `values` that share an index: (summed values, unique indices)."""
    from flowgraph.ops import gather_ops, array_ops
    unique_indices, positions = gather_ops.unique(indices)
    summed = gather_ops.unsorted_segment_sum(values, positions, array_ops.size(unique_indices))
    return summed, unique_indices


class Optimizer:
    """Base class for optimizers: `minimize` = `compute_gradients` + `apply_gradients`.

    Subclasses implement `_create_slots`, `_prepare`, `_apply_dense`, `_apply_sparse`
    (or `_apply_sparse_duplicate_indices`) and optionally `_finish`."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}           # slot name -> {var key: slot Variable}
        self._non_slot_dict = {}   # (name, graph) -> Variable

    def get_name(self):
        return self._name

    # -- the public API ------------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """Adds ops to minimize `loss` by updating `var_list`; returns the training op."""
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        if not [v for g, v in grads_and_vars if g is not None]:
            raise ValueError(f"No gradients provided for any variable, check your graph for "
                             f"ops that do not support gradients, between variables "
                             f"{[str(v) for _, v in grads_and_vars]} and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """A list of (gradient, variable) pairs; the gradient is None for a variable that
        `loss` does not depend on, and an IndexedSlices for sparse gradients."""
        from flowgraph.gradients import gradients as _gradients
        if callable(loss):
            loss = loss()
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP,
                                  Optimizer.GATE_GRAPH):
            raise ValueError(f"gate_gradients must be one of: Optimizer.GATE_NONE, "
                             f"Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not {gate_gradients}")
        loss = convert_to_tensor(loss)
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            grad_loss = convert_to_tensor(grad_loss)
            self._assert_valid_dtypes([grad_loss])
        if var_list is None:
            var_list = trainable_variables() + \
                loss.graph.get_collection(GraphKeys.TRAINABLE_RESOURCE_VARIABLES)
        else:
            var_list = list(_flatten(var_list))
        if not var_list:
            raise ValueError("No variables to optimize.")
        for v in var_list:
            if not isinstance(v, (Variable, Tensor)):
                raise TypeError(f"Argument is not a tf.Variable or Tensor: {v}")
        grads = _gradients(
            loss, [v._ref() if isinstance(v, Variable) else v for v in var_list],
            grad_ys=grad_loss,
            gate_gradients=(gate_gradients == Optimizer.GATE_OP),
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gate_gradients == Optimizer.GATE_GRAPH:
            grads = _gate(grads)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for g, v in grads_and_vars if g is not None])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Applies (gradient, variable) pairs; increments `global_step` (if given) after
        all updates. Returns the training op."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for g, v in grads_and_vars:
            g = _as_grad(g)
            if not isinstance(v, Variable):
                raise NotImplementedError(f"Trying to update a Tensor {v}")
            converted.append((g, v))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{tuple(str(v) for _, v in converted)}.")
        graph = var_list[0].graph
        with graph.as_default():
            self._create_slots(var_list)
            with name_scope(name, self._name) as scope:
                self._shared_cache, self._apply_scope = {}, scope
                self._prepare()
                update_ops = []
                for grad, var in converted:
                    if grad is None:
                        continue
                    with name_scope("update_" + var.op.name), colocate_with(var.op):
                        update_ops.append(self._update(grad, var))
                if global_step is None:
                    train_op = self._finish(update_ops, scope)
                else:
                    with control_dependencies([self._finish(update_ops, "update")]):
                        with colocate_with(global_step):
                            train_op = state_ops.assign_add(global_step, 1, name=scope).op
            train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
            if train_op not in train_ops:
                train_ops.append(train_op)
        return train_op

    def _update(self, grad, var):
        if isinstance(grad, Tensor):
            op = self._apply_dense(grad, var)
            if var.constraint is not None:
                with control_dependencies([op]):
                    return var.assign(var.constraint(var)).op
            return op
        if var.constraint is not None:
            raise RuntimeError("Cannot use a constraint function on a sparse variable.")
        return self._apply_sparse_duplicate_indices(grad, var)

    def get_slot(self, var, name):
        """The slot variable `name` made for `var`, or None."""
        named = self._slots.get(name)
        if not named:
            return None
        return named.get(_var_key(var))

    def get_slot_names(self):
        """The names of the slots this optimizer makes, sorted."""
        return sorted(self._slots)

    def variables(self):
        """The optimizer's variables in the default graph (slots and non-slot variables
        such as Adam's beta powers), sorted by name."""
        g = get_default_graph()
        out = [v for (_, vg), v in self._non_slot_dict.items() if vg is g]
        for named in self._slots.values():
            out.extend(v for v in named.values() if v.graph is g)
        return sorted(out, key=lambda v: v.name)

    # -- hooks for subclasses ------------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError()

    def _apply_sparse_duplicate_indices(self, grad, var):
        """Sums the rows of repeated indices, then calls `_apply_sparse`."""
        values, indices = deduplicate_indexed_slices(grad.values, grad.indices)
        return self._apply_sparse(IndexedSlices(values, indices, grad.dense_shape), var)

    def _apply_sparse(self, grad, var):
        raise NotImplementedError()

    def _finish(self, update_ops, name_scope):
        return core.group(*update_ops, name=name_scope)

    def _valid_dtypes(self):
        return {dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64}

    def _assert_valid_dtypes(self, tensors):
        valid = self._valid_dtypes()
        for t in tensors:
            d = t.dtype.base_dtype
            if d not in valid:
                raise ValueError(f"Invalid type {d!r} for {t.name}, expected: "
                                 f"{sorted(v.name for v in valid)}.")

    @staticmethod
    def _call_if_callable(param):
        return param() if callable(param) else param

    def _hyper(self, value, name):
        """A hyperparameter as a tensor named `name` (a Tensor is used as is)."""
        return convert_to_tensor(self._call_if_callable(value), name=name)

    def _cast(self, t, var):
        """`t` (a hyperparameter) in `var`'s dtype: the tensor itself when the dtypes
        agree, else one Cast shared by every variable of that dtype."""
        from flowgraph.ops import math_ops
        dtype = var.dtype.base_dtype
        if isinstance(t, Variable):
            t = t.value()
        if t.dtype.base_dtype == dtype:
            return t
        return self._shared(("cast", t, dtype), lambda: math_ops.cast(t, dtype))

    def _shared(self, key, make):
        """A tensor built once per `apply_gradients` call (per `key`) and reused by every
        variable's update, so updates do not repeat the same subgraph."""
        cache = getattr(self, "_shared_cache", None)
        if cache is None:
            return make()
        if key not in cache:
            g = get_default_graph()
            with g.name_scope(self._apply_scope), g.colocate_with(None):
                cache[key] = make()
        return cache[key]

    # -- slots -----------------------------------------------------------------------------
    def _slot_dict(self, slot_name):
        return self._slots.setdefault(slot_name, {})

    def _get_or_make_slot_with_initializer(self, var, initializer, shape, dtype, slot_name,
                                           op_name):
        """The slot `slot_name` of `var`, made (if new) with `initializer(shape, dtype)`."""
        named = self._slot_dict(slot_name)
        key = _var_key(var)
        if key not in named:
            named[key] = create_slot(var, lambda: initializer(shape, dtype), op_name)
        return named[key]

    def _get_or_make_slot(self, var, val, slot_name, op_name):
        """The slot `slot_name` of `var`, made (if new) with initial value `val`."""
        named = self._slot_dict(slot_name)
        key = _var_key(var)
        if key not in named:
            named[key] = create_slot(var, val, op_name)
        return named[key]

    def _zeros_slot(self, var, slot_name, op_name):
        """A slot of zeros shaped and typed like `var`."""
        from flowgraph.ops import array_ops
        named = self._slot_dict(slot_name)
        key = _var_key(var)
        if key not in named:
            named[key] = create_slot(var, _like(var, array_ops.zeros), op_name)
        return named[key]

    def _create_non_slot_variable(self, initial_value, name, colocate_with):  # noqa: F811
        """A variable the optimizer keeps once per graph (e.g. Adam's `beta1_power`),
        colocated with the variable `colocate_with`."""
        primary = colocate_with
        graph = primary.graph
        key = (name, graph)
        v = self._non_slot_dict.get(key)
        if v is None:
            with graph.as_default(), control_dependencies(None), \
                    graph.colocate_with(primary.op):
                v = Variable(initial_value, name=name, trainable=False)
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, graph or get_default_graph()))

    def _non_slot_variables(self):
        return list(self._non_slot_dict.values())


def _like(var, make):
    """An initializer function making `make(shape, dtype)` for `var`'s shape."""
    def init():
        dtype = var.dtype.base_dtype
        if var.shape.is_fully_defined():
            return make(var.shape.as_list(), dtype=dtype)
        from flowgraph.ops import array_ops
        return make(array_ops.shape(var.initialized_value()), dtype=dtype)
    return init


def create_slot(primary, val, name):
    """A non-trainable variable `<primary>/<name>` (made unique) colocated with `primary`,
    initialized with `val` (a Tensor/value, or a function called under `Initializer`).
    Like TF's slot variables, it ignores the caller's name scope but not the variable
    scope: under `variable_scope("s")` the slot of `v` is `s/v/<name>`."""
    g = primary.graph
    outer = vs.get_variable_scope().name
    prefix = f"{outer}/" if outer else ""
    with g.as_default(), g.name_scope(None), colocate_with(primary.op), \
            control_dependencies(None):
        slot = Variable(val, name=f"{prefix}{primary.op.name}/{name}", trainable=False,
                        dtype=primary.dtype.base_dtype,
                        validate_shape=primary.shape.is_fully_defined())
    info = getattr(primary, "_save_slice_info", None)
    if info is not None:
        # A part's slot is saved as the same slice of `<full name>/<slot name>`, as TF's.
        real_name = slot.op.name[len(primary.op.name) + 1:]
        n = slot.shape.ndims
        if n is None or n > 0:
            slot._save_slice_info = SaveSliceInfo(f"{info.full_name}/{real_name}",
                                                  info.full_shape[:n], info.var_offset[:n],
                                                  info.var_shape[:n])
    return slot


def _flatten(xs):
    """Leaves of nested lists, tuples, dicts and dict views (`d.values()`), as TF's nest."""
    if isinstance(xs, (list, tuple, collections.abc.MappingView)):
        for x in xs:
            yield from _flatten(x)
    elif isinstance(xs, dict):
        for x in xs.values():
            yield from _flatten(x)
    else:
        yield xs
