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
    Known("value", "argmax", "TF's ArgMax skips nan, numpy's (flowgraph's) picks the first nan"),
    Known("value", "argmin", "TF's ArgMin skips nan, numpy's (flowgraph's) picks the first nan"),
    Known("build_error", "log_softmax", "unknown rank, axis != -1: TF raises TypeError from "
          "its perm arithmetic, flowgraph a ValueError"),
    Known("build_error", "softmax", "unknown rank, axis != -1: as log_softmax"),
    Known("value", "cond", "BUG, not fixed: once tf.gradients is built through a cond, a "
          "feed of the cond's output is ignored (the If recomputes it)"),
    Known("grad", "cond", "the same bug: the gradient sees the recomputed, not the fed value"),
    Known("value", "while_loop", "BUG, not fixed: as cond, a fed While output is ignored once "
          "its gradient is built"),
    Known("grad", "while_loop", "the same While feed bug, seen in the gradient"),
    Known("grad_error", "gather", "BUG, not fixed: Gather's gradient raises "
          "NotImplementedError when params or indices have unknown rank"),
    Known("graph", "transpose", "perm=None on unknown rank: TF names its ops transpose/sub, "
          "transpose/Range; flowgraph transpose/Sub, transpose/range"),
    Known("shape", "transpose", "unknown-rank input with a constant perm: TF leaves the rank "
          "unknown, flowgraph takes it from perm"),
    Known("run_error", "pad", "MirrorPad's gradient on an empty input: TF's kernel rejects "
          "the paddings, flowgraph's returns an empty gradient"),
    Known("build_error", "binary:math.xdivy", "tf.math.xdivy (Xdivy) is not in flowgraph yet",
          skip=True),
    Known("build_error", "binary:atan2", "tf.atan2 (Atan2) is not in flowgraph yet", skip=True),
]


def known(diff):
    """The KNOWN_DIFFERENCES entry that explains `diff`, or None."""
    for k in KNOWN_DIFFERENCES:
        if k.kind in ("*", diff.kind) and k.key in ("*", diff.key):
            return k
    return None


def skipped_keys():
    return {k.key for k in KNOWN_DIFFERENCES if k.skip}
