"""Prints the tensors of a V2 checkpoint, like TF's `inspect_checkpoint` tool.

    python -m flowgraph.tools.inspect_checkpoint --file_name=ckpt/model-7
        [--tensor_name=NAME] [--all_tensors] [--all_tensor_names]
"""
import argparse
import re
import sys

import numpy as np

from flowgraph.framework import errors
from flowgraph.train import checkpoint


def _count(reader, names, exclude):
    shapes = reader.get_variable_to_shape_map()
    pat = re.compile(exclude) if exclude else None
    return sum(int(np.prod(shapes[n], dtype=np.int64)) for n in names
               if not (pat and pat.search(n)))


def print_tensors_in_checkpoint_file(file_name, tensor_name, all_tensors,
                                     all_tensor_names=False, count_exclude_pattern="",
                                     out=None):
    """Prints the named tensor, all tensors (with values), all names, or a summary."""
    out = out or sys.stdout
    reader = checkpoint.NewCheckpointReader(file_name)
    shapes = reader.get_variable_to_shape_map()
    types = reader.get_variable_to_dtype_map()
    names = sorted(shapes)
    if all_tensors or all_tensor_names:
        for n in names:
            print(f"tensor: {n} ({types[n].name}) {shapes[n]}", file=out)
            if all_tensors:
                print(reader.get_tensor(n), file=out)
    elif not tensor_name:
        out.write(reader.debug_string().decode())
    else:
        if not reader.has_tensor(tensor_name):
            print(f"Tensor {tensor_name} not found in checkpoint", file=out)
            return
        print(f"tensor: {tensor_name} ({types[tensor_name].name}) {shapes[tensor_name]}",
              file=out)
        print(reader.get_tensor(tensor_name), file=out)
    print(f"# Total number of params: {_count(reader, names, count_exclude_pattern)}",
          file=out)


def main(argv=None):
    p = argparse.ArgumentParser(description="Inspect a V2 checkpoint.")
    p.add_argument("--file_name", required=True, help="checkpoint prefix")
    p.add_argument("--tensor_name", default="")
    p.add_argument("--all_tensors", action="store_true")
    p.add_argument("--all_tensor_names", action="store_true")
    p.add_argument("--count_exclude_pattern", default="")
    p.add_argument("--printoptions", nargs="*", default=[],
                   help="numpy print options, e.g. threshold=100000")
    a = p.parse_args(argv)
    opts = {}
    for kv in a.printoptions:
        k, _, v = kv.partition("=")
        opts[k] = int(v) if v.lstrip("-").isdigit() else v
    if opts:
        np.set_printoptions(**opts)
    try:
        print_tensors_in_checkpoint_file(a.file_name, a.tensor_name, a.all_tensors,
                                         a.all_tensor_names, a.count_exclude_pattern)
    except (errors.OpError, ValueError) as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
