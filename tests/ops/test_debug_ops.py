"""tf.Assert, tf.Print, tf.print, tf.check_numerics and the tf.assert_* family: values,
messages and error classes as real TF 2.21 reports them."""
import sys

import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

X = np.array([1.0, -2.0, 3.5], np.float32)

CASES = [
    Case("Print", lambda x: tf.Print(x * 1.0, [x, x * 2], message="m"), [X], ref=lambda x: x),
    Case("CheckNumerics", lambda x: tf.check_numerics(x * x, "m"), [X], ref=lambda x: x * x),
]
EXEMPT = {"Timestamp": "test_timestamp (the clock, not a value to compare)",
          "GuaranteeConst": "test_guarantee_const (no gradient registered, as in TF)",
          "Assert": "test_debug_ops.py (assert messages, errors)",
          "StringFormat": "test_debug_ops.py (tf.print formatting)",
          "PrintV2": "test_debug_ops.py (tf.print formatting)"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _assert_message(value, summarize=3):
    with tf.Graph().as_default(), tf.Session() as s:
        a = tf.Assert(False, [tf.constant(value)], summarize=summarize)
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            s.run(a)
    return str(e.value).split("\n")[0]


# (shape, summarize) -> message, as TF 2.21 writes them for np.arange(n).reshape(shape)
SUMMARIES = {((2, 2), 1): "[[0...]...]", ((2, 2), 2): "[[0 1]...]",
             ((2, 2), 3): "[[0 1][2...]...]", ((2, 2), 4): "[[0 1][2 3]]",
             ((2, 2, 2), 5): "[[[0 1][2 3]][[4...]]...]", ((2, 2, 2), 4): "[[[0 1][2 3]]...]",
             ((4,), 3): "[0 1 2...]", ((4,), 4): "[0 1 2 3]", ((1, 4), 3): "[[0 1 2...]...]",
             ((2, 3), 2): "[[0 1...]...]", ((3, 1), 2): "[[0][1]...]", ((2, 0), 3): "[]",
             ((), 3): "[0]", ((5,), 0): "[...]", ((2, 2), 0): "[...]",
             ((2, 2), -1): "[[0 1][2 3]]"}


@pytest.mark.parametrize("shape, summarize", list(SUMMARIES), ids=str)
def test_assert_summarizes_data_as_tensorflow(shape, summarize):
    value = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    want = "assertion failed: " + SUMMARIES[shape, summarize]
    assert _assert_message(value, summarize) == want


@pytest.mark.parametrize("value, text", [
    (np.float32(0.1), "[0.1]"), (np.array([1 / 3]), "[0.33333333333333331]"),
    (np.array([1 / 3], np.float32), "[0.333333343]"),
    (np.array([1e-10, 1e20, np.nan, np.inf]), "[1e-10 1e+20 nan...]"),
    (np.array([True, False]), "[1 0]"), (np.array([[1.5, 2], [3, 4]], np.float32),
                                         "[[1.5 2][3...]...]")])
def test_assert_writes_elements_as_tensorflow(value, text):
    assert _assert_message(value) == "assertion failed: " + text


def test_assert_op_attrs_names_and_error_location():
    x = tf.placeholder(tf.float32, [None], name="x")
    line = sys._getframe().f_lineno + 1
    a = tf.Assert(tf.reduce_all(x > 0), [x, "hello", tf.constant([1, 2, 3, 4, 5])])
    assert isinstance(a, tf.Operation) and (a.type, a.name) == ("Assert", "Assert/Assert")
    assert a.get_attr("T") == [tf.float32, tf.string, tf.int32] and a.get_attr("summarize") == 3
    assert a.outputs == [] if isinstance(a.outputs, list) else len(a.outputs) == 0
    with tf.control_dependencies([a]):
        y = tf.identity(x)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(y, {x: [1.0, 2.0]}), [1.0, 2.0])
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            s.run(y, {x: [1.0, -2.0, 3.0, 4.0]})
    msg = str(e.value)
    assert msg.startswith("assertion failed: [1 -2 3...] [hello] [1 2 3...]")
    assert "Assert/Assert" in msg and f"test_debug_ops.py:{line}" in msg


def test_print_passes_through_writes_stderr_and_honours_first_n(capsys):
    x = tf.placeholder(tf.float32, [None], name="x")
    p = tf.Print(x, [x, x * 2], message="msg: ")
    q = tf.Print(x, [x], first_n=2, summarize=-1, message="F")
    assert p.op.type == "Print" and p.op.get_attr("U") == [tf.float32, tf.float32]
    assert (p.op.get_attr("first_n"), p.op.get_attr("summarize"), p.op.get_attr("message")) \
        == (-1, 3, "msg: ")
    feed = {x: [1.0, 2.0, 3.0, 4.0]}
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(p, feed), feed[x])
        for _ in range(3):
            s.run(q, feed)
    with tf.Session() as s:  # the count is per session
        s.run(q, feed)
    err = capsys.readouterr().err
    assert err.splitlines() == ["msg: [1 2 3...][2 4 6...]"] + ["F[1 2 3 4]"] * 3


def test_print_gradient_goes_to_input_only():
    x = tf.constant([1.0, 2.0])
    d = tf.constant([3.0])
    g = tf.gradients(tf.Print(x, [d]) * 3.0, [x, d])
    assert g[1] is None
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(g[0]), [3.0, 3.0])


def test_tf_print_is_a_printv2_op_of_a_string_format(capsys):
    x = tf.placeholder(tf.float32, [None], name="x")
    pv = tf.print("a", x, output_stream=sys.stdout)
    assert isinstance(pv, tf.Operation) and (pv.type, pv.name) == ("PrintV2", "PrintV2")
    assert pv.get_attr("output_stream") == "stdout" and pv.get_attr("end") == "\n"
    f = pv.inputs[0].op
    assert f.type == "StringFormat" and f.get_attr("template") == "a {}"
    assert f.get_attr("placeholder") == "{}" and f.get_attr("summarize") == 3
    e = tf.print(tf.constant("ab"), tf.constant(np.float32(0.1)), [1, 2], sep="|")
    with tf.Session() as s:
        s.run(pv, {x: np.arange(6, dtype=np.float32)})
        s.run(pv, {x: np.arange(7, dtype=np.float32)})
        s.run(tf.print(tf.constant(np.arange(24).reshape(2, 3, 4)), output_stream=sys.stdout))
        s.run(tf.print(tf.constant(np.arange(49).reshape(7, 7)), summarize=2,
                       output_stream=sys.stdout, end="$\n"))
        s.run(e)
    out = capsys.readouterr()
    assert out.out == ("a [0 1 2 3 4 5]\na [0 1 2 ... 4 5 6]\n"
                       "[[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n"
                       " [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]\n"
                       "[[0 1 ... 5 6]\n [7 8 ... 12 13]\n ...\n [35 36 ... 40 41]\n"
                       " [42 43 ... 47 48]]$\n")
    assert out.err == '"ab"|0.1|[1, 2]\n'


def test_check_numerics_messages_gradient_and_helpers():
    x = tf.placeholder(tf.float32, [3], name="x")
    c = tf.check_numerics(x, "chk")
    assert (c.op.type, c.op.get_attr("message")) == ("CheckNumerics", "chk")
    g = tf.gradients(c, x)[0]
    assert g.op.type == "CheckNumerics" and g.op.get_attr("message") == (
        "Not a number (NaN) or infinity (Inf) values detected in gradient. b'chk'")
    v = tf.verify_tensor_all_finite(x, "vv")
    assert (v.op.type, v.name) == ("Identity", "VerifyFinite/control_dependency:0")
    with tf.Session() as s:
        for val, what in (([1, np.nan, 2], "NaN"), ([np.inf, 1, 1], "Inf"),
                          ([np.nan, np.inf, 1], "Inf and NaN")):
            with pytest.raises(tf.errors.InvalidArgumentError) as e:
                s.run(c, {x: val})
            assert str(e.value).startswith(f"chk : Tensor had {what} values")
        with pytest.raises(tf.errors.InvalidArgumentError, match="vv : Tensor had NaN"):
            s.run(v, {x: [np.nan, 1, 1]})
        np.testing.assert_array_equal(s.run(v, {x: [1, 2, 3]}), [1, 2, 3])


def test_add_check_numerics_ops_checks_every_float_tensor():
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.log(x)  # noqa: F841
    n = tf.constant([1, 2])  # noqa: F841  (ints are not checked)
    check = tf.add_check_numerics_ops()
    checks = [op for op in tf.get_default_graph().get_operations()
              if op.type == "CheckNumerics"]
    assert sorted(c.get_attr("message") for c in checks) == ["Log:0", "x:0"]
    with tf.Session() as s:
        s.run(check, {x: [1.0, 2.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="Log:0 : Tensor had"):
            s.run(check, {x: [0.0, 2.0]})


FEED_X, FEED_Y = [1.0, 2.0, 3.0], [1.0, 0.0, 5.0]


@pytest.mark.parametrize("fn, sym", [
    (tf.assert_equal, "=="), (tf.assert_none_equal, "!="), (tf.assert_less, "<"),
    (tf.assert_less_equal, "<="), (tf.assert_greater, ">"),
    (tf.assert_greater_equal, ">=")])
def test_binary_asserts_fail_at_run_time_with_tensorflow_message(fn, sym):
    x = tf.placeholder(tf.float32, [3], name="x")
    y = tf.placeholder(tf.float32, [3], name="y")
    a = fn(x, y, message="mm")
    assert a.type == "Assert" and a.name.startswith(fn.__name__)
    assert fn is getattr(tf.debugging, fn.__name__)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError) as e:
        s.run(a, {x: FEED_X, y: FEED_Y})
    assert str(e.value).split("\n")[0] == (
        f"assertion failed: [mm] [Condition x {sym} y did not hold element-wise:] "
        "[x (x:0) = ] [1 2 3] [y (y:0) = ] [1 0 5]")


def test_binary_asserts_decide_constants_at_build_time():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]))
    assert str(e.value).startswith(
        "Condition x == y did not hold element-wise:\nx (Const:0) = \n[1 2]\n"
        "y (Const_1:0) = \n[1 3]")
    assert tf.assert_equal(1, 1).type == "NoOp"  # statically true: a no_op
    assert tf.assert_less_equal(1, 1).type == "Assert"
    with tf.Session() as s:
        s.run(tf.assert_less_equal(tf.constant([1, 2]), tf.constant([1, 3])))


@pytest.mark.parametrize("fn, text", [
    (tf.assert_positive, "[Condition x > 0 did not hold element-wise:] [x (y:0) = ]"),
    (tf.assert_negative, "[Condition x < 0 did not hold element-wise:] [x (y:0) = ]"),
    (tf.assert_non_positive, "[Condition x <= 0 did not hold element-wise:x (y:0) = ]")])
def test_sign_asserts_messages(fn, text):
    y = tf.placeholder(tf.float32, [3], name="y")
    a = fn(y, message="mm")
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError) as e:
        s.run(a, {y: FEED_Y})
    assert str(e.value).split("\n")[0] == f"assertion failed: [mm.  ] {text} [1 0 5]"
    with pytest.raises(tf.errors.InvalidArgumentError, match="^\nCondition x"):
        fn(tf.constant([1, -1]), data=None) if fn is not tf.assert_non_positive else \
            fn(tf.constant([1, -1]))


def test_assert_non_negative_and_near():
    y = tf.placeholder(tf.float32, [3], name="y")
    with tf.Session() as s:
        s.run(tf.assert_non_negative(y), {y: FEED_Y})
        with pytest.raises(tf.errors.InvalidArgumentError, match="x >= 0"):
            s.run(tf.assert_non_negative(y), {y: [-1.0, 0, 0]})
        s.run(tf.assert_near(y, y + 1e-7), {y: FEED_Y})
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            s.run(tf.assert_near(y, y + 1.0, message="mm"), {y: FEED_Y})
    assert str(e.value).startswith(
        "assertion failed: [mm.  ] [x and y not equal to tolerance rtol = ")


def test_rank_type_and_scalar_asserts():
    x = tf.placeholder(tf.float32, [3], name="x")
    with pytest.raises(ValueError, match=r"^mm\.  Tensor x:0 must have rank 2\.  "
                                         r"Received rank 1, shape \(3,\)$"):
        tf.assert_rank(x, 2, message="mm")
    ok = tf.assert_rank(x, 1)
    assert (ok.type, ok.name) == ("NoOp", "assert_rank_1/static_checks_determined_all_ok")
    with pytest.raises(ValueError, match=r"must have rank at least 2\.  Received rank 1"):
        tf.assert_rank_at_least(x, 2)
    with pytest.raises(ValueError, match=r"must have rank in \(0, 2\)\.  Received rank 1"):
        tf.assert_rank_in(x, [0, 2])
    assert tf.assert_rank_in(x, [1, 2]).type == "NoOp"
    u = tf.placeholder(tf.float32)
    a = tf.assert_rank(u, 2)
    with tf.Session() as s:
        s.run(a, {u: np.zeros([2, 2])})
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run(a, {u: np.zeros([2])})
    with pytest.raises(TypeError) as e:
        tf.assert_integer(x)
    assert str(e.value) == ('Expected "x" to be integer type.  Found: x:0 of dtype '
                            "<dtype: 'float32'>")
    assert tf.assert_integer(tf.constant(1)).type == "NoOp"
    with pytest.raises(TypeError, match=r"^x:0 must be of type tf.int32; got tf.float32$"):
        tf.assert_type(x, tf.int32)
    assert tf.assert_type(x, tf.float32).type == "NoOp"
    with pytest.raises(ValueError, match=r"^Expected scalar shape for x:0, saw shape: \(3,\)"):
        tf.assert_scalar(x)
    c = tf.constant(1.0)
    assert tf.assert_scalar(c) is c
    assert tf.assert_same_float_dtype([x, x]) == tf.float32
    with pytest.raises(ValueError):
        tf.assert_same_float_dtype([x, tf.constant(1.0, tf.float64)])


def test_statically_checked_names_match_tensorflow():
    tft = pytest.importorskip("tensorflow.compat.v1")
    tft.disable_eager_execution()
    got, want = [], []
    for lib, out in ((tf, got), (tft, want)):
        with lib.Graph().as_default():
            x = lib.placeholder(lib.float32, [3], name="x")
            c = lib.check_numerics(x, "chk")
            p = lib.Print(x, [x], message="m")
            pv = lib.print("a", x)
            out += [c.op.type, c.name, p.op.type, p.name, pv.type, pv.name,
                    lib.assert_rank(x, 1).name, lib.assert_type(x, lib.float32).name,
                    lib.assert_integer(lib.constant(1)).name]
            with pytest.raises(TypeError) as e:
                lib.assert_integer(x)
            out.append(str(e.value))
            for fn, args in ((lib.assert_type, (x, lib.int32)), (lib.assert_scalar, (x,)),
                             (lib.assert_rank_at_least, (x, 2))):
                with pytest.raises(Exception) as e:
                    fn(*args)
                out.append((type(e.value).__name__, str(e.value)))
    assert got == want


def test_timestamp():
    import time
    with tf.Graph().as_default():
        t = tf.timestamp()
        assert (t.op.type, t.dtype, t.shape.as_list()) == ("Timestamp", tf.float64, [])
        with tf.Session() as s:
            before = time.time()
            a, b = s.run(t), s.run(t)
            after = time.time()
    assert before <= a <= b <= after            # run each time, never folded


def test_guarantee_const():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 2])
        g = tf.guarantee_const(x)
        assert (g.name, g.shape.as_list()) == ("GuaranteeConst:0", [None, 2])
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(g, {x: [[1, 2]]}), [[1, 2]])
        with pytest.raises(LookupError, match="No gradient defined for operation "
                                              "'GuaranteeConst'"):
            tf.gradients(tf.reduce_sum(g), x)
