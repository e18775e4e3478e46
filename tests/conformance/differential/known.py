"""Differences between flowgraph and TF that are accepted (TF quirks, or too big to fix
here), each with a one-line reason. A difference matches an entry by its kind and the op
table key of the node it is about; `skip=True` keeps the op out of generation entirely."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    kind: str        # a Difference kind ("value", "graph", ...) or "*"
    key: str         # an op table key, or "*"
    reason: str
    skip: bool = False
    where: str = "node"  # "node": the diff is about a `key` node; "any": the program has
    #                     one; "fed": the program feeds one (the effect spreads downstream)


KNOWN_DIFFERENCES = [
    Known("graph", "cond", "flowgraph builds cond as one If op (cond_v2), TF1 as Switch/Merge"),
    Known("graph", "while_loop", "flowgraph builds a While op (while_v2), TF1 Enter/Exit/..."),
    Known("graph", "softmax", "off the last axis TF transposes with perms computed in-graph "
          "(Rank/Range/ConcatV2), flowgraph with constant perms; values agree"),
    Known("graph", "log_softmax", "as softmax: TF computes the transpose perms in-graph"),
    Known("value_nonfinite", "*", "where inf/nan flow, TF kernels differ op by op in "
          "whether a nan survives (e.g. softmax of [x, nan] is [0, nan] in TF)"),
    Known("grad_nonfinite", "*", "TF's gradients mask with multiply (nan * 0 = nan) or "
          "select op by op (Relu/Sqrt/Rsqrt/Sign/Maximum/ClipByValue); flowgraph's differ"),
    Known("value", "argmax", "TF's ArgMax skips nan, numpy's (flowgraph's) picks the first nan",
          where="any"),
    Known("value", "argmin", "TF's ArgMin skips nan, numpy's (flowgraph's) picks the first nan",
          where="any"),
    Known("build_error", "log_softmax", "unknown rank, axis != -1: TF raises TypeError from "
          "its perm arithmetic, flowgraph a ValueError"),
    Known("build_error", "softmax", "unknown rank, axis != -1: as log_softmax"),
    Known("dtype", "while_loop", "TF1's while_loop keeps a ref loop variable's ref dtype (and "
          "then fails at run time); flowgraph reads it"),
    Known("run_error", "while_loop", "the ref loop variable quirk above, at run time"),
    Known("graph", "transpose", "perm=None on unknown rank: TF names its ops transpose/sub, "
          "transpose/Range; flowgraph transpose/Sub, transpose/range"),
    Known("shape", "transpose", "unknown-rank input with a constant perm: TF leaves the rank "
          "unknown, flowgraph takes it from perm"),
    Known("run_error", "pad", "MirrorPad's gradient on an empty input: TF's kernel rejects "
          "the paddings, flowgraph's returns an empty gradient"),
]


def known(diff, prog=None):
    """The KNOWN_DIFFERENCES entry that explains `diff` (seen in `prog`), or None."""
    keys = {n.key for n in prog.nodes} if prog else set()
    fed = {prog.node(f).key for f in prog.feeds} if prog else set()
    for k in KNOWN_DIFFERENCES:
        if k.kind not in ("*", diff.kind):
            continue
        if k.key in ("*", diff.key) or k.where == "any" and k.key in keys or \
                k.where == "fed" and k.key in fed:
            return k
    return None


def skipped_keys():
    return {k.key for k in KNOWN_DIFFERENCES if k.skip}
