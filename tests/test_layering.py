"""Imports point one way: proto < framework < runtime, ops (siblings) < libraries < the
namespace. Every `import` of a flowgraph module, at top level or inside a function body,
is an edge; an edge against that order fails this test (no exceptions are listed)."""
import ast
import os

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "flowgraph")

# Layer of a module: the longest matching prefix wins. Runtime and ops share a rank but
# must not import each other. Package inits that assemble a public namespace from modules
# (flowgraph, flowgraph.nn, flowgraph.compat) rank as the namespace: library code imports
# the modules, not them.
LAYERS = {
    "flowgraph.proto": 0,
    "flowgraph.framework": 1, "flowgraph.version": 1,
    "flowgraph.tf_logging": 1, "flowgraph.gfile": 1,
    "flowgraph.runtime": 2, "flowgraph.ops": 2, "flowgraph.gradients": 2,
    "flowgraph": 3,  # every other subpackage or module: a library
    "flowgraph.__init__": 4, "flowgraph.nn.__init__": 4, "flowgraph.compat": 4,
    "flowgraph.io_namespace": 4,
}
# The two families of rank 2; tf.gradients builds gradient ops, so it is of the ops family.
FAMILY = {"flowgraph.runtime": "runtime", "flowgraph.ops": "ops", "flowgraph.gradients": "ops"}


def _modules():
    """{dotted module name: path}; a package is `pkg.__init__`."""
    out = {}
    for dp, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                p = os.path.join(dp, f)
                rel = os.path.relpath(p, os.path.dirname(ROOT))[:-3]
                out[rel.replace(os.sep, ".")] = p
    return out


def _layer(mod):
    best = max((k for k in LAYERS if mod == k or mod.startswith(k + ".")), key=len)
    return LAYERS[best], best


def _resolve(name, mods):
    """The module file an import of dotted `name` runs last: a module, or a package init."""
    if name in mods:
        return name
    if name + ".__init__" in mods:
        return name + ".__init__"
    return None


def _edges(mods):
    """(importer, imported module) for every flowgraph import statement."""
    edges = set()
    for mod, path in mods.items():
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                base = node.module
                for a in node.names:  # `from pkg import module` imports the module
                    sub = f"{base}.{a.name}"
                    targets.append(sub if _resolve(sub, mods) else base)
            for t in targets:
                if t.split(".")[0] == "flowgraph":
                    r = _resolve(t, mods)
                    if r and r != mod:
                        edges.add((mod, r))
    return edges


def violations():
    mods = _modules()
    bad = set()
    for src, dst in _edges(mods):
        (ls, ks), (ld, kd) = _layer(src), _layer(dst)
        sib = ks in FAMILY and kd in FAMILY and FAMILY[ks] != FAMILY[kd]
        if ld > ls or sib:
            bad.add(f"{src} -> {dst}")
    return bad


def test_imports_point_one_way():
    new = sorted(violations())
    assert not new, ("imports against the layer order (proto < framework < runtime, ops < "
                     "libraries < namespace; library code imports modules, not "
                     "flowgraph or flowgraph.nn):\n  " + "\n  ".join(new))


def test_the_checker_sees_function_body_imports(tmp_path):
    tree = ast.parse("def f():\n    import flowgraph\n")
    assert any(isinstance(n, ast.Import) for n in ast.walk(tree))
    assert _layer("flowgraph.ops.math_ops")[0] == 2
    assert _layer("flowgraph.__init__")[0] == 4 > _layer("flowgraph.layers.core")[0]
    assert _layer("flowgraph.framework.graph")[0] < _layer("flowgraph.runtime.session")[0]
