"""`print_summary` (what `model.summary()` prints, in Keras's table format) and
`count_params`."""
import numpy as np

__all__ = ["print_summary", "count_params"]


def count_params(weights):
    """The number of scalars in `weights` (each counted once)."""
    unique = {id(w): w for w in weights}.values()
    return int(sum(int(np.prod(w.shape.as_list())) for w in unique))


def _memory_size(weights):
    unique = {id(w): w for w in weights}.values()
    total = 0
    for w in unique:
        dims = w.shape.as_list()
        if None not in dims:
            total += int(np.prod(dims)) * w.dtype.size
    return total


def readable_memory_size(size):
    for unit in ["Byte", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _is_sequential_like(model):
    if type(model).__name__ == "Sequential" or not getattr(model, "_is_graph_network", False):
        return True
    nodes = []
    for v in model._nodes_by_depth.values():
        if len(v) > 1 or (len(v) == 1 and len(v[0].iterate_inbound()) > 1):
            return False
        nodes += v
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if n in nodes) > 1:
            return False
    return True


def _print_row(fields, positions, print_fn):
    left = [str(x) for x in fields]
    while any(left):
        line = ""
        for col in range(len(left)):
            start = positions[col - 1] if col > 0 else 0
            end = positions[col]
            space = 2 if col != len(positions) - 1 else 0
            cutoff = end - start - space
            if col != len(positions) - 1:
                cutoff -= 1
            fit = left[col][:cutoff]
            # Break long lists after a closing bracket or quote and a comma.
            cands = [fit.find(x) + len(x) for x in ("),", "},", "],", "',") if fit.find(x) >= 0]
            if cands:
                cutoff = min(cands)
                fit = fit[:cutoff]
            if col == 0:
                line += " "
            line += fit + (" " * space if space else "")
            left[col] = left[col][cutoff:]
            line += " " * (positions[col] - len(line))
        print_fn(line)


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False, layer_range=None):
    """Prints `model`'s layers, output shapes and parameter counts as Keras does."""
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        to_display = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.3, 0.6, 0.70, 1.0]
        to_display = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        relevant = [n for v in model._nodes_by_depth.values() for n in v]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        to_display.append("Trainable")
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    _print_row(to_display, positions, print_fn)
    print_fn("=" * line_length)
    layers = model.layers
    for layer in layers:
        try:
            output_shape = layer.output_shape
        except AttributeError:
            output_shape = "multiple"
        name = f"{layer.name} ({type(layer).__name__})"
        if not layer.built and not getattr(layer, "_is_graph_network", False):
            params = "0 (unused)"
        else:
            params = layer.count_params()
        fields = [name, output_shape, params]
        if not sequential_like:
            conns = []
            for node in layer._inbound_nodes:
                if relevant and node not in relevant:
                    continue
                for inbound, node_index, tensor_index, _ in node.iterate_inbound():
                    conns.append(f"{inbound.name}[{node_index}][{tensor_index}]")
            fields.append(conns)
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        _print_row(fields, positions, print_fn)
        print_fn(" " * line_length)
    print_fn("=" * line_length)
    trainable = getattr(model, "_collected_trainable_weights", None)
    trainable = model.trainable_weights if trainable is None else trainable
    t_count, t_mem = count_params(trainable), _memory_size(trainable)
    n_count = count_params(model.non_trainable_weights)
    n_mem = _memory_size(model.non_trainable_weights)
    print_fn(f"Total params: {t_count + n_count} ({readable_memory_size(t_mem + n_mem)})")
    print_fn(f"Trainable params: {t_count} ({readable_memory_size(t_mem)})")
    print_fn(f"Non-trainable params: {n_count} ({readable_memory_size(n_mem)})")
    print_fn("_" * line_length)
