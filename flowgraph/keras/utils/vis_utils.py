"""`plot_model` / `model_to_dot`: a Keras model's layer graph drawn through Graphviz.

Nodes are records labelled as Keras labels them (`name|ClassName`, with
`{input:|output:}` shapes when asked); edges follow the layers' inbound nodes. The
graph is a `graphviz.Digraph` (Keras returns a `pydot.Dot`); `plot_model` writes a
`.dot` file with no Graphviz program, other formats need Graphviz's `dot`."""

import os
import shutil

try:
    import graphviz
except ImportError:  # pragma: no cover - optional
    graphviz = None

from flowgraph.framework import nest

__all__ = ["model_to_dot", "plot_model"]

_INSTALL = ("You must install the `graphviz` Python package (`pip install graphviz`) and "
            "install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
            "for plot_model to work.")


def _check_built(model):
    if not getattr(model, "built", False):
        raise ValueError("This model has not yet been built. Build the model first by "
                         "calling `build()` or by calling the model on a batch of data.")


def _graph_layers(model):
    if getattr(model, "_is_graph_network", False) and hasattr(model, "_layers"):
        return list(model._layers)  # a built Sequential's too, with its InputLayer
    return list(model.layers)


def _format_shape(shape):
    return str(shape).replace("{", "\\{").replace("}", "\\}")


def _shape_attr(layer, attr):
    try:
        return _format_shape(getattr(layer, attr))
    except (AttributeError, RuntimeError, ValueError):
        return "?"


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    name, cls = layer.name, type(layer).__name__
    inner = getattr(layer, "layer", None)
    if inner is not None and hasattr(inner, "name"):  # a Wrapper
        name, cls = "%s(%s)" % (name, inner.name), "%s(%s)" % (cls, type(inner).__name__)
    label = cls
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        act = getattr(activation, "name", None) or getattr(activation, "__name__", None) \
            or str(activation)
        label = "{%s|%s}" % (label, act)
    if show_layer_names:
        label = "%s|%s" % (name, label)
    if show_dtype:
        dtype = getattr(layer, "dtype", None)
        label = "%s|%s" % (label, "?" if dtype is None else str(dtype))
    if show_shapes:
        label = "{%s}|{input:|output:}|{{%s}|{%s}}" % (
            label, _shape_attr(layer, "input_shape"), _shape_attr(layer, "output_shape"))
    if show_trainable:
        label = "%s|%s" % ("T" if layer.trainable else "NT", label)
    return label


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=96, subgraph=False,
                 layer_range=None, show_layer_activations=False, show_trainable=False):
    """The model's layer graph as a `graphviz.Digraph` (nested models are one node)."""
    _check_built(model)
    if graphviz is None:
        raise ImportError("You must install the `graphviz` Python package (`pip install "
                          "graphviz`) for model_to_dot to work.")
    layers = _graph_layers(model)
    if layer_range is not None:
        if len(layer_range) != 2:
            raise ValueError("layer_range must be of shape (2,). Received: layer_range = "
                             "%s of length %d" % (layer_range, len(layer_range)))
        if not all(isinstance(n, str) for n in layer_range):
            raise ValueError("layer_range should contain string type only. Received: %s"
                             % (layer_range,))
        names = [l.name for l in layers]
        bounds = []
        for pattern in layer_range:
            hits = [i for i, n in enumerate(names) if pattern in n]
            if not hits:
                raise ValueError("Passed layer_names do not match the layer names in the "
                                 "model. Received: %s" % (layer_range,))
            bounds.append(hits[0])
        layer_range = (bounds[0], bounds[1] + 1)
    attrs = {"rankdir": rankdir, "concentrate": "true", "dpi": str(dpi)}
    if subgraph:
        dot = graphviz.Digraph(name="cluster_" + model.name,
                               graph_attr={"style": "dashed", "label": model.name,
                                           "labeljust": "l"})
    else:
        dot = graphviz.Digraph(name=model.name, graph_attr=attrs,
                               node_attr={"shape": "record"})
    if not getattr(model, "_is_graph_network", False):
        dot.node(str(id(model)), label=model.name)
        return dot
    drawn = set()
    for i, layer in enumerate(layers):
        if layer_range and not layer_range[0] <= i < layer_range[1]:
            continue
        dot.node(str(id(layer)), label=_label(layer, show_shapes, show_dtype,
                                               show_layer_names, show_layer_activations,
                                               show_trainable))
        drawn.add(id(layer))
    network_nodes = getattr(model, "_network_nodes", None)
    edges = set()
    for layer in layers:
        if id(layer) not in drawn:
            continue
        for k, node in enumerate(layer._inbound_nodes):
            if network_nodes is not None and id(node) not in network_nodes and \
                    "%s_ib-%d" % (layer.name, k) not in network_nodes:
                continue  # a call of the layer outside this model
            for inbound in nest.flatten(node.inbound_layers):
                edge = (str(id(inbound)), str(id(layer)))
                if inbound is not None and id(inbound) in drawn and edge not in edges:
                    edges.add(edge)
                    dot.edge(*edge)
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               layer_range=None, show_layer_activations=False, show_trainable=False):
    """Draws the model into `to_file`; the extension picks the format ('png' when none;
    '.dot' is written without Graphviz's program). Returns None."""
    _check_built(model)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    if graphviz is None or (extension != "dot" and shutil.which("dot") is None):
        raise ImportError(_INSTALL)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi, layer_range=layer_range,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    folder = os.path.dirname(to_file)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if extension == "dot":
        with open(to_file, "w") as f:
            f.write(dot.source)
        return None
    with open(to_file, "wb") as f:
        f.write(dot.pipe(format=extension))
    return None
