"""`Dataset.from_generator`: a `GeneratorDataset` op whose three functions call Python
through `PyFunc` ops, as in TF: `init_func` starts the generator and returns its id,
`next_func` gives its next element (the end: `OutOfRangeError`), `finalize_func` drops
it. Each pass over the dataset calls the generator anew."""
import itertools
import threading

import numpy as np

from flowgraph.data import functions, pipeline, structure
from flowgraph.framework import dtypes, errors, func_graph, tensor_shape
from flowgraph.framework.graph import get_default_graph
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import script_ops

_LIVE = {}  # generator id -> the running Python iterator
_IDS = itertools.count()
_LOCK = threading.Lock()


@defop("GeneratorDataset", inputs=("init_func_other_args: Tinit_func_args",
                                   "next_func_other_args: Tnext_func_args",
                                   "finalize_func_other_args: Tfinalize_func_args"),
       outputs=("handle: variant",),
       attrs={"init_func": None, "next_func": None, "finalize_func": None,
              "Tinit_func_args": [], "Tnext_func_args": [], "Tfinalize_func_args": [],
              "output_types": None, "output_shapes": None, "metadata": ""},
       stateful=True)
class GeneratorDataset:
    """The elements `next_func` returns for the state `init_func` makes, until it
    raises OutOfRangeError; `finalize_func` then releases the state."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    func_attrs = ("init_func", "next_func", "finalize_func")
    required_attrs = ("Tinit_func_args", "Tnext_func_args", "Tfinalize_func_args")

    def shape(op):
        return tensor_shape.TensorShape([])

    def func_arg_shapes(inputs, attrs, attr):
        n = len(attrs.get("Tinit_func_args") or [])
        if attr == "init_func":
            return [t.shape for t in inputs[:n]]
        return None

    def bind(op, ctx, compile_fn):
        init, nxt, fin = (compile_fn(op.get_attr(a)) for a in
                          ("init_func", "next_func", "finalize_func"))
        n1, n2 = (len(op.get_attr(a)) for a in ("Tinit_func_args", "Tnext_func_args"))

        def run(*vals):
            a, b, c = vals[:n1], vals[n1:n1 + n2], vals[n1 + n2:]

            def one_pass():
                state = init(*a)[0]
                try:
                    while True:
                        try:
                            out = nxt(state, *b)
                        except errors.OutOfRangeError:
                            return
                        yield list(out)
                finally:
                    fin(state, *c)
            return pipeline.Generated(one_pass)
        return run


def _shape_str(shape):
    return str(tuple(shape))


def from_generator(cls, generator, output_types, output_shapes, args, output_signature):
    if not callable(generator):
        raise TypeError("`generator` must be a Python callable.")
    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise TypeError("The `output_types` and `output_shapes` arguments must not "
                            "be specified when `output_signature` is specified.")
        spec = output_signature
    else:
        if output_types is None:
            raise TypeError("The `output_types` argument can not be None when "
                            "`output_signature` is None.")
        spec = structure.from_types_shapes(output_types, output_shapes)
    flat = structure.flatten(spec)
    np_types = [np.dtype(s.dtype.as_numpy_dtype) for s in flat]
    arg_tensors = [convert_to_tensor(a, name="args") for a in (args or ())]

    def init(*values):
        it = iter(generator(*values))
        with _LOCK:
            gid = next(_IDS)
            _LIVE[gid] = it
        return np.int64(gid)

    def next_(gid):
        it = _LIVE[int(gid)]
        value = next(it)  # StopIteration: the end (OutOfRangeError)
        parts = structure.flatten_up_to(spec, value) if len(flat) > 1 or \
            isinstance(spec, (tuple, dict)) else [value]
        out = []
        for v, s, dt in zip(parts, flat, np_types):
            a = np.asarray(v, dtype=object if dt.kind == "O" else None)
            if dt.kind != "O":
                try:
                    a = a.astype(dt, copy=False) if a.dtype != dt and \
                        np.can_cast(a.dtype, dt, "same_kind") else a
                except TypeError:
                    pass
                if a.dtype != dt:
                    raise TypeError(f"`generator` yielded an element that could not be "
                                    f"converted to the expected type. The expected type "
                                    f"was {s.dtype.name}, but the yielded element was "
                                    f"{v!r}.")
            if not s.shape.is_compatible_with(a.shape):
                raise TypeError(f"`generator` yielded an element of shape "
                                f"{_shape_str(a.shape)} where an element of shape "
                                f"{_shape_str(s.shape.as_list())} was expected.")
            out.append(a)
        return out

    def finalize(gid):
        with _LOCK:
            it = _LIVE.pop(int(gid), None)
        close = getattr(it, "close", None)
        if close is not None:
            close()
        return np.int64(0)

    outer = get_default_graph()

    def init_fn(*xs):
        return script_ops.py_func(init, list(xs), dtypes.int64)

    def next_fn(gid):
        outs = script_ops.py_func(next_, [gid], [s.dtype for s in flat])
        for t, s in zip(outs, flat):
            t.set_shape(s.shape)
        return outs

    def fin_fn(gid):
        return script_ops.py_func(finalize, [gid], dtypes.int64)

    fgs = []
    for name, fn, specs in (
            ("generator_init", init_fn, [(t.dtype, t.shape) for t in arg_tensors]),
            ("generator_next", next_fn, [(dtypes.int64, tensor_shape.TensorShape([]))]),
            ("generator_finalize", fin_fn, [(dtypes.int64, tensor_shape.TensorShape([]))])):
        fg, out = func_graph.trace(name, fn, specs, outer)
        fg.outputs = out if isinstance(out, list) else [out]
        fgs.append(fg)
    attrs = functions.flat_spec_attrs(spec)
    attrs.update({"init_func": fgs[0], "next_func": fgs[1], "finalize_func": fgs[2],
                  "Tinit_func_args": [t.dtype.base_dtype for t in arg_tensors],
                  "Tnext_func_args": [], "Tfinalize_func_args": []})
    v = apply_op("GeneratorDataset", [arg_tensors, [], []], attrs)
    return cls(v, spec)
