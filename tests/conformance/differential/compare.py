"""Build and run one program in a framework, and compare what two frameworks observed."""
import re
from dataclasses import dataclass, field

import numpy as np

from .program import build, feed_dict

TOL = {"float16": (2e-2, 2e-2), "float32": (2e-4, 2e-4), "float64": (1e-9, 1e-9)}


@dataclass
class Observation:
    build_error: object = None     # (line index, class name)
    graph: list = field(default_factory=list)      # forward (name, type), Const left out
    owner: dict = field(default_factory=dict)      # graph op name -> node name
    static: dict = field(default_factory=dict)     # output -> (shape list or None, dtype)
    grad_error: dict = field(default_factory=dict)  # output -> class name
    run_error: object = None
    run_error_node: str = ""       # the node whose op failed, if the message names it
    values: dict = field(default_factory=dict)
    grads: dict = field(default_factory=dict)      # output -> list of arrays or None
    draws: dict = field(default_factory=dict)      # random output -> (draw, its gradient)


@dataclass
class Difference:
    kind: str
    node: str
    key: str
    detail: str

    def __str__(self):
        return f"[{self.kind}] {self.node} ({self.key}): {self.detail}"


def _cls(e):
    return type(e).__name__


def _shape(t):
    s = t.get_shape()
    return None if s.ndims is None else s.as_list()


def _failing_node(message, owner):
    """The node whose op (or whose op's gradient) an error message names, else ""."""
    m = re.search(r"node ([\w/.\-]+)", message)
    if not m:
        return ""
    name = m.group(1)
    g = re.match(r"gradients(?:_\d+)?/(.+?)_grad/", name)
    return owner.get(g.group(1) if g else name, "")


def observe(tf, prog):
    """Everything observable about `prog` in module `tf`."""
    obs = Observation()
    b = build(tf, prog)
    if b.error is not None:
        obs.build_error = (b.error[0], _cls(b.error[1]))
        return obs
    obs.graph = [(op.name, op.type) for op in b.graph.get_operations() if op.type != "Const"]
    obs.owner = b.owner
    outs = {n.name: b.env[n.name] for n in prog.outputs()
            if isinstance(b.env.get(n.name), tf.Tensor)}
    xs = [b.env[p.name] for p in prog.placeholders() if p.value.dtype.kind == "f"]
    grads, draws = {}, {}
    with b.graph.as_default():
        for name, t in outs.items():
            obs.static[name] = (_shape(t), t.dtype.name)
            if not t.dtype.is_floating or not xs:
                continue
            try:
                gs = tf.gradients(t, xs)
            except Exception as e:  # noqa: BLE001 - compared by class
                obs.grad_error[name] = _cls(e)
                continue
            # IndexedSlices (e.g. from gather) are compared dense
            grads[name] = [g if g is None or isinstance(g, tf.Tensor)
                           else tf.convert_to_tensor(g) for g in gs]
        for n in prog.outputs():
            t = outs.get(n.name)
            if n.kind == "random" and t is not None and t.dtype.is_floating:
                c = tf.ones_like(t)
                draws[n.name] = (t, tf.gradients(tf.reduce_sum(t * c), c)[0])
        init = tf.global_variables_initializer()
        fetch_g = {k: [g for g in v if g is not None] for k, v in grads.items()}
        try:
            with tf.Session(graph=b.graph) as s:
                s.run(init)
                vals, gvals, dvals = s.run((outs, fetch_g, draws), feed_dict(prog, b.env))
        except Exception as e:  # noqa: BLE001 - compared by class
            obs.run_error = _cls(e)
            obs.run_error_node = _failing_node(str(e), obs.owner)
            return obs
    obs.values = {k: np.asarray(v) for k, v in vals.items()}
    for k, gs in grads.items():
        it = iter(gvals[k])
        obs.grads[k] = [None if g is None else np.asarray(next(it)) for g in gs]
    obs.draws = {k: (np.asarray(a), np.asarray(b_)) for k, (a, b_) in dvals.items()}
    return obs


def _close(a, b, tol=None):
    """None if arrays agree (shape, dtype, values within the tolerance `tol`, else the
    dtype's); a message starting "nonfinite" if they differ only where one is inf/nan."""
    if a.shape != b.shape:
        return f"shape {b.shape} != TF {a.shape}"
    if a.dtype != b.dtype:
        return f"dtype {b.dtype} != TF {a.dtype}"
    if a.dtype.kind == "f":
        rtol, atol = tol or TOL.get(a.dtype.name, (1e-4, 1e-4))
        bad = ~np.isclose(b, a, rtol=rtol, atol=atol * 10, equal_nan=True)
        if bad.any() and not (np.isfinite(a[bad]).all() and np.isfinite(b[bad]).all()):
            return f"nonfinite values\n  FG {b.tolist()}\n  TF {a.tolist()}"
        scale = max(1.0, float(np.nanmax(np.abs(a[np.isfinite(a)]), initial=0)))
        if np.allclose(b, a, rtol=rtol, atol=atol * scale, equal_nan=True):
            return None
    elif np.array_equal(a, b):
        return None
    return f"values\n  FG {b.tolist()}\n  TF {a.tolist()}"


def compare(prog, tfo, fgo):
    """The differences between TF's observation `tfo` and flowgraph's `fgo`."""
    keys = {n.name: n.key for n in prog.nodes}
    # The loosest float tolerance of any value in the program: a float64 result computed
    # from float32 intermediates carries float32 rounding.
    tol = max((TOL[v.dtype.name] for v in list(tfo.values.values())
               + [n.value for n in prog.nodes if n.value is not None]
               if v.dtype.name in TOL), default=None)
    nondet = {n.name for n in prog.nodes if n.nondet}
    lines = prog.lines()
    out = []

    def diff(kind, node, detail):
        out.append(Difference(kind, node, keys.get(node, ""), detail))

    if tfo.build_error != fgo.build_error:
        errs = [e for e in (tfo.build_error, fgo.build_error) if e]
        line = lines[min(e[0] for e in errs)]
        diff("build_error", line.split(" = ")[0], f"FG {fgo.build_error} TF "
             f"{tfo.build_error} at: {line}")
        return out
    if tfo.build_error:
        return out
    tf_ops, fg_ops = set(tfo.graph), set(fgo.graph)
    for name, typ in sorted(tf_ops - fg_ops):
        diff("graph", tfo.owner.get(name, ""), f"TF op {name} ({typ}) missing in FG")
    for name, typ in sorted(fg_ops - tf_ops):
        diff("graph", fgo.owner.get(name, ""), f"FG op {name} ({typ}) not in TF")
    for k, want in tfo.static.items():
        got = fgo.static.get(k)
        if got != want:
            diff("dtype" if got and got[1] != want[1] else "shape", k,
                 f"static FG {got} TF {want}")
    for k in set(tfo.grad_error) | set(fgo.grad_error):
        if tfo.grad_error.get(k) != fgo.grad_error.get(k):
            diff("grad_error", k, f"FG {fgo.grad_error.get(k)} TF {tfo.grad_error.get(k)}")
    if tfo.run_error != fgo.run_error:
        diff("run_error", tfo.run_error_node or fgo.run_error_node,
             f"FG {fgo.run_error} TF {tfo.run_error}")
        return out
    for k, a in tfo.values.items():
        b = fgo.values.get(k)
        if b is None:
            continue
        if k in nondet:
            msg = None if (a.shape, a.dtype) == (b.shape, b.dtype) else \
                f"random output {b.shape} {b.dtype} != TF {a.shape} {a.dtype}"
        else:
            msg = _close(a, b, tol)
        if msg:
            diff("value_nonfinite" if msg.startswith("nonfinite") else "value", k, msg)
    for k, ga in tfo.grads.items():
        gb = fgo.grads.get(k)
        if gb is None:
            continue
        for i, (a, b) in enumerate(zip(ga, gb)):
            if (a is None) != (b is None):
                diff("grad_none", k, f"d/dx{i}: FG {'None' if b is None else 'a tensor'}")
                continue
            if a is None:
                continue
            msg = (None if a.shape == b.shape else f"shape {b.shape} != {a.shape}") \
                if k in nondet else _close(a, b, tol)
            if msg:
                diff("grad_nonfinite" if msg.startswith("nonfinite") else "grad", k,
                     f"d/d(placeholder {i}): {msg}")
    for k, (r, gr) in fgo.draws.items():
        if not np.array_equal(r, gr):
            diff("random_draw", k, "backward saw a different draw than forward")
    return out
