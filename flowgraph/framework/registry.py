"""The op registry: one `@defop` block declares an op's signature, shape rule, kernel
and gradient together.

Signature strings follow TF's OpDef notation: ``"x: T"`` (type from attr T),
``"y: int32"`` (fixed type), ``"values: N * T"`` (a list of N tensors of type T),
``"ref: Ref(T)"`` (a variable reference). Kernels are pure functions of
``(xp, *inputs, **attrs)``; stateful kernels take a run context ``ctx`` instead of
``xp``. A kernel may also ask for ``op_name`` (the op's name, bound at compile time).
A kernel given as a string names the array module's function applied to the inputs
(``kernel = "add"`` runs ``xp.add(x, y)``, bound straight to ``np.add`` or ``cupy.add``).
"""
import inspect
import os
import re
import sys

NOT_DIFFERENTIABLE = "NOT_DIFFERENTIABLE"
# No gradient registered, as TF has none: tf.gradients through the op is a LookupError
# (NOT_DIFFERENTIABLE instead means zero gradients are fine).
NO_GRADIENT = "NO_GRADIENT"

class RequiredList(list):
    """The default of a list attr that TF's OpDef requires (has no default for): it reads
    as an empty list, but GraphDefs always carry the attr, so TF can import them."""


REQUIRED_LIST = RequiredList()

_ARG_RE = re.compile(r"^\s*(\w+)\s*:\s*(?:(\w+)\s*\*\s*)?(Ref\(\s*(\w+)\s*\)|\w+)\s*$")


class ArgDef:
    """One input or output of an op."""

    __slots__ = ("name", "type_attr", "dtype", "number_attr", "is_ref", "type_list_attr")

    def __init__(self, spec, attrs):
        from flowgraph.framework import dtypes
        m = _ARG_RE.match(spec)
        if not m:
            raise ValueError(f"Bad arg spec {spec!r}")
        self.name, self.number_attr = m.group(1), m.group(2)
        self.is_ref = m.group(4) is not None
        t = m.group(4) or m.group(3)
        self.type_attr = self.dtype = self.type_list_attr = None
        if isinstance(attrs.get(t), (list, tuple)):
            self.type_list_attr = t  # a list of differently typed tensors, e.g. "Tout"
        elif t in dtypes._BY_NAME and t[0].islower():
            self.dtype = dtypes.as_dtype(t)
        else:
            self.type_attr = t

    def __repr__(self):
        return f"ArgDef({self.name})"


class OpDef:
    """Everything flowgraph knows about one op type."""

    def __init__(self, name, inputs, outputs, attrs, cls, stateful, where):
        self.name = name
        attrs = dict(attrs)
        self.inputs = [ArgDef(s, attrs) for s in inputs]
        self.outputs = [ArgDef(s, attrs) for s in outputs]
        self.attrs = dict(attrs)
        for a in self.inputs + self.outputs:  # type and length attrs are inferred
            for k in (a.type_attr, a.number_attr):
                if k:
                    self.attrs.setdefault(k, None)
        self.stateful = stateful
        self.where = where
        self._cls = cls
        self.shape_fn = getattr(cls, "shape", None)
        self.kernel = getattr(cls, "kernel", None)
        self.grad = getattr(cls, "grad", None)
        self.forwards_ref = getattr(cls, "forwards_ref", False)
        # A fused op's recipe for the remapper: {"contraction": op types, "bias": op
        # types, "activations": op types} it can stand for (`_FusedMatMul`); else None.
        self.fuses = getattr(cls, "fuses", None)
        # How `Session.run` returns a fetched output: `fetch_as(value, tensor, session)`
        # (e.g. a TensorHandle for GetSessionHandle); None returns the value itself.
        self.fetch_as = getattr(cls, "fetch_as", None)
        self.binder = getattr(cls, "bind", None)  # ops running sub-plans (If, While)
        # How `tf.gradients` sums many gradients that ops of this type produced into one
        # tensor: `sum_gradients(tensors, cache)` builds the sum (cache: a dict shared by
        # one gradients call) or returns None for the plain AddN.
        self.sum_gradients = getattr(cls, "sum_gradients", None)
        # Attrs holding FuncGraphs (a dataset op's `f`), exported as library functions
        # whose arguments are the FuncGraph's inputs; `func_arg_shapes(inputs, attrs,
        # attr)` gives their shapes when a GraphDef is imported (None: unknown).
        self.func_attrs = tuple(getattr(cls, "func_attrs", ()))
        self.func_arg_shapes = getattr(cls, "func_arg_shapes", None)
        # Attrs GraphDefs always carry (TF's OpDef has no default for them): those the
        # class lists, and list attrs defaulting to REQUIRED_LIST.
        self.required_attrs = tuple(getattr(cls, "required_attrs", ())) + tuple(
            k for k, v in self.attrs.items() if isinstance(v, RequiredList))
        self.device_kernels = getattr(cls, "devices", ("CPU", "GPU"))
        # may wait for other runs (a queue's dequeue): runs on the calling thread, never on
        # the inter-op pool, whose threads it could all hold while their producers wait
        self.blocking = getattr(cls, "blocking", False)
        # A pure function of its inputs: the graph optimizer may fold it into a constant
        # or merge it with an equal op (never a stateful op or one running sub-plans).
        self.foldable = getattr(cls, "foldable", not stateful and self.binder is None
                                and not self.func_attrs and not self.blocking
                                and self.fetch_as is None)
        # The index of the input this op's output equals (Identity, StopGradient): the
        # optimizer lets consumers read that input instead; None for other ops.
        # It may also be `forwards_input(op) -> index or None`, for ops that are a no-op
        # only for some static shapes or attrs (a Reshape to the shape its input has).
        self.forwards_input = getattr(cls, "forwards_input", None)
        # `static_value(op) -> numpy value or None`: the output known from static input
        # shapes alone (Shape of a fully defined tensor); the optimizer folds it.
        self.static_value = getattr(cls, "static_value", None)
        # Algebra the optimizer's arithmetic pass uses: (value, "both" | "right") when
        # `x op value == x` (Mul: (1, "both"), Sub: (0, "right")); `involution` when
        # f(f(x)) == x (Neg); `transpose_attrs`, the bool attrs that make the op read
        # input 0 or 1 transposed (MatMul: ("transpose_a", "transpose_b")); `permutes`
        # for an op whose output is input 0 with its axes permuted by input 1 (Transpose).
        # `constant_branch(op, pred) -> (FuncGraph, input indexes)`: for an op running
        # one of several functions (If), the function a constant predicate picks and
        # which of op's inputs are its inputs; the optimizer inlines it.
        self.constant_branch = getattr(cls, "constant_branch", None)
        self.neutral_element = getattr(cls, "neutral_element", None)
        self.involution = getattr(cls, "involution", False)
        self.transpose_attrs = getattr(cls, "transpose_attrs", None)
        self.permutes = getattr(cls, "permutes", False)
        self.kernel_params = ()
        self.wants_ctx = self.binder is not None
        self.xp_function = None
        if isinstance(self.kernel, str):  # the array module's function of that name
            self.xp_function = fname = self.kernel
            self.kernel = lambda xp, *args: getattr(xp, fname)(*args)
        elif self.kernel is not None:
            params = list(inspect.signature(self.kernel).parameters)
            n_in = len(self.inputs)
            self.kernel_params = tuple(params[1 + n_in:])
            if params[:1] not in (["xp"], ["ctx"]):
                raise ValueError(f"{name}: kernel's first parameter must be xp or ctx")
            self.wants_ctx = params[0] == "ctx"
        for p in self.kernel_params:
            if p not in self.attrs and p not in ("op_name",):
                raise ValueError(f"{name}: kernel parameter {p!r} is not an attr")

    @property
    def doc(self):  # read when asked: factories may set the class docstring afterwards
        return (self._cls.__doc__ or "").strip()

    @property
    def is_differentiable(self):
        return self.grad not in (None, NOT_DIFFERENTIABLE, NO_GRADIENT)

    def __repr__(self):
        return f"OpDef({self.name})"


_REGISTRY = {}


def defop(name, inputs=(), outputs=(), attrs=None, stateful=False):
    """Class decorator registering an op. The class body holds `shape`, `kernel`, `grad`."""
    frame = sys._getframe(1)
    where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"

    def wrap(cls):
        if name in _REGISTRY:
            raise KeyError(f"Op {name!r} registered twice: at {_REGISTRY[name].where} "
                           f"and at {where}")
        for key in ("shape", "kernel", "grad", "bind", "func_arg_shapes", "forwards_input",
                    "static_value", "constant_branch", "sum_gradients"):
            v = cls.__dict__.get(key)
            if isinstance(v, staticmethod):
                setattr(cls, key, v.__func__)
        _REGISTRY[name] = OpDef(name, inputs, outputs, attrs or {}, cls, stateful, where)
        cls.op_def = _REGISTRY[name]
        return cls
    return wrap


def get(name):
    try:
        return _REGISTRY[name]
    except KeyError:
        from flowgraph.framework import errors
        raise errors.NotFoundError(None, None, f"Op type not registered '{name}' in flowgraph.")


def registered():
    return dict(_REGISTRY)


# Gradient overrides registered by users (tf.RegisterGradient) live beside the op grads.
_GRADIENTS = {}


class RegisterGradient:
    """Decorator: `@tf.RegisterGradient("MyGrad")` registers a gradient function by name."""

    def __init__(self, op_type):
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string")
        self._op_type = op_type

    def __call__(self, f):
        if self._op_type in _GRADIENTS:
            raise KeyError(f"Registering two gradient with name '{self._op_type}'!")
        _GRADIENTS[self._op_type] = f
        return f


def NotDifferentiable(op_type):  # noqa: N802 (TF's name)
    """Declares that ops of `op_type` have no gradient."""
    _GRADIENTS[op_type] = NOT_DIFFERENTIABLE


NoGradient = NotDifferentiable


def gradient_function(op_type):
    """The gradient for an op type: a user registration first, then the op's own."""
    if op_type in _GRADIENTS:
        return _GRADIENTS[op_type]
    d = _REGISTRY.get(op_type)
    return None if d is None or d.grad == NO_GRADIENT else d.grad


def forwarded_input(op):
    """The index of the input `op`'s output equals, or None (see OpDef.forwards_input)."""
    f = op._op_def.forwards_input
    return f(op) if callable(f) else f


def input_args(op):
    """The ArgDef of each flat input of `op` (list arguments expanded)."""
    out = []
    for arg in op._op_def.inputs:
        if arg.number_attr:
            out.extend([arg] * op._attrs[arg.number_attr])
        elif arg.type_list_attr:
            out.extend([arg] * len(op._attrs[arg.type_list_attr]))
        else:
            out.append(arg)
    return out
