"""The remapper (TF's): chains `MatMul -> bias add (-> activation)` become one fused op
(`_FusedMatMul`), whose kernel adds the bias and applies the activation in place on the
product. Which ops a fused op stands for comes from its OpDef's `fuses` recipe; a bias add
is `BiasAdd` (NHWC) or an `Add`/`AddV2` of a rank-1 tensor as long as the product's
rows. A chain is fused only when its inner results have no other reader (no other
consumer, fetch, feed or control edge), all its ops sit on one device, and the product
is not known to be tiny (fewer than MIN_ELEMENTS elements: there the plain ops are as
fast, and the plan keeps them)."""
from flowgraph.framework import dtypes, registry
from flowgraph.runtime.grappler.driver import Pass, register_pass

MIN_ELEMENTS = 1024
_DTYPES = (dtypes.float32, dtypes.float16, dtypes.bfloat16)  # TF's T for _FusedMatMul


_cache = {}


def _recipes():
    """(fused OpDef, its `fuses` recipe) for every registered fused op."""
    ops = registry.registered()
    if _cache.get("n") != len(ops):
        _cache["recipes"] = [(d, d.fuses) for d in ops.values() if d.fuses]
        _cache["n"] = len(ops)
    return _cache["recipes"]


class _Chains:
    """What one pass over a view needs: single readers and control-edge endpoints."""

    def __init__(self, view):
        self.view = view
        self.controlled = {c for n in view.nodes for c in n._control_inputs}

    def readers(self, t):
        return [u for u in self.view.consumers.get(t, ()) if u in self.view.nodes]

    def inner(self, node, reader):
        """Whether `node` is a plain op whose one output only `reader` reads."""
        v = self.view
        if node is None or node not in v.nodes or node._control_inputs or \
                node in self.controlled or len(node._outputs) != 1:
            return False
        out = node._outputs[0]
        return not (out in v.feeds or v.is_fetched(out)) and self.readers(out) == [reader]

    def plain(self, node):
        return node is not None and node in self.view.nodes and \
            not node._control_inputs and not any(t in self.view.feeds for t in node._outputs)


def _bias_of(node, product):
    """The bias tensor that `node` adds to `product` along its last axis, or None."""
    if node.type == "BiasAdd":
        ok = node._inputs[0] is product and node._attrs.get("data_format", "NHWC") in \
            ("NHWC", b"NHWC")
        return node._inputs[1] if ok else None
    x, y = node._inputs
    bias = y if x is product else x if y is product else None
    if bias is None or bias is product:
        return None
    cols = product.shape.as_list()[1] if product.shape.ndims == 2 else None
    b = bias.shape
    if b.ndims != 1 or cols is None or b.as_list()[0] != cols:
        return None
    return bias


def _big_enough(t):
    """Unless t's static shape says it is tiny (unknown dims count as large)."""
    if t.shape.ndims is None:
        return True
    n = 1
    for d in t.shape.as_list():
        if d is None:
            return True
        n *= d
    return n >= MIN_ELEMENTS


@register_pass
class Remapper(Pass):
    """Fuses MatMul + bias add (+ activation) chains into `_FusedMatMul`."""

    name = "remapper"
    toggle = "remapping"
    order = 90  # after folding and simplification have settled the graph

    def run(self, view):
        from flowgraph.runtime.grappler.view import Node
        rewrites = 0
        for fused_def, recipe in _recipes():
            chains = _Chains(view)
            for node in view.ordered():
                if node not in view.nodes or node.type not in recipe["contraction"]:
                    continue
                chain = self._match(view, chains, node, recipe)
                if chain is None:
                    continue
                mm, bias_node, bias, act = chain
                last = act or bias_node
                attrs = {"T": mm._attrs["T"], "num_args": 1,
                         "transpose_a": mm._attrs.get("transpose_a", False),
                         "transpose_b": mm._attrs.get("transpose_b", False),
                         "fused_ops": ["BiasAdd"] + ([act.type] if act else []),
                         "epsilon": 0.0001,
                         "leakyrelu_alpha": act._attrs.get("alpha", 0.2) if act else 0.2}
                fused = Node(last, op_def=fused_def, inputs=[mm._inputs[0], mm._inputs[1],
                                                             bias],
                             attrs=attrs, control_inputs=list(last._control_inputs))
                view.replace(last, fused)
                for gone in (mm, bias_node) if act else (mm,):
                    for t in gone._inputs:
                        users = view.consumers.get(t)
                        if users and gone in users:
                            users.remove(gone)
                    view.remove(gone, standing_for=fused)
                rewrites += 1
        return rewrites

    def _match(self, view, chains, mm, recipe):
        """(matmul, bias node, bias tensor, activation or None) of a fusable chain."""
        if not chains.plain(mm) or mm._outputs[0].dtype.base_dtype not in _DTYPES or \
                any(t.dtype.is_ref_dtype for t in mm._inputs):
            return None
        product = mm._outputs[0]
        readers = chains.readers(product)
        if len(readers) != 1:
            return None
        bias_node = readers[0]
        if bias_node.type not in recipe["bias"] or not chains.inner(mm, bias_node) or \
                bias_node.device != mm.device or not _big_enough(product):
            return None
        bias = _bias_of(bias_node, product)
        if bias is None or bias.dtype.base_dtype != product.dtype.base_dtype or \
                not chains.plain(bias_node) or bias_node in chains.controlled:
            return None
        out = bias_node._outputs[0]
        readers = chains.readers(out)
        act = readers[0] if len(readers) == 1 else None
        if act is not None and (act.type not in recipe["activations"] or
                                not chains.inner(bias_node, act) or act.device != mm.device
                                or not chains.plain(act) or act._inputs[0] is not out):
            act = None
        return mm, bias_node, bias, act
