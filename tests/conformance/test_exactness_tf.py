"""Differences from TF that a program does not see: feeds of variables, build-time shape
errors with partly known shapes, the gradient graphs of broadcasting ops, printed dtypes.
Each case is built in flowgraph and in real TensorFlow and the outcomes compared."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()

import flowgraph as fg  # noqa: E402


def _both(build):
    """Runs build(lib) in a fresh graph of each library; returns (fg result, tf result)."""
    out = []
    for lib in (fg, tf1):
        with lib.Graph().as_default():
            out.append(build(lib))
    return out


# --- feeding a variable -------------------------------------------------------------

def _feed_variable(tf):
    v = tf.Variable([0., 0., 0.])
    y = v * 3.0
    with tf.Session() as s:
        s.run(v.initializer)
        return [s.run(y, {v: [1., 2., 3.]}).tolist(), s.run(y).tolist(),
                s.run(y, {v.value(): [1., 2., 3.]}).tolist(),
                s.run(v, {v: [5., 2., 3.]}).tolist(), s.run(v).tolist()]


def test_feeding_a_variable_replaces_its_value_for_that_run():
    mine, theirs = _both(_feed_variable)
    assert mine == theirs == [[3, 6, 9], [0, 0, 0], [3, 6, 9], [5, 2, 3], [0, 0, 0]]


def test_feeding_the_ref_input_of_a_writing_op_is_refused():
    def build(tf):
        v = tf.Variable([0., 0., 0.])
        a = tf.assign_add(v, [1., 1., 1.])
        with tf.Session() as s:
            s.run(v.initializer)
            with pytest.raises(tf.errors.InvalidArgumentError) as e:
                s.run(a, {v: [5., 2., 3.]})
            line = [ln for ln in str(e.value).splitlines() if "incompatible" in ln][0]
            return line, s.run(v).tolist()
    (mine, v_mine), (theirs, v_theirs) = _both(build)
    assert v_mine == v_theirs == [0, 0, 0]
    assert "incompatible with expected float_ref" in mine
    assert mine.split(" from ")[0] == theirs.split(" from ")[0]


# --- build-time shape checks with partly known shapes ----------------------------------

def _P(tf, *shape, dtype=None):
    return tf.placeholder(dtype or tf.float32, list(shape))


SHAPE_CASES = {
    "reshape_bad": lambda tf: tf.reshape(_P(tf, None, 3), [2, 2]),
    "reshape_ok": lambda tf: tf.reshape(_P(tf, None, 3), [-1, 6]),
    "reshape_two_unknown": lambda tf: tf.reshape(_P(tf, None, 3), [-1, -1]),
    "reshape_known_bad": lambda tf: tf.reshape(_P(tf, 2, 3), [4, -1]),
    "reshape_none_bad": lambda tf: tf.reshape(_P(tf, None, 4), [-1, 3]),
    "reshape_unknown_rank": lambda tf: tf.reshape(tf.placeholder(tf.float32), [2, -1]),
    "matmul_bad": lambda tf: tf.matmul(_P(tf, None, 3), _P(tf, 4, None)),
    "matmul_rank": lambda tf: tf.matmul(_P(tf, None, 3), _P(tf, 3)),
    "batch_matmul_bad": lambda tf: tf.matmul(_P(tf, None, 2, 3), _P(tf, None, 4, 5)),
    "add_bad": lambda tf: _P(tf, None, 3) + _P(tf, None, 4),
    "add_ok": lambda tf: _P(tf, None, 3) + _P(tf, None, 1),
    "concat_bad": lambda tf: tf.concat([_P(tf, None, 3), _P(tf, None, 4, 2)], 1),
    "concat_bad2": lambda tf: tf.concat([_P(tf, None, 3, 2), _P(tf, None, 4, 3)], 1),
    "stack_bad": lambda tf: tf.stack([_P(tf, None, 3), _P(tf, None, 4)]),
    "conv_bad": lambda tf: tf.nn.conv2d(_P(tf, None, 8, 8, 3), _P(tf, 3, 3, 4, 5),
                                        [1, 1, 1, 1], "SAME"),
    "slice_bad": lambda tf: tf.slice(_P(tf, None, 3), [0, 0], [1, 4]),
    "strided_bad": lambda tf: _P(tf, None, 3)[:, 5],
    "gather_bad_axis": lambda tf: tf.gather(_P(tf, None, 3), [0], axis=2),
    "transpose_bad": lambda tf: tf.transpose(_P(tf, None, 3), [0, 1, 2]),
    "reduce_bad_axis": lambda tf: tf.reduce_sum(_P(tf, None, 3), axis=2),
    "squeeze_bad": lambda tf: tf.squeeze(_P(tf, None, 3), [1]),
    "expand_bad": lambda tf: tf.expand_dims(_P(tf, None, 3), 4),
    "tile_bad": lambda tf: tf.tile(_P(tf, None, 3), [1, 2, 3]),
    "pad_bad": lambda tf: tf.pad(_P(tf, None, 3), [[1, 1]]),
    "split_bad": lambda tf: tf.split(_P(tf, None, 3), 2, axis=1),
    "bias_add_bad": lambda tf: tf.nn.bias_add(_P(tf, None, 3), _P(tf, 4)),
    "sparse_xent_bad": lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=_P(tf, None, 2, dtype=tf.int32), logits=_P(tf, None, 4)),
    "where_bad": lambda tf: tf.where(_P(tf, None, 3, dtype=tf.bool), _P(tf, None, 3),
                                     _P(tf, None, 4)),
    "one_hot_ok": lambda tf: tf.one_hot(_P(tf, None, dtype=tf.int32), 3),
    "set_shape_bad": lambda tf: _P(tf, None, 3).set_shape([None, 4]),
    "broadcast_to_bad": lambda tf: tf.broadcast_to(_P(tf, None, 3), [2, 4]),
    "diag_part_bad": lambda tf: tf.linalg.diag_part(_P(tf, None)),
    "einsum_bad": lambda tf: tf.einsum("ij,jk->ik", _P(tf, None, 3), _P(tf, 4, 5)),
    "maxpool_bad": lambda tf: tf.nn.max_pool(_P(tf, None, 2, 2, 3), [1, 3, 3, 1],
                                             [1, 1, 1, 1], "VALID"),
    "fill_bad": lambda tf: tf.fill([2, -3], 1.0),
    "range_ok": lambda tf: tf.range(_P(tf, dtype=tf.int32)),
    "unstack_bad": lambda tf: tf.unstack(_P(tf, None, 3), axis=3),
    "unstack_none": lambda tf: tf.unstack(_P(tf, None, 3)),
    "argmax_bad": lambda tf: tf.argmax(_P(tf, None, 3), 2),
    "cumsum_ok": lambda tf: tf.cumsum(_P(tf, None, 3), 1),
    "boolean_mask_bad": lambda tf: tf.boolean_mask(_P(tf, None, 3),
                                                   _P(tf, None, 4, dtype=tf.bool)),
    "scatter_nd_bad": lambda tf: tf.scatter_nd(_P(tf, None, 2, dtype=tf.int32), _P(tf, None),
                                               [3]),
    "segment_ok": lambda tf: tf.segment_sum(_P(tf, None, 3), _P(tf, None, dtype=tf.int32)),
    "assign_bad": lambda tf: tf.assign(tf.Variable(np.zeros((2, 3), np.float32)),
                                       _P(tf, None, 4)),
    "reverse_bad": lambda tf: tf.reverse(_P(tf, None, 3), [2]),
    "depth_to_space_bad": lambda tf: tf.nn.depth_to_space(_P(tf, None, 2, 2, 3), 2),
    "space_to_depth_ok": lambda tf: tf.nn.space_to_depth(_P(tf, None, 4, 4, 3), 2),
}


def _outcome(build):
    def run(tf):
        try:
            r = build(tf)
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return type(e).__name__
        rs = r if isinstance(r, (list, tuple)) else [r]
        return [str(x.shape) for x in rs if hasattr(x, "shape")]
    return run


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
def test_partial_shape_checks_match_tf(case):
    mine, theirs = _both(_outcome(SHAPE_CASES[case]))
    assert mine == theirs


def test_reshape_error_names_the_shapes_as_tf_does():
    def build(tf):
        with pytest.raises(ValueError) as e:
            tf.reshape(_P(tf, None, 3), [2, 2])
        return str(e.value)
    mine, theirs = _both(build)
    assert "Dimension size must be evenly divisible by 3 but is 4" in mine
    assert "input shapes: [?,3], [2]" in mine and "input shapes: [?,3], [2]" in theirs


# --- gradients of broadcasting ops with partly known shapes ----------------------------

BROADCASTS = [([2, 3], [3]), ([2, 1], [1, 3]), ([None, 3], [3]), ([None, 3], [1, 3]),
              ([None, 3], [None, 1]),
              ([None, 3], [None, 3]), ([2, None], [2, 1]), ([None, 1, 4], [3, 1]),
              ([None], [])]


@pytest.mark.parametrize("sx,sy", BROADCASTS)
@pytest.mark.parametrize("op", ["mul", "add", "sub"])
def test_broadcast_gradient_names_shapes_and_values_match_tf(op, sx, sy):
    rng = np.random.RandomState(1)
    fx = np.asarray(rng.randn(*[d or 2 for d in sx]), np.float32)
    fy = np.asarray(rng.randn(*[d or 2 for d in sy]), np.float32)

    def build(tf):
        x = tf.placeholder(tf.float32, sx, name="x")
        y = tf.placeholder(tf.float32, sy, name="y")
        z = {"mul": x * y, "add": x + y, "sub": x - y}[op]
        gx, gy = tf.gradients(tf.square(z), [x, y])
        with tf.Session() as s:
            vx, vy = s.run([gx, gy], {x: fx, y: fy})
        return gx.name, str(gx.shape), gy.name, str(gy.shape), vx, vy
    mine, theirs = _both(build)
    assert mine[:4] == theirs[:4]
    np.testing.assert_allclose(mine[4], theirs[4], rtol=1e-5)
    np.testing.assert_allclose(mine[5], theirs[5], rtol=1e-5)


# --- printed names ---------------------------------------------------------------------

def test_dtypes_print_as_tf_prints_them():
    for name in ("float32", "float64", "int32", "int64", "bool", "string", "uint8",
                 "float16"):
        assert str(getattr(fg, name)) == str(getattr(tf1, name))
        assert repr(getattr(fg, name)) == repr(getattr(tf1, name))


# --- device scopes and device functions -------------------------------------------------

def _fn(result):
    def f(op):
        f.seen.append(op.device)
        return result(op) if callable(result) else result
    f.seen = []
    return f


DEVICE_CASES = {
    "function_in_job_scope": lambda tf: ["/job:ps/task:1", _fn("/cpu:1")],
    "double_slash": lambda tf: ["//cpu:0"],
    "string_in_function_scope": lambda tf: [_fn("/gpu:0"), "/cpu:0"],
    "job_in_function_scope": lambda tf: [_fn("/gpu:0"), "/job:w"],
    "string_function_string": lambda tf: ["/job:a/task:2", _fn("/gpu:0"), "/device:CPU:3"],
    "function_keeps_device": lambda tf: ["/job:a", "/gpu:1", _fn(lambda op: op.device)],
    "nested_functions": lambda tf: [_fn("/cpu:1"), _fn("/gpu:0")],
    "none_resets": lambda tf: ["/job:a", None, "/cpu:0"],
    "function_returns_spec": lambda tf: [
        "/task:3", _fn(lambda op: tf.DeviceSpec(job="w", device_type="GPU", device_index=2))],
    "lower_case_gpu": lambda tf: ["/job:ps/replica:0/task:0/gpu:1"],
    "any_index": lambda tf: ["/cpu:*"],
    "spec_object": lambda tf: [tf.DeviceSpec(job="x", task=2)],
    "inner_overrides": lambda tf: ["/job:a/task:1/cpu:0", "/job:b/gpu:2"],
    "function_returns_none": lambda tf: ["/job:a", _fn(None)],
}


@pytest.mark.parametrize("case", sorted(DEVICE_CASES))
def test_device_scopes_and_functions_match_tf(case):
    import contextlib

    def build(tf):
        scopes = DEVICE_CASES[case](tf)
        with contextlib.ExitStack() as stack:
            for s in scopes:
                stack.enter_context(tf.device(s))
            try:
                c = tf.constant(1.0)
            except TypeError as e:
                return "TypeError", str(e)
        return c.device, [s.seen for s in scopes if hasattr(s, "seen")]
    mine, theirs = _both(build)
    assert mine == theirs


# --- gather gradients with unknown ranks --------------------------------------------

@pytest.mark.parametrize("axis", [0, 1, -1, 2, "fed"])
def test_gather_gradient_with_unknown_ranks(axis):
    params = np.arange(24.).reshape(2, 3, 4)
    idx = np.array([[1, 0], [1, 1]], np.int32)
    ax = 1 if axis == "fed" else axis

    def build(tf):
        p = tf.placeholder(tf.float64, None)
        i = tf.placeholder(tf.int32, None)
        a = tf.placeholder(tf.int32, []) if axis == "fed" else axis
        y = tf.gather(p, i, axis=a)
        g, = tf.gradients(tf.reduce_sum(y * y), p)
        feed = {p: params, i: idx}
        if axis == "fed":
            feed[a] = ax
        with tf.Session() as s:
            return s.run(tf.convert_to_tensor(g), feed).tolist()

    mine, theirs = _both(build)
    ref = np.zeros_like(params)  # d sum(gather^2) = scatter-add of 2 * gathered rows
    np.add.at(np.moveaxis(ref, ax, 0), idx.reshape(-1),
              2 * np.moveaxis(np.take(params, idx.reshape(-1), axis=ax), ax, 0))
    assert mine == theirs == ref.tolist()
