"""Shared pieces of the `tf.nn` op modules: attr normalization for builders, TF's output
size and padding arithmetic for shape rules and kernels, and the window-tap slices that
vectorize pooling kernels (convolutions' formulations live in `conv_algorithms`). No
Python loop runs over pixels or batch items."""
import numpy as np

from flowgraph.framework import dtypes, errors

FLOATS = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
REAL = FLOATS + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8,
                 dtypes.uint16, dtypes.uint32, dtypes.uint64)


def check_dtype(t, allowed, param):
    """TF's TypeError for a tensor whose dtype is not in `allowed`."""
    dt = t.dtype.base_dtype
    if dt not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(f"Value passed to parameter '{param}' has DataType {dt.name} not in "
                        f"list of allowed values: {names}")


def get_sequence(value, n, channel_index, name):
    """TF's `_get_sequence`: an int, or a list of length 1, n or n+2, as n+2 ints with
    1 at the batch and channel positions."""
    if value is None:
        value = 1
    if isinstance(value, (int, np.integer)):
        value = [int(value)]
    value = [int(v) for v in value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: "
                         f"{name}={value} of length {len(value)}")
    if channel_index == 1:
        return [1, 1] + value
    return [1] + value + [1]


def padding_attrs(padding, data_format="NHWC"):
    """(padding string, explicit_paddings list) from a builder's `padding` argument, which
    may be "SAME", "VALID" or a list of [before, after] pairs per dimension."""
    if isinstance(padding, (list, tuple)):
        pairs = [list(p) for p in padding]
        if len(pairs) != 4 or any(len(p) != 2 for p in pairs):
            raise ValueError(f"When padding is a list, it must have 4 [before, after] pairs; "
                             f"got {padding}")
        c = 1 if data_format.startswith("NC") else 3
        if pairs[0] != [0, 0] or pairs[c] != [0, 0]:
            raise ValueError(f'"padding" cannot be applied to the batch or channel dimensions:'
                             f" {padding}")
        return "EXPLICIT", [int(v) for p in pairs for v in p]
    if isinstance(padding, bytes):
        padding = padding.decode()
    padding = str(padding).upper()
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be \"SAME\", \"VALID\" or a list of pairs; got "
                         f"{padding!r}")
    return padding, []


def check_choice(op_type, attr, value, allowed):
    if isinstance(value, bytes):
        value = value.decode()
    if value not in allowed:
        opts = ", ".join(f'"{a}"' for a in allowed)
        raise ValueError(f"Attr '{attr}' of '{op_type}' Op passed string '{value}' not in: "
                         f"{opts}.")
    return value


def spatial(values, data_format):
    """The two spatial entries of a 4-element attr (strides, ksize, dilations)."""
    return (values[2], values[3]) if data_format == "NCHW" else (values[1], values[2])


def out_size(n, k, s, d, padding, pads=(0, 0)):
    """(output size, pad_before, pad_after) of one spatial dim, exactly as TF computes it.

    `n` may be None (unknown): then the size is None and the pads are None. Raises
    ValueError when VALID or EXPLICIT padding leaves a negative size."""
    eff = (k - 1) * d + 1
    if padding == "SAME":
        if n is None:
            return None, None, None
        out = -(-n // s)
        total = max((out - 1) * s + eff - n, 0)
        return out, total // 2, total - total // 2
    before, after = pads if padding == "EXPLICIT" else (0, 0)
    if n is None:
        return None, before, after
    span = n + before + after - eff
    if span < 0:
        raise ValueError(f"Negative dimension size caused by subtracting {eff} from "
                         f"{n + before + after}")
    return span // s + 1, before, after


def explicit_pairs(explicit_paddings, data_format):
    """The (before, after) pairs of the two spatial dims from TF's flat 8-int list."""
    if not explicit_paddings:
        return (0, 0), (0, 0)
    p = list(explicit_paddings)
    idx = (2, 3) if data_format == "NCHW" else (1, 2)
    return tuple(p[2 * idx[0]:2 * idx[0] + 2]), tuple(p[2 * idx[1]:2 * idx[1] + 2])


def geometry(h, w, kh, kw, strides, dilations, padding, explicit_paddings, data_format):
    """((oh, pad_top, pad_bottom), (ow, pad_left, pad_right)) for an image of h x w."""
    sh, sw = spatial(strides, data_format)
    dh, dw = spatial(dilations, data_format)
    ph, pw = explicit_pairs(explicit_paddings, data_format)
    return (out_size(h, kh, sh, dh, padding, ph), out_size(w, kw, sw, dw, padding, pw))


def check_4d_attr(op_type, name, values, data_format, allow_channel=False):
    """TF's build-time checks of a 4-element strides/ksize/dilations attr."""
    values = list(values)
    if len(values) != 4:
        raise ValueError(f"{op_type} requires the {name} attribute to contain 4 values, "
                         f"but got: {len(values)}")
    n, c = (0, 1) if data_format == "NCHW" else (0, 3)
    if values[n] != 1 or (values[c] != 1 and not allow_channel):
        raise ValueError(f"Current implementation does not yet support {name} in the batch "
                         f"and depth dimensions.")
    if any(v < 1 for v in values):
        raise ValueError(f"{op_type}: {name} must be positive, got {values}")
    return values


# -- kernels' helpers (xp-generic) -------------------------------------------------------------
def to_nhwc(xp, x, data_format):
    return x if data_format != "NCHW" else xp.transpose(x, (0, 2, 3, 1))


def from_nhwc(xp, x, data_format):
    return x if data_format != "NCHW" else xp.transpose(x, (0, 3, 1, 2))


def pad_nhwc(xp, x, pads, value=0):
    """`x` with (top, bottom, left, right) spatial padding; `x` itself when none."""
    t, b, l, r = pads
    if not (t or b or l or r):
        return x
    return xp.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def tap(x, i, j, oh, ow, sh, sw):
    """The NHWC slice that kernel tap (i, j) of a pooling window reads for every output."""
    return x[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]


def broadcast2(a, b):
    """numpy broadcasting of two equal-length dim lists with None for unknown."""
    out = []
    for i, j in zip(a, b):
        out.append(j if i == 1 else i if j == 1 else i if i is not None else j)
    return out


def invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def sizes_arg(v, what):
    """A kernel's 1-D int32 sizes input (input_sizes, filter_sizes) as a tuple of ints."""
    v = np.asarray(v.get() if hasattr(v, "get") else v).reshape(-1)
    if v.size != 4:
        raise invalid(f"{what} must be 4-dimensional, got {list(v)}")
    return tuple(int(d) for d in v)
