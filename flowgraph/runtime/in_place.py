"""Memory planning: elementwise steps that write their result into their first input's
buffer when that input dies at the step.

A step qualifies when compile_plan can see that its kernel is an array-module ufunc
whose output has input 0's dtype, input 0's slot is an intermediate (not a feed, a
constant or a fetch) last read by this step, and its static shape does not say it is
small. Whether the buffer may really be
overwritten is decided when the step runs, from facts no plan can know: the value is a
numpy array that owns its memory (not a view of something else), is large enough to be
worth it, has the result's shape, and nothing but the running plan refers to it — no
other slot (an Identity's output is the same array), no view of it (a Split, Reshape or
transpose keeps its base alive), no variable, queue or user. The last is read from the
reference count, which the straight-line code's call makes exact; the traced and
parallel executors hold extra references, so there the steps simply allocate."""
import sys

import numpy as np

MIN_ELEMENTS = 4096  # below this, numpy's allocation is cheaper than the checks


def _probe(a, b):
    return sys.getrefcount(a)


def _calibrate():
    x = np.empty(1)  # held by one local, as a slot in the generated code
    return _probe(x, None)


_REFS = _calibrate()  # references seen inside a wrapper called from generated code


def wrap(fn, n_inputs):
    """`fn` (a ufunc) run with `out=` its first argument whenever that is safe."""
    ndarray, refs, getrefcount = np.ndarray, _REFS, sys.getrefcount
    if n_inputs == 1:
        def unary(a):
            if a.__class__ is ndarray and a.size >= MIN_ELEMENTS and a.base is None and \
                    getrefcount(a) == refs and a.flags.writeable:
                return fn(a, out=a)
            return fn(a)
        return unary

    def binary(a, b):
        if a.__class__ is ndarray and a.size >= MIN_ELEMENTS and a.base is None and \
                getrefcount(a) == refs and a.flags.writeable and \
                getattr(b, "dtype", None) == a.dtype and \
                (b.shape == a.shape or
                 (b.ndim <= a.ndim and b.shape == a.shape[a.ndim - b.ndim:])):
            return fn(a, b, out=a)
        return fn(a, b)
    return binary


def _known_small(t):
    """Whether t's static shape says it is below MIN_ELEMENTS (then the wrapper's checks
    would only cost time)."""
    dims = t.shape.as_list() if t.shape.ndims is not None else None
    if dims is None or None in dims:
        return False
    return int(np.prod(dims, dtype=np.int64)) < MIN_ELEMENTS


def plan_steps(steps, ops, xp_functions, protected):
    """Replaces, in `steps` (lists of fn, ins, out, frees), the fn of each step that may
    run in place. `xp_functions[i]` is the ufunc a step's kernel is (or None);
    `protected` the slots never to write into (feeds, constants, fetches)."""
    count = 0
    for i, (step, op) in enumerate(zip(steps, ops)):
        fn, ins, out, frees = step
        uf = xp_functions[i]
        if uf is None or not ins or ins[0] in protected or ins[0] not in frees or \
                ins[0] in ins[1:] or out.__class__ is not int or len(ins) > 2:
            continue
        t_in, t_out = op._inputs[0], op._outputs[0]
        if _known_small(t_in) or t_in.dtype.base_dtype != t_out.dtype.base_dtype or \
                (len(ins) == 2 and op._inputs[1].dtype.base_dtype != t_in.dtype.base_dtype):
            continue
        step[0] = wrap(uf, len(ins))
        count += 1
    return count
