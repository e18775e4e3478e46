"""Inspects and runs SavedModels, printing what TensorFlow's `saved_model_cli` prints.

    python -m flowgraph.tools.saved_model_cli show --dir D [--all | --tag_set T
        [--signature_def K] [--list_ops]]
    python -m flowgraph.tools.saved_model_cli run --dir D --tag_set serve
        --signature_def serving_default [--inputs 'x=f.npy;y=g.npz[arr]']
        [--input_exprs 'x=np.ones((2, 3))'] [--input_examples 'e=[{"a": [1.0]}]']
        [--outdir O [--overwrite]]
    python -m flowgraph.tools.saved_model_cli scan --dir D [--tag_set T] [--op_denylist L]

Differences from TF's tool, for safety: `--input_exprs` is read by a small evaluator of
literals and listed numpy calls (`flowgraph/tools/safe_expr.py`), never `eval`; `--inputs`
loads `.npy`/`.npz` files without pickles."""
import argparse
import os
import re
import sys

import numpy as np

from flowgraph import tf_logging
from flowgraph.framework.graph import Graph
from flowgraph.proto import example_pb2, types_pb2
from flowgraph.runtime.session import Session
from flowgraph.saved_model import loader
from flowgraph.tools import safe_expr

_OP_DENYLIST = {"WriteFile", "ReadFile", "PrintV2"}


def _tags(tag_set):
    tags = [t.strip() for t in tag_set.split(",") if t and t.strip()]
    if not tags:
        raise ValueError("tag_set must contain at least one non-empty item.")
    return tags


def read_saved_model(saved_model_dir):
    """The SavedModel proto of a directory (IOError with the messages of TF's tool)."""
    path = loader.saved_model_file(saved_model_dir)
    if path is None:
        raise IOError(f"SavedModel file does not exist at: {saved_model_dir}")
    try:
        return loader.read_saved_model_file(path)
    except ValueError as e:
        kind = "pbtxt" if path.endswith(".pbtxt") else "proto"
        raise IOError(f"Cannot parse {kind} file {path}: {e}.") from None


def get_meta_graph_def(saved_model_dir, tag_set):
    """The MetaGraphDef whose tags are the comma-separated `tag_set`."""
    sm = read_saved_model(saved_model_dir)
    want = {t for t in tag_set.split(",") if t}
    valid = []
    for meta in sm.meta_graphs:
        have = set(meta.meta_info_def.tags)
        if have == want:
            return meta
        valid.append(",".join(have))
    raise RuntimeError(f"MetaGraphDef associated with tag-set {tag_set} could not be found "
                       f"in the SavedModel. Please use one of the following tag-sets: "
                       f"{valid}")


def ops_used_by_graph_def(graph_def):
    """The op types a GraphDef uses (in its nodes and its functions' bodies)."""
    functions = {f.signature.name for f in graph_def.library.function}
    used = {n.op for n in graph_def.node}
    for f in graph_def.library.function:
        used.update(n.op for n in f.node_def)
    return sorted(used - functions)


# -- show ---------------------------------------------------------------------------------
def _print_tensor_info(info, indent, out):
    pad = "  " * indent
    try:
        dtype = types_pb2.DataType.Name(info.dtype)
    except ValueError:
        dtype = str(info.dtype)
    if info.tensor_shape.unknown_rank:
        shape = "unknown_rank"
    else:
        shape = "(" + ", ".join(str(d.size) for d in info.tensor_shape.dim) + ")"
    print(f"{pad}    dtype: {dtype}", file=out)
    print(f"{pad}    shape: {shape}", file=out)
    print(f"{pad}    name: {info.name}", file=out)


def _signature(meta, key):
    if key not in meta.signature_def:
        raise ValueError(f'Could not find signature "{key}". Please choose from: '
                         f'{", ".join(meta.signature_def.keys())}')
    return meta.signature_def[key]


def _show_inputs_outputs(meta, key, indent, out):
    sig = _signature(meta, key)
    pad = "  " * indent
    print(f"{pad}The given SavedModel SignatureDef contains the following input(s):", file=out)
    for k, info in sorted(sig.inputs.items()):
        print(f"{pad}  inputs['{k}'] tensor_info:", file=out)
        _print_tensor_info(info, indent + 1, out)
    print(f"{pad}The given SavedModel SignatureDef contains the following output(s):",
          file=out)
    for k, info in sorted(sig.outputs.items()):
        print(f"{pad}  outputs['{k}'] tensor_info:", file=out)
        _print_tensor_info(info, indent + 1, out)
    print(f"{pad}Method name is: {sig.method_name}", file=out)


def _show_ops(meta, out):
    print(f"The MetaGraph with tag set {list(meta.meta_info_def.tags)} contains the following "
          f"ops:", set(ops_used_by_graph_def(meta.graph_def)), file=out)


def show(args, out=None):
    """`show`: tag sets, a meta graph's signature keys, one signature, or everything."""
    out = out or sys.stdout
    if args.all:
        sm = read_saved_model(args.dir)
        for meta in sorted(sm.meta_graphs, key=lambda m: list(m.meta_info_def.tags)):
            tags = ", ".join(meta.meta_info_def.tags)
            print(f"\nMetaGraphDef with tag-set: '{tags}' contains the following "
                  "SignatureDefs:", file=out)
            for key in sorted(meta.signature_def):
                print(f"\nsignature_def['{key}']:", file=out)
                _show_inputs_outputs(meta, key, 1, out)
            _show_ops(meta, out)
        return
    if args.tag_set is None:
        if args.list_ops:
            print("--list_ops must be paired with a tag-set or with --all.", file=out)
        sm = read_saved_model(args.dir)
        print("The given SavedModel contains the following tag-sets:", file=out)
        for tags in sorted(list(m.meta_info_def.tags) for m in sm.meta_graphs):
            print(repr(", ".join(sorted(tags))), file=out)
        return
    meta = get_meta_graph_def(args.dir, ",".join(_tags(args.tag_set)))
    if args.list_ops:
        _show_ops(meta, out)
    if args.signature_def is None:
        print("The given SavedModel MetaGraphDef contains SignatureDefs with the following "
              "keys:", file=out)
        for key in sorted(meta.signature_def):
            print(f'SignatureDef key: "{key}"', file=out)
    else:
        _show_inputs_outputs(meta, args.signature_def, 0, out)


# -- run ----------------------------------------------------------------------------------
def preprocess_inputs_arg_string(inputs_str):
    """{input key: (file name, variable name or None)} of `--inputs`."""
    out = {}
    for raw in filter(bool, inputs_str.split(";")):
        m = re.match(r"([^=]+)=([^\[\]]+)\[([^\[\]]+)\]$", raw)
        if m:
            out[m.group(1)] = m.group(2), m.group(3)
            continue
        m = re.match(r"([^=]+)=([^\[\]]+)$", raw)
        if not m:
            raise RuntimeError(f'--inputs "{raw}" format is incorrect. Please follow'
                               '"<input_key>=<filename>", or'
                               '"<input_key>=<filename>[<variable_name>]"')
        out[m.group(1)] = m.group(2), None
    return out


def preprocess_input_exprs_arg_string(input_exprs_str):
    """{input key: value} of `--input_exprs` (safe_expr: literals and numpy calls)."""
    out = {}
    for raw in filter(bool, input_exprs_str.split(";")):
        if "=" not in raw:
            raise RuntimeError(f'--input_exprs "{input_exprs_str}" format is incorrect. '
                               'Please follow"<input_key>=<python expression>"')
        key, expr = raw.split("=", 1)
        try:
            out[key] = safe_expr.evaluate(expr)
        except ValueError as e:
            raise RuntimeError(f'Expression "{expr}" is not a valid python literal '
                               f"(or numpy expression): {e}") from None
    return out


def _example(features):
    ex = example_pb2.Example()
    for name, values in features.items():
        if not isinstance(values, list):
            raise ValueError(f'feature value must be a list, but {name}: "{values}" is '
                             f"{type(values)}")
        first = values[0] if values else None
        f = ex.features.feature[name]
        if isinstance(first, float):
            f.float_list.value.extend(values)
        elif isinstance(first, str):
            f.bytes_list.value.extend(v.encode("utf8") for v in values)
        elif isinstance(first, bytes):
            f.bytes_list.value.extend(values)
        elif isinstance(first, int):
            f.int64_list.value.extend(values)
        else:
            raise ValueError(f"Type {type(first)} for value {first} is not supported for "
                             "tf.train.Feature.")
    return ex.SerializeToString()


def preprocess_input_examples_arg_string(input_examples_str):
    """{input key: [serialized tf.Example]} of `--input_examples`."""
    out = preprocess_input_exprs_arg_string(input_examples_str)
    for key, examples in out.items():
        if not isinstance(examples, list):
            raise ValueError(f'tf.Example input must be a list of dictionaries, but '
                             f'"{examples}" is {type(examples)}')
        out[key] = [_example(e) for e in examples]
    return out


def _load_file(filename, variable_name):
    try:
        data = np.load(filename, allow_pickle=False)
    except ValueError as e:
        raise RuntimeError(f"Cannot load input file {filename}: {e} (pickle files are not "
                           "read: loading them runs code)") from None
    if isinstance(data, np.ndarray):
        if variable_name:
            tf_logging.warning(f'Input file {filename} contains a single ndarray. Name key '
                               f'"{variable_name}" ignored.')
        return data
    if variable_name:
        if variable_name not in data.files:
            raise RuntimeError(f'Input file {filename} does not contain variable with name '
                               f'"{variable_name}".')
        return data[variable_name]
    if len(data.files) != 1:
        raise RuntimeError(f"Input file {filename} contains more than one ndarrays. Please "
                           "specify the name of ndarray to use.")
    return data[data.files[0]]


def load_inputs_from_input_arg_string(inputs_str, input_exprs_str, input_examples_str):
    """{input key: value} from the three input flags (later flags win)."""
    feeds = {k: _load_file(f, v) for k, (f, v) in
             preprocess_inputs_arg_string(inputs_str).items()}
    for key, value in preprocess_input_exprs_arg_string(input_exprs_str).items():
        if key in feeds:
            tf_logging.warning(f"input_key {key} has been specified with both --inputs and "
                               "--input_exprs options. Value in --input_exprs will be used.")
        feeds[key] = value
    for key, value in preprocess_input_examples_arg_string(input_examples_str).items():
        if key in feeds:
            tf_logging.warning(f"input_key {key} has been specified in multiple options. "
                               "Value in --input_examples will be used.")
        feeds[key] = value
    return feeds


def run_saved_model_with_feed_dict(saved_model_dir, tag_set, signature_def_key, feeds,
                                   outdir=None, overwrite_flag=False, out=None):
    """Loads the meta graph of `tag_set`, runs every output of the signature and prints
    each (saving `<key>.npy` files under `outdir` if given)."""
    out = out or sys.stdout
    tags = _tags(tag_set)
    meta = get_meta_graph_def(saved_model_dir, ",".join(tags))
    sig = _signature(meta, signature_def_key)
    for key in feeds:
        if key not in sig.inputs:
            raise ValueError(f'"{key}" is not a valid input key. Please choose from "'
                             + '", "'.join(sig.inputs.keys()) + '", or use --show option.')
    feed_dict = {sig.inputs[k].name: v for k, v in feeds.items()}
    keys = sorted(sig.outputs)
    with Session(graph=Graph()) as sess:
        loader.load(sess, tags, saved_model_dir)
        outputs = sess.run([sig.outputs[k].name for k in keys], feed_dict=feed_dict)
    for key, value in zip(keys, outputs):
        print(f"Result for output key {key}:\n{value}", file=out)
        if outdir:
            os.makedirs(outdir, exist_ok=True)
            path = os.path.join(outdir, key + ".npy")
            if not overwrite_flag and os.path.exists(path):
                raise RuntimeError(f'Output file {path} already exists. Add "--overwrite" to '
                                   "overwrite the existing output files.")
            np.save(path, value)
            print(f"Output {key} is saved to {path}", file=out)


def run(args, out=None):
    """`run`: feeds the inputs to a signature and prints its outputs."""
    out = out or sys.stdout
    if not (args.inputs or args.input_exprs or args.input_examples):
        raise AttributeError("At least one of --inputs, --input_exprs or --input_examples "
                             "must be required")
    feeds = load_inputs_from_input_arg_string(args.inputs, args.input_exprs,
                                              args.input_examples)
    run_saved_model_with_feed_dict(args.dir, args.tag_set, args.signature_def, feeds,
                                   args.outdir, args.overwrite, out=out)


# -- scan ---------------------------------------------------------------------------------
def scan_meta_graph_def(meta, denylist, out=None):
    """Reports the ops of `denylist` that the meta graph uses."""
    out = out or sys.stdout
    found = denylist & set(ops_used_by_graph_def(meta.graph_def))
    tags = list(meta.meta_info_def.tags)
    if found:
        print(f"MetaGraph with tag set {tags} contains the following denylisted ops:", found,
              file=out)
    else:
        print(f"MetaGraph with tag set {tags} does not contain the default denylisted ops:",
              denylist, file=out)


def scan(args, out=None):
    """`scan`: looks for denylisted ops (default WriteFile, ReadFile, PrintV2)."""
    out = out or sys.stdout
    denylist = _OP_DENYLIST if not args.op_denylist else \
        {o.strip() for o in args.op_denylist.split(",") if o.strip()}
    if args.tag_set:
        metas = [get_meta_graph_def(args.dir, ",".join(_tags(args.tag_set)))]
    else:
        metas = read_saved_model(args.dir).meta_graphs
    for meta in metas:
        scan_meta_graph_def(meta, denylist, out)


def create_parser():
    p = argparse.ArgumentParser(
        prog="saved_model_cli",
        description="saved_model_cli: Command-line interface for SavedModel")
    sub = p.add_subparsers(title="commands", description="valid commands",
                           help="additional help", dest="command")
    s = sub.add_parser("show", help="Show information in a SavedModel")
    s.add_argument("--dir", required=True, help="Directory containing the SavedModel.")
    s.add_argument("--all", action="store_true",
                   help="If set, outputs all available information in the given SavedModel.")
    s.add_argument("--tag_set", default=None, help="Comma-separated set of tags.")
    s.add_argument("--signature_def", default=None, help="A SignatureDef key.")
    s.add_argument("--list_ops", action="store_true",
                   help="If set, will output ops used by a MetaGraphDef.")
    s.set_defaults(func=show)
    r = sub.add_parser("run", help="Run a SavedModel signature with the given inputs")
    r.add_argument("--dir", required=True, help="Directory containing the SavedModel.")
    r.add_argument("--tag_set", required=True, help="Comma-separated set of tags.")
    r.add_argument("--signature_def", required=True, help="A SignatureDef key.")
    r.add_argument("--inputs", default="",
                   help="'<input_key>=<filename>' or '<input_key>=<filename>[<variable>]', "
                        "separated by ';' (.npy or .npz files).")
    r.add_argument("--input_exprs", default="",
                   help="'<input_key>=<expression>' separated by ';': Python literals and "
                        "numpy calls such as np.ones((2, 3)).")
    r.add_argument("--input_examples", default="",
                   help="'<input_key>=[{feature0:value_list,feature1:value_list}]'.")
    r.add_argument("--outdir", default=None,
                   help="If specified, writes the outputs as .npy files there.")
    r.add_argument("--overwrite", action="store_true",
                   help="If set, overwrites output files that exist.")
    r.set_defaults(func=run)
    c = sub.add_parser("scan", help="Scan a SavedModel for denylisted ops")
    c.add_argument("--dir", required=True, help="Directory containing the SavedModel.")
    c.add_argument("--tag_set", default=None, help="Comma-separated set of tags.")
    c.add_argument("--op_denylist", default=None,
                   help="Comma-separated ops to report (default WriteFile,ReadFile,PrintV2).")
    c.set_defaults(func=scan)
    return p


def main(argv=None):
    parser = create_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("Too few arguments.")
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
