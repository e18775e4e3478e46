"""A program description: a list of nodes, each one line of TF1 code. The same lines are
executed against either module object `tf` (flowgraph or `tensorflow.compat.v1`)."""
from dataclasses import dataclass, field, replace

import numpy as np

FLOATS = ("float32", "float64")
INTS = ("int32", "int64")


@dataclass
class Node:
    """One line `name = code`; leaves ("placeholder", "const") hold a concrete value."""
    name: str
    kind: str                      # "placeholder", "const", "op", "random"
    code: str = ""                 # for ops: the right-hand side, already formatted
    args: tuple = ()               # names of the nodes it reads
    key: str = ""                  # the op table entry that made it
    value: np.ndarray = None       # leaves: the fed/constant value; ops: the value seen
    shape: object = None           # placeholders: the declared (partial) shape
    nondet: bool = False           # depends on a random draw: compare shapes/dtypes only
    diff: bool = True              # gradients may flow through it (False: variable ops)

    def line(self):
        if self.kind == "placeholder":
            shape = "None" if self.shape is None else repr(list(self.shape))
            return f"{self.name} = tf.placeholder(tf.{self.value.dtype.name}, {shape}, " \
                   f"name={self.name!r})"
        if self.kind == "const":
            return f"{self.name} = tf.constant({literal(self.value)})"
        return f"{self.name} = {self.code}"


def literal(v):
    """Python source that rebuilds the numpy array `v` exactly."""
    v = np.asarray(v)
    return f"np.array({v.tolist()!r}, dtype=np.{v.dtype.name})"


@dataclass
class Program:
    nodes: list
    graph_seed: object = None      # tf.set_random_seed value, or None
    feeds: tuple = ()              # names of intermediate op nodes that are also fed
    feed_values: dict = field(default_factory=dict)

    def copy(self):
        return replace(self, nodes=list(self.nodes), feeds=tuple(self.feeds),
                       feed_values=dict(self.feed_values))

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def outputs(self):
        return [n for n in self.nodes if n.kind in ("op", "random")]

    def placeholders(self):
        return [n for n in self.nodes if n.kind == "placeholder"]

    def lines(self):
        head = [] if self.graph_seed is None else [f"tf.set_random_seed({self.graph_seed})"]
        return head + [n.line() for n in self.nodes]

    def snippet(self):
        """A runnable script that builds and runs the program (with `tf` chosen at top)."""
        feeds = [f"{n.name}: {literal(n.value)}" for n in self.placeholders()]
        feeds += [f"{k}: {literal(self.feed_values[k])}" for k in self.feeds]
        outs = ", ".join(n.name for n in self.outputs())
        body = "\n".join("    " + s for s in self.lines())
        return (
            "import numpy as np\n"
            "import flowgraph as tf  # or: import tensorflow.compat.v1 as tf; "
            "tf.disable_v2_behavior()\n\n"
            "g = tf.Graph()\n"
            "with g.as_default():\n"
            f"{body}\n"
            "    init = tf.global_variables_initializer()\n"
            "    with tf.Session() as sess:\n"
            "        sess.run(init)\n"
            f"        print(sess.run([{outs}], {{{', '.join(feeds)}}}))\n")


@dataclass
class Built:
    """The result of building a program against one module."""
    graph: object
    env: dict
    error: object = None           # (line index, exception) of the first failing line
    owner: dict = None             # graph op name -> the node whose line made it


def build(tf, prog):
    """Executes the program's lines in a fresh graph; stops at the first failing line."""
    g = tf.Graph()
    env = {"tf": tf, "np": np}
    owner, seen = {}, 0
    with g.as_default():
        for i, line in enumerate(prog.lines()):
            try:
                exec(line, env)  # noqa: S102 - our own generated source
            except Exception as e:  # noqa: BLE001 - the class is what we compare
                return Built(g, env, (i, e), owner)
            ops = g.get_operations()
            for op in ops[seen:]:
                owner[op.name] = line.split(" = ")[0]
            seen = len(ops)
    return Built(g, env, None, owner)


def feed_dict(prog, env):
    d = {env[n.name]: n.value for n in prog.placeholders()}
    d.update({env[k]: v for k, v in prog.feed_values.items() if k in prog.feeds})
    return d
