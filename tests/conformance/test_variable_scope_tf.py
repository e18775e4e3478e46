"""Variable scopes, get_variable, initializers and regularizers build the same graphs as
real TensorFlow (compat.v1, ref variables): op names, types, inputs, attrs, constant values,
variable names and collections, scope objects, error classes and messages."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402
from flowgraph import regularizers as fg_reg  # noqa: E402
from flowgraph.framework import registry  # noqa: E402

_ATTRS = ("seed", "seed2", "dtype", "T", "full_matrices", "keep_dims", "validate_shape",
          "align", "N")


@pytest.fixture(autouse=True)
def _tf_ref_variables():
    """TF's get_variable makes ref variables (as TF1 does) while this module runs."""
    tf1.disable_resource_variables()
    yield
    tf1.enable_resource_variables()


def _attr(op, k):
    try:
        v = op.get_attr(k)
    except (ValueError, KeyError, AttributeError, TypeError):
        return None
    if hasattr(v, "as_numpy_dtype"):
        return v.base_dtype.name if hasattr(v, "base_dtype") else v.name
    return v.decode() if isinstance(v, bytes) else v


def _const(op):
    v = op.get_attr("value")
    return np.asarray(v if isinstance(v, np.ndarray) else tf_real.make_ndarray(v))


def _describe(graph):
    ops = []
    for op in graph.get_operations():
        attrs = {k: a for k in _ATTRS if (a := _attr(op, k)) is not None}
        ops.append((op.name, op.type, [t.name for t in op.inputs], attrs))
    consts = {op.name: _const(op) for op in graph.get_operations() if op.type == "Const"}
    return ops, consts


def _vars(vs):
    return [(v.name, v.shape.as_list(), v.dtype.base_dtype.name) for v in vs]


def _both(program):
    """Runs `program(tf)` on a fresh graph of each framework; returns both descriptions."""
    out = []
    for tf, graph in ((tf1, tf1.Graph()), (fg, fg.Graph())):
        with graph.as_default():
            extra = program(tf)
            gv = _vars(tf.global_variables())
            tv = _vars(tf.trainable_variables())
            lv = _vars(tf.local_variables())
            reg = [t.name for t in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)]
        out.append((_describe(graph), gv, tv, lv, reg, extra))
    return out


def _assert_same(theirs, ours):
    (t_ops, t_consts), *t_rest = theirs
    (o_ops, o_consts), *o_rest = ours
    assert [o[:3] for o in o_ops] == [o[:3] for o in t_ops]  # names, types, inputs
    assert o_ops == t_ops  # and attrs
    assert o_consts.keys() == t_consts.keys()
    for k in t_consts:
        o, t = o_consts[k], t_consts[k]
        assert o.shape == t.shape, k
        if t.dtype.kind == "f":
            np.testing.assert_allclose(o, t, rtol=1e-6, err_msg=k)
        else:
            assert o.tolist() == t.tolist(), k
    assert o_rest == t_rest


# -- scopes and names ------------------------------------------------------------------------
def _scopes_program(tf):
    seen = []

    def note(scope):
        seen.append((scope.name, scope.original_name_scope, scope.reuse is True))

    with tf.variable_scope("foo") as foo:
        note(foo)
        tf.get_variable("a", [2, 3])
        x = tf.constant(1.0, name="x")
        with tf.variable_scope("bar") as bar:
            note(bar)
            tf.get_variable("b", [3], initializer=tf.zeros_initializer())
            tf.add(x, 1.0)
    with tf.variable_scope("foo", reuse=True) as again:
        note(again)
        tf.identity(tf.get_variable("a"))
    with tf.variable_scope("other"):
        with tf.variable_scope(foo) as reentered:
            note(reentered)
            tf.get_variable("c", [1], dtype=tf.int32)
            tf.multiply(x, 2.0)
            with tf.variable_scope("in") as inner:
                note(inner)
                tf.get_variable("d", [2, 2])
    with tf.name_scope("ns"):
        with tf.variable_scope("vs") as vs:
            note(vs)
            d = tf.get_variable("d", [], initializer=tf.constant_initializer(2.0))
            tf.square(d)
        tf.get_variable("e", [2], initializer=tf.ones_initializer())
    for _ in range(2):
        with tf.variable_scope(None, default_name="dense") as dense:
            note(dense)
            tf.get_variable("kernel", [3, 4])
            tf.get_variable("bias", [4], initializer=tf.zeros_initializer())
    with tf.variable_scope("blk"):
        with tf.variable_scope(None, default_name="dense") as dense:
            note(dense)
    with tf.variable_scope("blk"):
        with tf.variable_scope(None, default_name="dense") as dense:
            note(dense)
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE) as auto:
        tf.get_variable("v", [1])
        tf.get_variable("v", [1])
        with tf.variable_scope("sub") as sub:
            note(sub)
            tf.get_variable("w", [1])
    with tf.variable_scope(tf.get_variable_scope(), reuse=True) as root:
        note(root)
        tf.get_variable("e")
        tf.constant(0.0, name="in_root")
    with tf.variable_scope("s") as s:
        s.reuse_variables()
        note(tf.get_variable_scope())
    with tf.variable_scope(foo, auxiliary_name_scope=False) as quiet:
        note(quiet)
        tf.constant(0.0, name="quiet")
    with tf.name_scope("ns2"):
        with tf.variable_scope("fresh", auxiliary_name_scope=False) as fresh:
            note(fresh)
            tf.get_variable("f", [1])
            tf.constant(0.0, name="c")
    with tf.variable_scope("typed", dtype=tf.float64,
                           initializer=tf.constant_initializer(0.5)) as typed:
        note(typed)
        tf.get_variable("t", [2])
        with tf.variable_scope("deeper"):
            tf.get_variable("u", [1])
    with tf.variable_scope("locals"):
        tf.get_local_variable("l", [2])
        tf.get_variable("nt", [1], trainable=False)
    tf.get_variable("fromvalue", initializer=[[1, 2], [3, 4]])
    tf.get_variable("fromtensor", initializer=tf.constant([1.5, 2.5]))
    tf.get_variable("checked", initializer=np.float32(3.0), dtype=tf.float32)
    tf.get_variable("fromfn", initializer=lambda: tf.constant([1.0]))
    tf.get_variable("boolean", [2], dtype=tf.bool)
    with tf.variable_scope(None, default_name="Dense"):  # case-insensitive uniquifying
        tf.constant(1.0)
    note(auto)
    return seen


def test_scopes_and_names_match_tensorflow():
    theirs, ours = _both(_scopes_program)
    _assert_same(theirs, ours)


def _quirks_program(tf):
    """Corner cases where TF's behaviour is surprising; flowgraph follows it."""
    seen = []
    cm = tf.variable_scope("foo")
    for _ in range(2):  # re-entering one context manager: a new name scope each time
        with cm as s:
            tf.constant(1.0, name="a")
            tf.get_variable("v", [1], initializer=tf.zeros_initializer()) if not seen else None
            seen.append((s.name, s.original_name_scope))
    cm = tf.variable_scope(None, default_name="d")
    for _ in range(2):
        with cm as s:
            tf.constant(1.0, name="a")
            seen.append((s.name, s.original_name_scope))
    with tf.variable_scope("foo"):
        with tf.variable_scope("bar") as bar:
            pass
    with tf.variable_scope(bar) as b2:  # name scope: the last component only
        tf.constant(1.0, name="c")
        tf.get_variable("w", [1])
        seen.append((b2.name, b2.original_name_scope))
    with tf.variable_scope("x/y") as xy:
        tf.constant(1.0, name="c")
        tf.get_variable("w", [1])
        seen.append((xy.name, xy.original_name_scope))
    with tf.variable_scope(xy):
        tf.constant(1.0, name="c")
    with tf.variable_scope("") as e:
        tf.constant(1.0, name="c")
        tf.get_variable("w2", [1])
        seen.append((e.name, e.original_name_scope))
    with tf.variable_scope("foo"):
        with tf.variable_scope("") as e:  # TF names the variable foo//w2
            tf.constant(1.0, name="c")
            tf.get_variable("w2", [1])
            seen.append((e.name, e.original_name_scope))
    with tf.name_scope("n"):
        with tf.variable_scope(tf.get_variable_scope()) as r:
            tf.constant(1.0, name="c")
            seen.append((r.name, r.original_name_scope))
    c = tf.no_op(name="dep")
    with tf.control_dependencies([c]):  # variables are made outside control dependencies
        tf.get_variable("free", [2])
    seen.append([op.name for op in tf.get_default_graph().get_operations()
                 if op.control_inputs])
    return seen


def test_scope_quirks_match_tensorflow():
    theirs, ours = _both(_quirks_program)
    _assert_same(theirs, ours)


def _custom_getter_program(tf):
    names = []

    def rename(getter, name, *args, **kwargs):
        names.append(name)
        return getter(name + "_x", *args, **kwargs)

    def scale_init(getter, *args, **kwargs):
        kwargs["initializer"] = tf.constant_initializer(4.0)
        return getter(*args, **kwargs)

    with tf.variable_scope("a", custom_getter=rename):
        with tf.variable_scope("b", custom_getter=scale_init):
            tf.get_variable("v", [2])
    tf.get_variable("w", [1], custom_getter=rename)
    return names


def test_custom_getters_match_tensorflow():
    theirs, ours = _both(_custom_getter_program)
    _assert_same(theirs, ours)


# -- initializers ----------------------------------------------------------------------------
def _initializers_program(tf):
    tf.set_random_seed(11)
    inits = [
        ("zeros", [3, 4], tf.zeros_initializer()),
        ("zeros_big", [40, 30], tf.zeros_initializer()),
        ("ones", [2], tf.ones_initializer()),
        ("ones_big", [1000], tf.ones_initializer()),
        ("const", [2, 3], tf.constant_initializer([1, 2, 3, 4])),
        ("const_scalar", [2], tf.constant_initializer(-1.5)),
        ("normal", [2, 3], tf.random_normal_initializer(1.0, 2.0, seed=3)),
        ("trunc", [3, 2], tf.truncated_normal_initializer(stddev=0.1)),
        ("unif", [2, 3], tf.random_uniform_initializer(-1, 1)),
        ("unif01", [2], tf.random_uniform_initializer(0, 1)),
        ("unif03", [2], tf.random_uniform_initializer(0, 3)),
        ("unif_lo", [2], tf.random_uniform_initializer(2.0)),
        ("glorot_u", [4, 5], tf.glorot_uniform_initializer(seed=1)),
        ("glorot_n", [4, 5], tf.glorot_normal_initializer()),
        ("vs_default", [3, 3, 8, 16], tf.variance_scaling_initializer()),
        ("vs_out_unif", [3, 3, 8, 16], tf.variance_scaling_initializer(2.0, "fan_out",
                                                                       "uniform")),
        ("vs_avg_untr", [5, 7], tf.variance_scaling_initializer(0.5, "fan_avg",
                                                                "untruncated_normal")),
        ("vs_normal", [6], tf.variance_scaling_initializer(distribution="normal")),
        ("he_n", [4, 6], tf.initializers.he_normal()),
        ("he_u", [4, 6], tf.initializers.he_uniform(seed=2)),
        ("lecun_n", [4, 6], tf.initializers.lecun_normal()),
        ("lecun_u", [4, 6], tf.initializers.lecun_uniform()),
        ("uus", [4, 6], tf.uniform_unit_scaling_initializer(1.5)),
        ("ident_sq", [3, 3], tf.initializers.identity(2.0)),
        ("ident_wide", [2, 4], tf.initializers.identity()),
        ("scalar", [], tf.glorot_uniform_initializer()),
        ("f64", [2, 2], tf.initializers.random_normal(dtype=tf.float64)),
    ]
    for name, shape, init in inits:
        tf.get_variable(name, shape, initializer=init)
    with tf.variable_scope("i", dtype=tf.int64):
        tf.get_variable("int_ones", [3], initializer=tf.ones_initializer())
    # called directly, outside get_variable
    tf.glorot_uniform_initializer()([2, 3])
    tf.zeros_initializer()([2000])
    tf.constant_initializer(3)([2])
    tf.initializers.identity()([2, 2])
    return None


def test_initializer_graphs_match_tensorflow():
    theirs, ours = _both(_initializers_program)
    _assert_same(theirs, ours)


def _orthogonal_program(tf):
    tf.get_variable("orth_tall", [6, 4], initializer=tf.orthogonal_initializer())
    tf.get_variable("orth_wide", [4, 2, 6], initializer=tf.orthogonal_initializer(0.5, seed=4))
    tf.orthogonal_initializer(seed=1)([3, 3])


def test_orthogonal_graph_matches_tensorflow():
    if "Qr" not in registry.registered():
        pytest.skip("the Qr op (orthogonal_initializer) is not registered yet")
    theirs, ours = _both(_orthogonal_program)
    _assert_same(theirs, ours)


def test_deterministic_initial_values_match_tensorflow():
    def program(tf):
        return [tf.get_variable("z", [40, 30], initializer=tf.zeros_initializer()),
                tf.get_variable("c", [3, 2], initializer=tf.constant_initializer([[1, 2],
                                                                                   [3, 4]])),
                tf.get_variable("i", [2, 3], initializer=tf.initializers.identity(1.5)),
                tf.get_variable("j", [3, 3], initializer=tf.initializers.identity()),
                tf.get_variable("o", [5], dtype=tf.int32, initializer=tf.ones_initializer())]
    values = []
    for tf, g in ((tf1, tf1.Graph()), (fg, fg.Graph())):
        with g.as_default():
            vs = program(tf)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                values.append(s.run(vs))
    for t, o in zip(*values):
        assert o.dtype == t.dtype and o.shape == t.shape
        np.testing.assert_array_equal(o, t)


def test_direct_constant_initializer_values_match_tensorflow():
    cases = [(np.array([1.5, 2.5]), [2], "int32"), (np.array([1, 0]), [2], "bool"),
             ([True, False], [2], "int32"), (5, [0], "float32"), ([], [2], "float32"),
             (np.float64(2.5), [2], "int32"), ("a", [2], "string"),
             ([[1, 2], [3, 4]], [3, 2], "float64"), (7, [2, 2], "int64")]
    values = []
    for tf, g in ((tf1, tf1.Graph()), (fg, fg.Graph())):
        with g.as_default():
            ts = [tf.constant_initializer(v)(shape, dtype=tf.as_dtype(dt))
                  for v, shape, dt in cases]
            with tf.Session() as s:
                values.append(s.run(ts))
    for t, o in zip(*values):
        assert o.dtype == t.dtype and o.shape == t.shape
        assert o.tolist() == t.tolist()


# -- regularizers ----------------------------------------------------------------------------
def _tf_l2(scale):
    """TF1 contrib's l2_regularizer (contrib is gone from TF 2.x), for the TF side."""
    def l2(weights):
        with tf1.name_scope(None, "l2_regularizer", [weights]) as name:
            s = tf1.convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return tf1.multiply(s, tf1.nn.l2_loss(weights), name=name)
    return l2


def _tf_l1(scale):
    def l1(weights):
        with tf1.name_scope(None, "l1_regularizer", [weights]) as name:
            s = tf1.convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return tf1.multiply(s, tf1.reduce_sum(tf1.abs(weights)), name=name)
    return l1


def _regularized_program(tf):
    l1 = _tf_l1 if tf is tf1 else fg_reg.l1_regularizer
    l2 = _tf_l2 if tf is tf1 else fg_reg.l2_regularizer
    with tf.name_scope("outer"):
        with tf.variable_scope("vs", regularizer=l2(0.1)):
            tf.get_variable("w", [2, 3])
            tf.get_variable("w1", [2, 3], regularizer=l1(0.5))
            tf.get_variable("nb", [3], regularizer=tf.no_regularizer)
            with tf.variable_scope("inner"):
                tf.get_variable("k", [4])
    with tf.variable_scope("vs", reuse=True):
        tf.get_variable("w")
    return [(op.name, op.colocation_groups()) for op in tf.get_default_graph().get_operations()
            if "Regularizer" in op.name]


def test_regularizer_graphs_match_tensorflow():
    if "L2Loss" not in registry.registered():
        pytest.skip("the L2Loss op is not registered yet")
    theirs, ours = _both(_regularized_program)
    _assert_same(theirs, ours)  # including where the regularizer ops are colocated
    assert ours[-1]


# -- errors ----------------------------------------------------------------------------------
def _error_cases(tf):
    def exists():
        tf.get_variable("v", [2])
        tf.get_variable("v", [2])

    def missing():
        with tf.variable_scope("s", reuse=True):
            tf.get_variable("nope", [1])

    def shape_mismatch():
        tf.get_variable("m", [2, 3])
        with tf.variable_scope(tf.get_variable_scope(), reuse=True):
            tf.get_variable("m", [3])

    def dtype_mismatch():
        tf.get_variable("n", [2])
        with tf.variable_scope(tf.get_variable_scope(), reuse=True):
            tf.get_variable("n", [2], dtype=tf.int32)

    def enter(**kw):
        def f():
            with tf.variable_scope(**kw):
                pass
        return f

    return [
        exists, missing, shape_mismatch, dtype_mismatch,
        lambda: tf.get_variable("b"),
        lambda: tf.get_variable("c", [1], initializer=[1.0]),
        lambda: tf.get_variable("d", initializer=tf.constant(1), dtype=tf.float32),
        lambda: tf.get_variable("e", [None, 2]),
        lambda: tf.get_variable("f", [2], dtype=tf.complex64),
        lambda: tf.get_variable("g", [2], custom_getter=3),
        lambda: tf.get_variable("h", [2], dtype=tf.int32,
                                initializer=tf.constant_initializer(0.5)),
        lambda: tf.variable_scope(None),
        lambda: tf.variable_scope("x", reuse=1),
        lambda: tf.variable_scope("x", auxiliary_name_scope=1),
        enter(name_or_scope=3),
        enter(name_or_scope=None, default_name="q", reuse=True),
        lambda: tf.random_normal_initializer(dtype=tf.int32),
        lambda: tf.variance_scaling_initializer(scale=-1.0),
        lambda: tf.variance_scaling_initializer(mode="fan"),
        lambda: tf.variance_scaling_initializer(distribution="cauchy"),
        lambda: tf.orthogonal_initializer()([3]),
        lambda: tf.initializers.identity()([2, 2, 2]),
        lambda: tf.constant_initializer({}),
        lambda: tf.constant_initializer([1, 2, 3, 4])([3]),
        lambda: tf.constant_initializer([1, 2, 3, 4], verify_shape=True)([2, 2]),
    ]


def test_errors_match_tensorflow():
    results = []
    for tf, g in ((tf1, tf1.Graph()), (fg, fg.Graph())):
        out = []
        for case in _error_cases(tf):
            with g.as_default():
                try:
                    case()
                    out.append(None)
                except Exception as e:  # noqa: BLE001 - comparing the class and message
                    out.append((type(e).__name__, str(e).split(" Originally defined")[0]))
        results.append(out)
    theirs, ours = results
    for i, (t, o) in enumerate(zip(theirs, ours)):
        assert o == t, f"case {i}"
