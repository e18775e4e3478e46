"""The curated op table: each entry names one public builder both frameworks expose, as a
code template, and a picker that draws its inputs and attrs within their domains.

A picker gets the generator `g` (see generate.py) and returns the template's format
arguments: a list of input node names and a dict of attr source strings, or None when it
cannot apply. To add an op, add one `Op(...)` row.
"""
from dataclasses import dataclass

from .program import FLOATS, INTS

NUM = FLOATS + INTS


@dataclass
class Op:
    key: str
    template: str    # "{0}", "{1}": input names; "{axis}" etc.: attr sources
    pick: object     # g -> (args, attrs) or None


def unary(dtypes):
    def pick(g):
        return [g.operand(dtypes)], {}
    return pick


def binary(dtypes):
    """Two operands of one dtype whose shapes broadcast."""
    def pick(g):
        x = g.operand(dtypes)
        return [x, g.partner(x)], {}
    return pick


def reduction(dtypes):
    def pick(g):
        x = g.operand(dtypes, ranks=(1, 2, 3))
        return [x], {"axis": g.axes(x), "keepdims": repr(g.coin())}
    return pick


def _argmax(g):
    x = g.operand(NUM, ranks=(1, 2, 3))
    return [x], {"axis": repr(g.axis(x)), "ot": g.rng.choice(["tf.int32", "tf.int64"])}


def _cum(g):
    x = g.operand(NUM, ranks=(1, 2, 3))
    return [x], {"axis": repr(g.axis(x)), "ex": repr(g.coin()), "rev": repr(g.coin())}


def _reshape(g):
    x = g.operand(None, ranks=(1, 2, 3))
    n = int(g.size(x))
    divs = [d for d in range(1, n + 1) if n % d == 0]
    a = int(g.rng.choice(divs))
    shape = g.rng.choice([[-1], [a, -1], [-1, a], [a, n // a], [1, a, n // a], [n]])
    return [x], {"shape": repr([int(s) for s in shape])}


def _transpose(g):
    x = g.operand(None, ranks=(1, 2, 3, 4))
    if g.coin(0.2):
        return [x], {"perm": "None"}
    return [x], {"perm": repr([int(p) for p in g.rng.permutation(g.rank(x))])}


def _concat(g):
    x = g.operand(None, ranks=(1, 2, 3))
    ax = g.axis(x)
    shape = list(g.shape(x))
    shape[ax] = int(g.rng.integers(1, 4))
    return [x, g.leaf(shape, g.dtype(x))], {"axis": repr(ax)}


def _stack(g):
    x = g.operand(None, ranks=(0, 1, 2, 3))
    r = g.rank(x)
    return [x, g.same(x)], {"axis": repr(int(g.rng.integers(-r - 1, r + 1)))}


def _slice(g):
    x = g.operand(None, ranks=(1, 2, 3))
    begin, size = [], []
    for d in g.shape(x):
        b = int(g.rng.integers(0, d + 1))
        begin.append(b)
        size.append(-1 if g.coin(0.3) else int(g.rng.integers(0, d - b + 1)))
    return [x], {"begin": repr(begin), "size": repr(size)}


def _index(g, d):
    """One random Python index expression for a dimension of size d."""
    r = g.rng
    c = r.integers(0, 5)
    if c == 0 and d > 0:
        return str(int(r.integers(-d, d)))
    if c == 1:
        return ":"
    if c == 2:
        return "tf.newaxis"
    lo, hi = (int(r.integers(-d - 1, d + 2)) for _ in range(2))
    step = int(r.choice([1, 1, 2, -1, -2]))
    return f"{lo}:{hi}:{step}"


def _strided(g):
    x = g.operand(None, ranks=(1, 2, 3))
    parts = [_index(g, d) for d in g.shape(x)[: int(g.rng.integers(1, g.rank(x) + 1))]]
    if g.coin(0.2):
        parts.insert(int(g.rng.integers(0, len(parts) + 1)), "...")
    return [x], {"idx": ", ".join(parts)}


def _gather(g):
    x = g.operand(None, ranks=(1, 2, 3))
    ax = g.axis(x)
    d = g.shape(x)[ax]
    if d == 0:
        return None
    idx = g.leaf(g.small_shape(ranks=(0, 1, 2)), g.rng.choice(INTS), low=0, high=d)
    return [x, idx], {"axis": repr(ax)}


def _tile(g):
    x = g.operand(None, ranks=(1, 2, 3))
    return [x], {"m": repr([int(g.rng.integers(1, 3)) for _ in range(g.rank(x))])}


def _pad(g):
    x = g.operand(NUM, ranks=(1, 2, 3))
    mode = g.rng.choice(["CONSTANT", "REFLECT", "SYMMETRIC"])
    lim = {"CONSTANT": 3, "REFLECT": 0, "SYMMETRIC": 1}[mode]
    pads = [[int(g.rng.integers(0, max(1, d + lim) if mode != "CONSTANT" else 3))
             for _ in range(2)] for d in g.shape(x)]
    return [x], {"p": repr(pads), "mode": repr(mode)}


def _expand(g):
    x = g.operand(None, ranks=(0, 1, 2, 3))
    r = g.rank(x)
    return [x], {"axis": repr(int(g.rng.integers(-r - 1, r + 1)))}


def _squeeze(g):
    x = g.operand(None, ranks=(1, 2, 3))
    ones = [i for i, d in enumerate(g.shape(x)) if d == 1]
    if ones and g.coin():
        return [x], {"axis": repr([int(g.rng.choice(ones))])}
    return [x], {"axis": "None"}


def _matmul(g):
    x = g.operand(FLOATS + ("int32",), ranks=(2, 3))
    s = list(g.shape(x))
    ta, tb = g.coin(0.3), g.coin(0.3)
    k = s[-2] if ta else s[-1]
    n = int(g.rng.integers(1, 4))
    other = s[:-2] + ([n, k] if tb else [k, n])
    return [x, g.leaf(other, g.dtype(x))], {"ta": repr(ta), "tb": repr(tb)}


def _axis_last(dtypes):
    def pick(g):
        x = g.operand(dtypes, ranks=(1, 2, 3))
        return [x], {"axis": repr(int(g.rng.choice([-1, g.rank(x) - 1, 0])))}
    return pick


def _where(g):
    x = g.operand(NUM)
    c = g.leaf(g.shape(x), "bool")
    return [c, x, g.same(x)], {}


def _where_v2(g):
    x = g.operand(NUM)
    return [g.leaf(g.broadcastable(g.shape(x)), "bool"), x, g.partner(x)], {}


def _cast(g):
    x = g.operand(NUM + ("bool",))
    return [x], {"dt": "tf." + g.rng.choice(list(NUM) + ["bool"])}


def _one_hot(g):
    x = g.operand(INTS, ranks=(0, 1, 2))
    return [x], {"depth": repr(int(g.rng.integers(1, 5))), "axis": repr(-1 if g.coin()
                                                                       else 0)}


def _bias_add(g):
    x = g.operand(FLOATS, ranks=(2, 3))
    return [x, g.leaf([g.shape(x)[-1]], g.dtype(x))], {}


def _clip(g):
    x = g.operand(FLOATS)
    lo = round(float(g.rng.uniform(-1, 0)), 2)
    return [x], {"lo": repr(lo), "hi": repr(lo + round(float(g.rng.uniform(0, 2)), 2))}


def _leaky(g):
    return [g.operand(FLOATS)], {"alpha": repr(round(float(g.rng.uniform(0, 1)), 2))}


def _xent(g):
    x = g.operand(FLOATS)
    return [g.leaf(g.shape(x), g.dtype(x), low=0, high=1), x], {}


def _random(g):
    x = g.operand(None, ranks=(0, 1, 2))
    fn = g.rng.choice(["tf.random_normal", "tf.random_uniform", "tf.truncated_normal"])
    seed = "None" if g.coin(0.3) else repr(int(g.rng.integers(0, 100)))
    return [x], {"fn": fn, "seed": seed, "dt": "tf." + g.rng.choice(FLOATS)}


# Shape-preserving float bodies for tf.cond branches and tf.while_loop bodies ({v}: input).
BODIES = ("tf.tanh({v})", "{v} * 0.5", "tf.sin({v}) + {v}", "tf.nn.relu({v})",
          "tf.square({v}) * 0.1", "-{v}", "tf.sigmoid({v})", "tf.abs({v})")


def _cond(g):
    x = g.operand(FLOATS)
    a, b = g.rng.choice(BODIES, 2)
    return [g.leaf([], "bool"), x], {"a": a.format(v=x), "b": b.format(v=x)}


def _while(g):
    x = g.operand(FLOATS)
    body = g.rng.choice(BODIES).format(v="v")
    return [x], {"n": repr(int(g.rng.integers(0, 4))), "body": body}


def _assign_add(g):
    x = g.operand(FLOATS + ("int32",), ranks=(0, 1, 2))
    init = round(float(g.rng.uniform(-2, 2)), 2) if g.dtype(x) != "int32" else 3
    return [x], {"init": repr(init), "dt": "tf." + g.dtype(x),
                 "shape": repr(list(g.shape(x)))}


UNARY_F = ["abs", "negative", "square", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p",
           "tanh", "sigmoid", "sin", "cos", "atan", "sinh", "floor", "ceil", "round", "sign",
           "reciprocal", "erf", "nn.relu", "nn.relu6", "nn.elu", "nn.selu", "nn.softplus",
           "nn.softsign", "is_nan", "math.is_finite"]
UNARY_N = ["abs", "negative", "square", "sign"]
BINARY_F = ["add", "subtract", "multiply", "truediv", "maximum", "minimum",
            "squared_difference", "pow", "floordiv", "floormod", "math.divide_no_nan",
            "math.xdivy", "atan2"]
BINARY_N = ["add", "subtract", "multiply", "maximum", "minimum", "less", "greater_equal",
            "equal", "not_equal"]
OPERATORS = ["+", "-", "*", "/", "<", ">="]

TABLE = (
    [Op(f"unary:{f}", f"tf.{f}({{0}})", unary(FLOATS)) for f in UNARY_F]
    + [Op(f"unary_n:{f}", f"tf.{f}({{0}})", unary(NUM)) for f in UNARY_N]
    + [Op(f"binary:{f}", f"tf.{f}({{0}}, {{1}})", binary(FLOATS)) for f in BINARY_F]
    + [Op(f"binary_n:{f}", f"tf.{f}({{0}}, {{1}})", binary(NUM)) for f in BINARY_N]
    + [Op(f"operator:{o}", f"{{0}} {o} {{1}}", binary(FLOATS)) for o in OPERATORS]
    + [Op(f"reduce:{f}", f"tf.reduce_{f}({{0}}, axis={{axis}}, keepdims={{keepdims}})",
          reduction(NUM)) for f in ("sum", "max", "min", "prod", "mean")]
    + [Op("reduce:logsumexp", "tf.reduce_logsumexp({0}, axis={axis}, keepdims={keepdims})",
          reduction(FLOATS)),
       Op("logical_reduce:any", "tf.reduce_any({0} > 0, axis={axis}, keepdims={keepdims})",
          reduction(NUM)),
       Op("logical:and", "tf.logical_and({0} > 0, {1} < 1)", binary(NUM)),
       Op("argmax", "tf.argmax({0}, axis={axis}, output_type={ot})", _argmax),
       Op("argmin", "tf.argmin({0}, axis={axis}, output_type={ot})", _argmax),
       Op("cumsum", "tf.cumsum({0}, axis={axis}, exclusive={ex}, reverse={rev})", _cum),
       Op("cumprod", "tf.cumprod({0}, axis={axis}, exclusive={ex}, reverse={rev})", _cum),
       Op("reshape", "tf.reshape({0}, {shape})", _reshape),
       Op("transpose", "tf.transpose({0}, perm={perm})", _transpose),
       Op("concat", "tf.concat([{0}, {1}], axis={axis})", _concat),
       Op("stack", "tf.stack([{0}, {1}], axis={axis})", _stack),
       Op("slice", "tf.slice({0}, {begin}, {size})", _slice),
       Op("strided_slice", "{0}[{idx}]", _strided),
       Op("gather", "tf.gather({0}, {1}, axis={axis})", _gather),
       Op("tile", "tf.tile({0}, {m})", _tile),
       Op("pad", "tf.pad({0}, {p}, mode={mode})", _pad),
       Op("expand_dims", "tf.expand_dims({0}, {axis})", _expand),
       Op("squeeze", "tf.squeeze({0}, axis={axis})", _squeeze),
       Op("matmul", "tf.matmul({0}, {1}, transpose_a={ta}, transpose_b={tb})", _matmul),
       Op("softmax", "tf.nn.softmax({0}, axis={axis})", _axis_last(FLOATS)),
       Op("log_softmax", "tf.nn.log_softmax({0}, axis={axis})", _axis_last(FLOATS)),
       Op("l2_normalize", "tf.nn.l2_normalize({0}, axis={axis})", _axis_last(FLOATS)),
       Op("where", "tf.where({0}, {1}, {2})", _where),
       Op("where_v2", "tf.where_v2({0}, {1}, {2})", _where_v2),
       Op("cast", "tf.cast({0}, {dt})", _cast),
       Op("one_hot", "tf.one_hot({0}, {depth}, axis={axis})", _one_hot),
       Op("bias_add", "tf.nn.bias_add({0}, {1})", _bias_add),
       Op("clip_by_value", "tf.clip_by_value({0}, {lo}, {hi})", _clip),
       Op("leaky_relu", "tf.nn.leaky_relu({0}, alpha={alpha})", _leaky),
       Op("sigmoid_xent", "tf.nn.sigmoid_cross_entropy_with_logits(labels={0}, logits={1})",
          _xent),
       Op("shape", "tf.shape({0})", unary(None)),
       Op("cond", "tf.cond({0}, lambda: {a}, lambda: {b})", _cond),
       Op("while_loop", "tf.while_loop(lambda i, v: i < {n}, lambda i, v: (i + 1, {body}), "
          "[tf.constant(0), {0}])[1]", _while),
       Op("assign_add", "tf.assign_add(tf.Variable(tf.fill({shape}, tf.constant({init}, "
          "{dt}))), {0})", _assign_add),
       Op("random", "{fn}(tf.shape({0}), seed={seed}, dtype={dt})", _random)]
)

BY_KEY = {op.key: op for op in TABLE}
