"""FuncGraph: a sub-graph holding the body of a cond branch or a while loop.

Tensors of enclosing graphs used inside are captured: each becomes a placeholder input of
the function, and the op holding the function passes the outer tensor in."""
import contextlib

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import Graph, Tensor
from flowgraph.framework.op_builder import apply_op


def placeholder(dtype, shape, name):
    """A function argument: a Placeholder op (built here, so the framework needs no ops
    module; `tf.placeholder` is the public builder)."""
    shape = tensor_shape.unknown_shape() if shape is None else tensor_shape.as_shape(shape)
    return apply_op("Placeholder", [], {"dtype": dtypes.as_dtype(dtype), "shape": shape},
                    name=name)


class FuncGraph(Graph):
    """A function body: `inputs` (explicit placeholders, then one per capture), `outputs`."""

    def __init__(self, name, outer_graph):
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        self.inputs = []
        self.outputs = []
        self.gradient_outputs = 0  # how many of `outputs` were added for gradients (last)
        self.captures = {}  # outer tensor -> placeholder in this graph, in capture order
        self._variables = {}  # store key -> VariableV2 here naming an outer variable
        self.resolves = None  # (graph, fn): how a While gradient's body reads forward values
        self._seed = outer_graph.seed
        self._last_id = 0

    @property
    def building_function(self):
        return True

    def reaches(self, graph):
        """Whether tensors of `graph` can be used here: those of an enclosing graph are
        captured, those of the graph an enclosing function `resolves` are read through
        its resolver."""
        g = self
        while g is not None:
            if g is graph or (getattr(g, "resolves", None) or (None,))[0] is graph:
                return True
            g = getattr(g, "outer_graph", None)
        return False

    def capture(self, tensor):
        """The placeholder standing for outer `tensor` inside this function. Captures are
        keyed by the tensor of the immediately enclosing graph (captured there first when
        it comes from further out), so an op holding this function takes exactly those.
        A tensor of the graph in `resolves` (graph, fn) becomes `fn(tensor)` instead."""
        if tensor.graph is self:
            return tensor
        if self.resolves is not None and tensor.graph is self.resolves[0]:
            return self.resolves[1](tensor)
        if not self.reaches(tensor.graph):
            raise ValueError(f"Tensor {tensor.name} is from a graph that does not enclose "
                             f"function {self.name}.")
        if tensor.dtype.is_ref_dtype:
            return self._capture_variable(tensor)
        outer = tensor if tensor.graph is self.outer_graph else self.outer_graph.capture(tensor)
        if outer in self.captures:
            return self.captures[outer]
        with self.as_default(), self.name_scope(None):
            ph = placeholder(outer.dtype, outer.shape, name="capture")
        self.captures[outer] = ph
        self.inputs.append(ph)
        return ph

    def _capture_variable(self, ref):
        """A variable used by reference (assigned) inside the function: a `VariableV2` here
        whose `shared_name` is the outer variable's store key, so both name one value."""
        op = ref.op
        while op.type not in ("VariableV2", "Variable"):
            if not (op._op_def.forwards_ref or op.type == "Identity") or not op._inputs:
                raise ValueError(f"Cannot find the variable behind ref tensor {ref.name}")
            op = op._inputs[0].op
        key = op._attrs.get("shared_name") or op.name
        if key not in self._variables:
            from flowgraph.framework.op_builder import apply_op
            with self.as_default(), self.name_scope(None):
                self._variables[key] = apply_op(
                    "VariableV2", [], {"shape": op._attrs["shape"],
                                       "dtype": op._attrs["dtype"],
                                       "container": op._attrs.get("container", ""),
                                       "shared_name": key}, name=op.name.split("/")[-1])
        return self._variables[key]

    @property
    def captured_outer(self):
        """The outer tensors this function captured, in input order."""
        return list(self.captures)

    def stateful_ops(self):
        return [op for op in self._ops if op._op_def.stateful]


@contextlib.contextmanager
def building(fg):
    with fg.as_default():
        yield fg


def trace(name, fn, input_specs, outer_graph):
    """Builds a FuncGraph by calling `fn` on placeholders made from `input_specs`
    ((dtype, shape) pairs); returns (func_graph, fn's raw result)."""
    fg = FuncGraph(name, outer_graph)
    with fg.as_default():
        args = [placeholder(dt, shape, name=f"arg{i}") for i, (dt, shape) in
                enumerate(input_specs)]
        fg.inputs.extend(args)
        result = fn(*args)
    return fg, result


def is_tensor(x):
    return isinstance(x, Tensor)
