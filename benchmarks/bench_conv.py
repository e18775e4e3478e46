"""Convolution formulations per shape class: each of `flowgraph.ops.conv_algorithms`'s
formulations (forced), numpy's einsum over a sliding-window view, and TF 2.21's kernel,
for the forward pass and both gradients; the formulation `choose` picks is marked.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_conv.py [--reps N] [--no-tf]

Times are medians of process CPU time (the machine may be shared), interleaved per
repetition. TF's column is `sess.run` of the one op on fed tensors minus the median of
`sess.run` of a no-op Identity of the same output size (its per-run overhead). This script
defines no `make_cases`: `benchmarks/run.py` does not pick it up."""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from flowgraph.ops import conv_algorithms as CA  # noqa: E402
from flowgraph.ops import nn_util as U  # noqa: E402

# (name, x NHWC, (kh, kw, co), stride, padding)
SHAPES = [
    ("lenet_conv1", (64, 28, 28, 1), (5, 5, 6), 1, "SAME"),
    ("lenet_conv2", (64, 14, 14, 6), (5, 5, 16), 1, "VALID"),
    ("cifar_first", (32, 32, 32, 3), (3, 3, 32), 1, "SAME"),
    ("mid_3x3", (32, 16, 16, 32), (3, 3, 64), 1, "SAME"),
    ("pointwise", (32, 16, 16, 64), (1, 1, 64), 1, "SAME"),
    ("strided", (32, 32, 32, 16), (3, 3, 32), 2, "SAME"),
    ("large_7x7", (16, 32, 32, 8), (7, 7, 8), 1, "SAME"),
    ("large_11x11", (8, 32, 32, 4), (11, 11, 8), 1, "SAME"),
]
KINDS = ("forward", "filter", "input")


def geometry(xs, ks, s, padding):
    n, h, w, c = xs
    st = [1, s, s, 1]
    (oh, pt, pb), (ow, pl, pr) = U.geometry(h, w, ks[0], ks[1], st, [1, 1, 1, 1], padding,
                                            [], "NHWC")
    return CA.Geometry(n, h, w, c, ks[0], ks[1], ks[2], oh, ow, s, s, 1, 1, (pt, pb, pl, pr))


def einsum_fns(g):
    """The einsum formulations (forward and filter gradient) over a sliding-window view."""
    def view(x):
        xpad = CA.pad_nhwc(np, x, g)
        v = np.lib.stride_tricks.sliding_window_view(xpad, (g.kh, g.kw), axis=(1, 2))
        return v[:, ::g.sh, ::g.sw][:, :g.oh, :g.ow]      # [n, oh, ow, c, kh, kw]
    return {"forward": lambda x, w, dy: np.einsum("nhwcij,ijco->nhwo", view(x), w,
                                                   optimize=True),
            "filter": lambda x, w, dy: np.einsum("nhwcij,nhwo->ijco", view(x), dy,
                                                  optimize=True)}


def tf_fns(g, x, w, dy):
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    graph = tf.Graph()
    with graph.as_default():
        xs, ws, ds = (tf.placeholder(tf.float32, a.shape) for a in (x, w, dy))
        st = [1, g.sh, g.sw, 1]
        pad = "SAME" if g.pads != (0, 0, 0, 0) else "VALID"
        ops = {"forward": tf.nn.conv2d(xs, ws, st, pad),
               "filter": tf.raw_ops.Conv2DBackpropFilter(input=xs, filter_sizes=w.shape,
                                                         out_backprop=ds, strides=st,
                                                         padding=pad),
               "input": tf.raw_ops.Conv2DBackpropInput(input_sizes=x.shape, filter=ws,
                                                       out_backprop=ds, strides=st,
                                                       padding=pad)}
        idle = tf.identity(ds)
    cfg = tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    sess = tf.Session(graph=graph, config=cfg)
    feed = {xs: x, ws: w, ds: dy}
    fns = {k: (lambda op=op: sess.run(op, feed)) for k, op in ops.items()}
    return fns, (lambda: sess.run(idle, feed))


def median_ms(fns, reps):
    """Interleaved medians (ms of process time) of each callable."""
    names = list(fns)
    inner = {}
    for k in names:
        fns[k]()
        t0 = time.process_time()
        fns[k]()
        inner[k] = max(1, int(0.01 / max(time.process_time() - t0, 1e-5)))
    s = {k: [] for k in names}
    for r in range(reps):
        for k in names[r % len(names):] + names[:r % len(names)]:
            t0 = time.process_time()
            for _ in range(inner[k]):
                fns[k]()
            s[k].append((time.process_time() - t0) / inner[k])
    return {k: float(np.median(v)) * 1e3 for k, v in s.items()}


def measure(reps, with_tf):
    rng = np.random.default_rng(0)
    rows = []
    for name, xs, ks, s, padding in SHAPES:
        g = geometry(xs, ks, s, padding)
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal((g.kh, g.kw, g.c, g.co)).astype(np.float32)
        dy = rng.standard_normal((g.n, g.oh, g.ow, g.co)).astype(np.float32)
        ein = einsum_fns(g)
        tfk, idle = tf_fns(g, x, w, dy) if with_tf else ({}, None)
        for kind in KINDS:
            fns = {}
            for algo in CA.FORMULATIONS:
                if not CA.eligible(algo, g, True):
                    continue
                if kind == "forward":
                    fns[algo] = lambda a=algo: CA.forward(np, x, w, g, a)
                elif kind == "filter":
                    fns[algo] = lambda a=algo: CA.backprop_filter(np, x, dy, g, a)
                else:
                    fns[algo] = lambda a=algo: CA.backprop_input(np, dy, w, g, a)
            if kind in ein:
                fns["einsum"] = lambda f=ein[kind]: f(x, w, dy)
            if kind in tfk:
                fns["tf"], fns["tf_idle"] = tfk[kind], idle
            t = median_ms(fns, reps)
            if "tf" in t:
                t["tf"] = max(t["tf"] - t.pop("tf_idle"), 0.0)
            rows.append((name, kind, CA.choose(kind, g), t))
            print(f"{name:12s} {kind:8s} chosen={rows[-1][2]:12s} " +
                  " ".join(f"{k}={v:.2f}" for k, v in t.items()), flush=True)
    return rows


def markdown(rows):
    cols = list(CA.FORMULATIONS) + ["einsum", "tf"]
    out = ["| shape class | pass | " + " | ".join(cols) + " | chosen |",
           "| --- | --- | " + " | ".join("---:" for _ in cols) + " | --- |"]
    for name, kind, chosen, t in rows:
        cells = []
        for c in cols:
            v = t.get(c)
            cell = "—" if v is None else f"{v:.2f}"
            if c == chosen and v is not None:
                cell = f"**{cell}**"
            cells.append(cell)
        out.append(f"| {name} | {kind} | " + " | ".join(cells) + f" | {chosen} |")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--no-tf", action="store_true")
    args = p.parse_args()
    print(markdown(measure(args.reps, not args.no_tf)))


if __name__ == "__main__":
    main()
