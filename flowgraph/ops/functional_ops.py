"""Higher-order functions over the first dimension of tensors: `map_fn`, `scan`, `foldl`,
`foldr`. As in TF, each is a `tf.while_loop` reading its elements from TensorArrays and
writing results into TensorArrays, so gradients flow through them like through any loop."""
from flowgraph.framework import dtypes, func_graph, nest, tensor_shape
from flowgraph.framework.graph import get_default_graph, name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops.control_flow_ops import while_loop
from flowgraph.ops.tensor_array_ops import TensorArray

__all__ = ["map_fn", "scan", "foldl", "foldr", "vectorized_map"]


def _flat_elems(elems):
    flat = [convert_to_tensor(e, name="elem") for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of Tensors, "
                         f"got {elems!r}")
    for e in flat:
        if e.shape.ndims == 0:
            raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    return flat


def _length(flat):
    """(the static first dimension shared by `flat` or None, the length as a tensor)."""
    from flowgraph.ops import array_ops
    n_static = _first_dim(flat)
    n = n_static if n_static is not None else array_ops.shape(flat[0])[0]
    return n_static, convert_to_tensor(n, dtype=dtypes.int32)


def _first_dim(flat):
    n = None
    for e in flat:
        d = e.shape[0] if e.shape.ndims else None
        d = getattr(d, "value", d)
        if d is not None:
            if n is not None and n != d:
                raise ValueError(f"All elems must have the same first dimension: got {n} "
                                 f"and {d}")
            n = d
    return n


def _input_tas(flat, n):
    return [TensorArray(e.dtype, size=n, dynamic_size=False, infer_shape=True).unstack(e)
            for e in flat]


def _set_first_dim(results, n_static):
    for r in results:
        if r.shape.ndims is not None:
            r.set_shape(tensor_shape.TensorShape([n_static]).concatenate(r.shape[1:]))


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None):
    """`fn` applied to each slice of `elems` along dimension 0, results stacked.

    `elems` may be a nested structure of tensors of the same first dimension; `fn`
    receives the matching structure of slices. `dtype` gives the structure and types of
    `fn`'s output when it differs from `elems`'s."""
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    if parallel_iterations is None:
        parallel_iterations = 10
    with name_scope(name, "map", nest.flatten(elems)):
        flat = _flat_elems(elems)
        n_static, n = _length(flat)
        out_struct = elems if dtype is None else dtype
        out_dtypes = [e.dtype.base_dtype for e in flat] if dtype is None else \
            [dtypes.as_dtype(d) for d in nest.flatten(dtype)]
        elems_ta = _input_tas(flat, n)
        accs = [TensorArray(dt, size=n, dynamic_size=False, infer_shape=infer_shape)
                for dt in out_dtypes]

        def compute(i, tas):
            packed = nest.pack_sequence_as(elems, [ta.read(i) for ta in elems_ta])
            out = fn(packed)
            try:
                nest.assert_same_structure(out_struct, out)
            except ValueError as e:
                raise ValueError(f"The structure of fn's output does not match "
                                 f"{'elems' if dtype is None else 'dtype'}: {e}") from None
            vals = [convert_to_tensor(v) for v in nest.flatten(out)]
            return i + 1, [ta.write(i, v) for ta, v in zip(tas, vals)]

        _, r = while_loop(lambda i, _: i < n, compute, (0, accs),
                          parallel_iterations=parallel_iterations, back_prop=back_prop,
                          swap_memory=swap_memory, maximum_iterations=n)
        results = [ta.stack() for ta in r]
        _set_first_dim(results, n_static)
        return nest.pack_sequence_as(out_struct, results)


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """`fn` over the slices of `elems` along dimension 0, results stacked: `map_fn` with
    the output structure and dtypes found by tracing `fn` once on a slice. flowgraph runs
    it as TF's while-loop fallback does (no pfor vectorization)."""
    flat = _flat_elems(elems)

    def probe(*slices):
        out = fn(nest.pack_sequence_as(elems, list(slices)))
        return nest.map_structure(convert_to_tensor, out)
    _, out = func_graph.trace("vectorized_map_probe", probe,
                              [(t.dtype, t.shape[1:]) for t in flat], get_default_graph())
    dtype = nest.map_structure(lambda t: t.dtype, out)
    return map_fn(fn, elems, dtype=dtype, name="vectorized_map")


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """The running `a = fn(a, x)` over the slices `x` of `elems`, every `a` stacked.

    Without `initializer` the first slice (the last when `reverse`) starts the scan and
    is itself the first output. `a` and `x` may be nested structures."""
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    with name_scope(name, "scan", nest.flatten(elems)):
        flat = _flat_elems(elems)
        n_static, n = _length(flat)
        elems_ta = _input_tas(flat, n)
        if initializer is None:
            first = n - 1 if reverse else 0
            a_flat = [ta.read(first) for ta in elems_ta]
            a_struct, i0 = elems, 1
        else:
            a_flat = [convert_to_tensor(a) for a in nest.flatten(initializer)]
            a_struct, i0 = initializer, 0
        accs = [TensorArray(a.dtype, size=n, dynamic_size=False, infer_shape=infer_shape,
                            element_shape=a.shape if infer_shape else None)
                for a in a_flat]
        if initializer is None:
            accs = [ta.write(n - 1 if reverse else 0, a) for ta, a in zip(accs, a_flat)]

        def compute(i, a_flat, tas):
            x = nest.pack_sequence_as(elems, [ta.read(i) for ta in elems_ta])
            out = fn(nest.pack_sequence_as(a_struct, list(a_flat)), x)
            try:
                nest.assert_same_structure(a_struct, out)
            except ValueError as e:
                raise ValueError(f"The structure of fn's output does not match "
                                 f"{'elems' if initializer is None else 'initializer'}: "
                                 f"{e}") from None
            vals = [convert_to_tensor(v) for v in nest.flatten(out)]
            tas = [ta.write(i, v) for ta, v in zip(tas, vals)]
            return (i - 1 if reverse else i + 1), vals, tas

        if reverse:
            start = n - 1 - i0
            cond = lambda i, _a, _t: i >= 0  # noqa: E731
        else:
            start = convert_to_tensor(i0, dtype=dtypes.int32)
            cond = lambda i, _a, _t: i < n  # noqa: E731
        _, _, r = while_loop(cond, compute, (start, a_flat, accs),
                             parallel_iterations=parallel_iterations, back_prop=back_prop,
                             swap_memory=swap_memory, maximum_iterations=n)
        results = [ta.stack() for ta in r]
        _set_first_dim(results, n_static)
        return nest.pack_sequence_as(a_struct, results)


def _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name,
          default_name, reverse):
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    with name_scope(name, default_name, nest.flatten(elems)):
        flat = _flat_elems(elems)
        _, n = _length(flat)
        elems_ta = _input_tas(flat, n)
        if initializer is None:
            first = n - 1 if reverse else 0
            a = nest.pack_sequence_as(elems, [ta.read(first) for ta in elems_ta])
            i = n - 1 if reverse else convert_to_tensor(1, dtype=dtypes.int32)
        else:
            a = nest.map_structure(convert_to_tensor, initializer)
            i = n if reverse else convert_to_tensor(0, dtype=dtypes.int32)

        def compute(i, a):
            if reverse:
                i = i - 1
            x = nest.pack_sequence_as(elems, [ta.read(i) for ta in elems_ta])
            a = fn(a, x)
            return (i if reverse else i + 1), a

        cond = (lambda i, a: i > 0) if reverse else (lambda i, a: i < n)
        _, r = while_loop(cond, compute, (i, a), parallel_iterations=parallel_iterations,
                          back_prop=back_prop, swap_memory=swap_memory,
                          maximum_iterations=n)
        return r


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """`fn(...fn(fn(initializer, elems[0]), elems[1])..., elems[n-1])`, left to right
    (the first element is the initializer when none is given)."""
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name,
                 "foldl", reverse=False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """Like `foldl`, right to left: from `elems[n-1]` down to `elems[0]`."""
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name,
                 "foldr", reverse=True)

