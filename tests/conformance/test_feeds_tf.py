"""Bad (and borderline) feeds against real TensorFlow: each (placeholder dtype, fed value)
gives the same value and dtype, or the same error class, in both. Python ints out of range
for the dtype are TypeError, floats fed to string placeholders InternalError, complex fed
to float32 drops the imaginary part (numpy's cast), list elements wrap as numpy casts."""
import warnings

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

FEEDS = [
    ("int32", 2 ** 40), ("int32", -2 ** 31 - 1), ("int32", [1, 2 ** 40]), ("uint8", 300),
    ("uint8", -1), ("int8", 128), ("int64", 2 ** 63), ("int64", -2 ** 63),
    ("int64", -2 ** 63 - 1), ("uint64", 2 ** 64), ("uint64", -1), ("int16", 40000),
    ("uint16", -1), ("uint32", 2 ** 32), ("int32", 2 ** 70), ("float64", 2 ** 1100),
    ("float32", 2 ** 40), ("float16", 2 ** 40), ("complex64", 2 ** 40),
    ("float32", 1 + 2j), ("float32", np.complex64(1 + 2j)), ("float32", [1j]),
    ("float32", np.array([1 + 1j])), ("float64", 1j), ("float32", [1 + 1j, 2]),
    ("int32", 1.5), ("int32", np.float32(1.5)), ("int32", np.array([1.5])),
    ("int32", [1.5, 2 ** 40]), ("int32", np.int64(2 ** 40)), ("uint8", np.int64(300)),
    ("uint8", np.uint16(300)), ("int32", True), ("int32", "3"),
    ("string", 1.5), ("string", 3), ("string", [1.5]), ("string", np.array([1.5])),
    ("string", True), ("string", [1, 2]), ("string", np.array([1, 2])),
    ("string", np.float32(1.5)), ("string", None), ("string", [b"a", 1]),
    ("string", [b"a", "b"]), ("string", np.array(["x", "yy"])), ("string", np.bytes_(b"q")),
    ("bool", 2), ("bool", 1), ("bool", [2]), ("bool", 1.5), ("bool", "x"),
    ("bool", np.int64(2)), ("float32", "x"), ("float32", None), ("float32", [1, [2]]),
    ("float32", 1e40), ("float16", 1e6), ("complex64", "x"), ("float32", {"a": 1}),
    ("int32", 1e20), ("uint8", -1.5), ("int32", float("nan")), ("int32", float("inf")),
    ("float32", 2.5), ("int64", 3), ("uint8", 255), ("float64", -0.0),
]


def _feed(tf, dtype, value):
    g = tf.Graph()
    with g.as_default():
        p = tf1.placeholder(getattr(tf_real, dtype), None) if tf is tf1 else \
            tf.placeholder(getattr(tf, dtype), None)
        y = tf.identity(p)
        with tf.Session() as s, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return "ok", s.run(y, {p: value})
            except Exception as e:  # noqa: BLE001 (the class is what is compared)
                return "error", type(e).__name__


@pytest.mark.parametrize("dtype,value", FEEDS, ids=[f"{d}-{v!r}"[:40] for d, v in FEEDS])
def test_feed_like_tensorflow(dtype, value):
    want = _feed(tf1, dtype, value)
    got = _feed(fg, dtype, value)
    assert got[0] == want[0], (got, want)
    if want[0] == "error":
        assert got[1] == want[1]
    else:
        w, g = np.asarray(want[1]), np.asarray(got[1])
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)


def test_int_out_of_range_message_names_the_dtype():
    with fg.Graph().as_default():
        p = fg.placeholder(fg.int32)
        with fg.Session() as s, pytest.raises(TypeError, match="larger type"):
            s.run(p, {p: 2 ** 40})


@pytest.mark.parametrize("tf", [tf1, fg], ids=["tf", "flowgraph"])
def test_callable_after_close(tf):
    """TF 2.21 raises RuntimeError (not CancelledError) for a make_callable function, run
    and partial_run_setup of a closed session; flowgraph the same."""
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, None)
        y = p * 2
        s = tf.Session()
        f = s.make_callable(y, [p])
        assert f(1.0) == 2.0
        s.close()
        for call in (lambda: f(1.0), lambda: s.run(y, {p: 1.0})):
            with pytest.raises(RuntimeError, match="closed Session"):
                call()
        s.close()  # closing twice is fine
