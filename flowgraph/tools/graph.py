"""Draws a saved graph with Graphviz (through `flowgraph.viz`).

    python -m flowgraph.tools.graph model.pb|model.pbtxt|model.meta [-o model.svg]
        [--collapse [DEPTH]]

Reads a binary or text GraphDef, or a MetaGraphDef (`.meta`, from flowgraph or TF).
Without `-o` it prints the DOT source; with `-o` it renders (the format is the file's
extension: svg, png, pdf...), which needs Graphviz's `dot` program.
"""
import argparse
import os
import sys

from google.protobuf import text_format
from google.protobuf.message import DecodeError

from flowgraph.proto import graph_pb2, meta_graph_pb2


def load_graph_def(path):
    """The GraphDef in `path`: a GraphDef or MetaGraphDef, binary or text."""
    with open(path, "rb") as f:
        data = f.read()
    for cls in ((meta_graph_pb2.MetaGraphDef, graph_pb2.GraphDef)
                if path.endswith(".meta") else (graph_pb2.GraphDef, meta_graph_pb2.MetaGraphDef)):
        msg = cls()
        try:
            msg.ParseFromString(data)
        except (DecodeError, RuntimeError, ValueError):
            try:
                text_format.Parse(data.decode(), msg)
            except (UnicodeDecodeError, text_format.ParseError):
                continue
        gd = msg.graph_def if isinstance(msg, meta_graph_pb2.MetaGraphDef) else msg
        if len(gd.node):
            return gd
    raise ValueError(f"{path} holds no GraphDef or MetaGraphDef with nodes")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path", help="GraphDef (.pb/.pbtxt) or MetaGraphDef (.meta) file")
    p.add_argument("-o", "--output", help="render to this file (needs Graphviz's dot)")
    p.add_argument("--collapse", nargs="?", type=int, const=1, default=0,
                   help="draw name scopes down to this depth as single boxes")
    a = p.parse_args(argv)
    from flowgraph import viz
    try:
        gd = load_graph_def(a.path)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    collapse = a.collapse if a.collapse else False
    if not a.output:
        print(viz.to_dot(gd, collapse_scopes=collapse).source)
        return 0
    fmt = os.path.splitext(a.output)[1].lstrip(".") or "svg"
    try:
        out = viz.render(gd, a.output, format=fmt, collapse_scopes=collapse)
    except viz.GraphvizNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(out or a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
