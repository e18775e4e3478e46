"""Array ops: shapes, reshape/transpose/expand/squeeze, concat/stack/split, tile, pad,
reverse, broadcast (array_ops, join_ops, manip_ops)."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from tests.optest import Case, run_case

X = (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / 3.0
Y = np.linspace(-1, 1, 24).astype(np.float32).reshape(2, 3, 4)
Z = np.random.RandomState(0).uniform(-1, 1, (3, 4)).astype(np.float32)


def dyn(x):
    """`x` with its static shape erased (so shape ops are not folded to constants)."""
    return tf.placeholder_with_default(x, [None] * x.shape.ndims)


def _split_at(x, sizes, axis):
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def _mirror_grad_ref(g, pads, mode):
    """The MirrorPad gradient by brute force: the transpose of the padding map."""
    n = [d - a - b for d, (a, b) in zip(g.shape, pads)]
    idx = np.arange(int(np.prod(n))).reshape(n)
    padded = np.pad(idx, pads, mode=mode.lower())
    out = np.zeros(int(np.prod(n)), g.dtype)
    np.add.at(out, padded.reshape(-1), g.reshape(-1))
    return out.reshape(n)


CASES = [
    # shapes
    Case("Shape", lambda x: tf.shape(dyn(x)), [Y], ref=lambda x: np.array(x.shape, np.int32),
         grad=False),
    Case("Shape", lambda x: tf.shape(dyn(x), out_type=tf.int64), [X],
         ref=lambda x: np.array(x.shape, np.int64), name="Shape_int64", grad=False),
    Case("ShapeN", lambda x, y: tf.shape_n([x, y]), [X, Y],
         ref=lambda x, y: [np.array(x.shape, np.int32), np.array(y.shape, np.int32)],
         grad=False),
    Case("Size", lambda x: tf.size(dyn(x)), [Y], ref=lambda x: np.int32(x.size), grad=False),
    Case("Rank", lambda x: apply_op("Rank", [x]), [Y], ref=lambda x: np.int32(3), grad=False),
    # reshape and friends
    Case("Reshape", lambda x: tf.reshape(x, [4, -1]), [Y], ref=lambda x: x.reshape(4, -1)),
    Case("Reshape", lambda x: tf.reshape(x, [-1]), [X], ref=lambda x: x.reshape(-1),
         name="Reshape_flat"),
    Case("Transpose", tf.transpose, [Y], ref=lambda x: x.T),
    Case("Transpose", lambda x: tf.transpose(x, [1, 2, 0]), [Y],
         ref=lambda x: x.transpose(1, 2, 0), name="Transpose_perm"),
    Case("ConjugateTranspose", lambda x: apply_op("ConjugateTranspose", [x, [1, 0]]), [X],
         ref=lambda x: x.T),
    Case("ConjugateTranspose", lambda x: tf.transpose(x, conjugate=True),
         [np.array([[1 + 2j, 3 - 1j, 2j]], np.complex64)], ref=lambda x: np.conj(x.T),
         name="ConjugateTranspose_complex"),
    Case("InvertPermutation", tf.invert_permutation, [np.array([2, 0, 3, 1], np.int32)],
         ref=lambda p: np.argsort(p).astype(np.int32)),
    Case("ExpandDims", lambda x: tf.expand_dims(x, 1), [X], ref=lambda x: x[:, None]),
    Case("ExpandDims", lambda x: tf.expand_dims(x, -1), [X], ref=lambda x: x[..., None],
         name="ExpandDims_neg"),
    Case("Squeeze", tf.squeeze, [X.reshape(2, 1, 3, 1)], ref=lambda x: x.reshape(2, 3)),
    Case("Squeeze", lambda x: tf.squeeze(x, [3]), [X.reshape(2, 1, 3, 1)],
         ref=lambda x: x.reshape(2, 1, 3), name="Squeeze_axis"),
    # joining and splitting
    Case("ConcatV2", lambda x, z: tf.concat([x, z[:2], x], 1), [X, Z],
         ref=lambda x, z: np.concatenate([x, z[:2], x], 1)),
    Case("ConcatV2", lambda x, z: tf.concat([x, tf.transpose(z)], -2), [X, Z],
         ref=lambda x, z: np.concatenate([x, z.T], 0), name="ConcatV2_neg_axis"),
    Case("ConcatOffset", lambda: apply_op("ConcatOffset", [1, [[2, 3, 4], [2, 5, 4]]]), [],
         ref=lambda: [np.array([0, 0, 0], np.int32), np.array([0, 3, 0], np.int32)]),
    Case("Pack", lambda x, y: tf.stack([x, y[:, :, 0], x], axis=1), [X, Y],
         ref=lambda x, y: np.stack([x, y[:, :, 0], x], 1)),
    Case("Unpack", lambda y: tf.unstack(y, axis=2), [Y],
         ref=lambda y: [y[:, :, i] for i in range(4)]),
    Case("Split", lambda z: tf.split(z, 2, axis=1), [Z], ref=lambda z: np.split(z, 2, 1)),
    Case("SplitV", lambda y: tf.split(y, [1, -1, 2], axis=2), [Y],
         ref=lambda y: _split_at(y, [1, 1, 2], 2)),
    # tile, pad, reverse, broadcast
    Case("Tile", lambda x: tf.tile(x, [2, 3]), [X], ref=lambda x: np.tile(x, [2, 3])),
    Case("Tile", lambda y: tf.tile(y, [1, 0, 2]), [Y], ref=lambda y: np.tile(y, [1, 0, 2]),
         name="Tile_zero"),
    Case("Pad", lambda x: tf.pad(x, [[1, 2], [0, 3]]), [X],
         ref=lambda x: np.pad(x, [[1, 2], [0, 3]])),
    Case("PadV2", lambda x: tf.pad(x, [[0, 1], [2, 0]], constant_values=-4.0), [X],
         ref=lambda x: np.pad(x, [[0, 1], [2, 0]], constant_values=-4.0)),
    Case("MirrorPad", lambda y: tf.pad(y, [[1, 1], [2, 0], [0, 3]], mode="REFLECT"), [Y],
         ref=lambda y: np.pad(y, [[1, 1], [2, 0], [0, 3]], mode="reflect")),
    Case("MirrorPad", lambda y: tf.pad(y, [[2, 1], [3, 0], [0, 4]], mode="symmetric"), [Y],
         ref=lambda y: np.pad(y, [[2, 1], [3, 0], [0, 4]], mode="symmetric"),
         name="MirrorPad_symmetric"),
    Case("MirrorPadGrad", lambda g: apply_op("MirrorPadGrad", [g, [[1, 2], [2, 1]]],
                                             {"mode": "REFLECT"}),
         [np.random.RandomState(1).uniform(size=(7, 6)).astype(np.float32)],
         ref=lambda g: _mirror_grad_ref(g, [(1, 2), (2, 1)], "REFLECT")),
    Case("MirrorPadGrad", lambda g: apply_op("MirrorPadGrad", [g, [[2, 0], [1, 3]]],
                                             {"mode": "SYMMETRIC"}),
         [np.random.RandomState(2).uniform(size=(5, 8)).astype(np.float32)],
         ref=lambda g: _mirror_grad_ref(g, [(2, 0), (1, 3)], "SYMMETRIC"),
         name="MirrorPadGrad_symmetric"),
    Case("ReverseV2", lambda y: tf.reverse(y, [0, -1]), [Y], ref=lambda y: y[::-1, :, ::-1]),
    Case("ReverseSequence", lambda y: tf.reverse_sequence(y, [3, 1], seq_axis=2,
                                                          batch_axis=0), [Y],
         ref=lambda y: np.stack([np.concatenate([y[0, :, 2::-1], y[0, :, 3:]], 1), y[1]])),
    Case("BroadcastTo", lambda x: tf.broadcast_to(x[:1], [4, 2, 3]), [X],
         ref=lambda x: np.broadcast_to(x[:1], (4, 2, 3))),
    Case("BroadcastArgs", lambda: tf.broadcast_dynamic_shape([2, 1, 3], [4, 1]), [],
         ref=lambda: np.array([2, 4, 3], np.int32)),
    Case("IdentityN", lambda x, y: tf.identity_n([x, y]), [X, Y], ref=lambda x, y: [x, y]),
    Case("EnsureShape", lambda x: tf.ensure_shape(x, [2, None]), [X], ref=lambda x: x),
]

EXEMPT = {}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


# -- op types, attrs and folded constants, as TF builds them --------------------------------

def test_shape_ops_fold_to_constants_when_static():
    x = tf.placeholder(tf.float32, [2, 3])
    assert tf.shape(x).op.type == "Const" and tf.size(x).op.type == "Const"
    assert tf.rank(x).op.type == "Const"
    u = tf.placeholder(tf.float32, [None, 3])
    s = tf.shape(u, out_type=tf.int64)
    assert s.op.type == "Shape" and s.dtype == tf.int64 and s.shape.as_list() == [2]
    assert tf.size(u).op.type == "Size" and tf.rank(tf.placeholder(tf.float32)).op.type == "Rank"
    with tf.Session() as sess:
        assert sess.run(tf.rank(tf.placeholder_with_default(X, None))) == 2


def test_attr_names_match_tf():
    x = tf.placeholder(tf.float32, [2, 3])
    assert tf.squeeze(tf.expand_dims(x, 0), [0]).op.get_attr("squeeze_dims") == [0]
    c = tf.concat([x, x], 0)
    assert c.op.type == "ConcatV2" and c.op.get_attr("N") == 2 and c.op.get_attr("Tidx") == tf.int32
    assert tf.stack([x, x], 1).op.get_attr("axis") == 1
    u = tf.unstack(x, axis=1)
    assert u[0].op.type == "Unpack" and u[0].op.get_attr("num") == 3
    s = tf.split(x, [1, 2], 1)
    assert s[0].op.type == "SplitV" and s[0].op.get_attr("num_split") == 2
    assert tf.split(x, 3, 1)[0].op.type == "Split"
    assert tf.pad(x, [[1, 1], [0, 0]], constant_values=2.0).op.type == "PadV2"
    assert tf.pad(x, [[1, 1], [0, 0]], mode="reflect").op.get_attr("mode") == "REFLECT"
    assert tf.reverse(x, [0]).op.type == "ReverseV2"
    assert tf.concat([x], 0).op.type == "Identity"
    assert tf.stack([1, 2]).op.type == "Const"


def test_autopacking_lists_of_tensors():
    x = tf.placeholder(tf.float32, [])
    t = tf.convert_to_tensor([[x, 1.0], [2.0, x]])
    assert t.op.type == "Pack" and t.shape.as_list() == [2, 2] and t.dtype == tf.float32
    r = tf.reshape(tf.placeholder(tf.float32, [None, 6]), [3, -1])
    assert r.shape.as_list() == [3, None]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(t, {x: 5.0}), [[5, 1], [2, 5]])


# -- partial shapes ----------------------------------------------------------------------------

def test_reshape_partial_shapes():
    u = tf.placeholder(tf.float32, [None, 3])
    assert tf.reshape(u, [-1, 3]).shape.as_list() == [None, 3]
    assert tf.reshape(u, [3, -1]).shape.as_list() == [3, None]
    x = tf.placeholder(tf.float32, [4, 6])
    assert tf.reshape(x, [2, -1, 3]).shape.as_list() == [2, 4, 3]
    assert tf.reshape(x, [tf.shape(u)[0], -1]).shape.as_list() == [None, None]
    assert tf.reshape(x, [-1, -1]).shape.as_list() == [None, None]
    assert tf.reshape(u, tf.concat([tf.shape(u)[:1], [3, 1]], 0)).shape.as_list() == \
        [None, 3, 1]
    assert tf.reshape(u, tf.placeholder(tf.int32, [3])).shape.as_list() == [None] * 3
    assert tf.reshape(u, tf.placeholder(tf.int32)).shape.ndims is None


def test_partial_shapes_of_other_ops():
    u = tf.placeholder(tf.float32, [None, 3])
    assert tf.transpose(u).shape.as_list() == [3, None]
    assert tf.transpose(u, tf.placeholder(tf.int32, [2])).shape.as_list() == [None, None]
    assert tf.expand_dims(u, 0).shape.as_list() == [1, None, 3]
    assert tf.squeeze(u).shape.ndims is None
    assert tf.squeeze(u, [0]).shape.as_list() == [3]
    assert tf.concat([u, u], 0).shape.as_list() == [None, 3]
    assert tf.concat([u, u], 1).shape.as_list() == [None, 6]
    assert tf.concat([u, tf.placeholder(tf.float32)], 0).shape.as_list() == [None, 3]
    assert tf.stack([u, tf.placeholder(tf.float32, [2, None])]).shape.as_list() == [2, 2, 3]
    assert [t.shape.as_list() for t in tf.split(u, [1, 2], 1)] == [[None, 1], [None, 2]]
    assert tf.split(u, 2, 0)[0].shape.as_list() == [None, 3]
    assert tf.tile(u, [2, 2]).shape.as_list() == [None, 6]
    assert tf.pad(u, [[1, 1], [2, 2]]).shape.as_list() == [None, 7]
    assert tf.broadcast_to(tf.placeholder(tf.float32, [None, 1]), [2, 5]).shape.as_list() == \
        [2, 5]
    assert tf.shape(tf.placeholder(tf.float32)).shape.as_list() == [None]
    assert tf.ensure_shape(u, [4, None]).shape.as_list() == [4, 3]


def test_unknown_rank_transpose_uses_graph_perm():
    p = tf.placeholder(tf.float32)
    t = tf.transpose(p)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(t, {p: Y}), Y.T)


# -- user errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("build,op_type", [
    (lambda x: tf.reshape(x, [4]), "Reshape"),
    (lambda x: tf.transpose(x, [0, 1, 2]), "Transpose"),
    (lambda x: tf.expand_dims(x, 3), "ExpandDims"),
    (lambda x: tf.squeeze(x, [1]), "Squeeze"),
    (lambda x: tf.squeeze(x, [3]), "Squeeze"),
    (lambda x: tf.concat([x, tf.zeros([2, 4])], 0), "ConcatV2"),
    (lambda x: tf.concat([x, tf.zeros([2])], 0), "ConcatV2"),
    (lambda x: tf.concat([x, x], 2), "ConcatV2"),
    (lambda x: tf.stack([x, tf.zeros([3, 2])]), "Pack"),
    (lambda x: tf.unstack(x, num=3), "Unpack"),
    (lambda x: tf.split(x, 2, axis=1), "Split"),
    (lambda x: tf.split(x, [1, 1], axis=1), "SplitV"),
    (lambda x: tf.split(x, [-1, -1], axis=1), "SplitV"),
    (lambda x: tf.tile(x, [1, 2, 3]), "Tile"),
    (lambda x: tf.pad(x, [[1, 1]]), "Pad"),
    (lambda x: tf.pad(x, [[-1, 1], [0, 0]]), "Pad"),
    (lambda x: tf.broadcast_to(x, [3, 3]), "BroadcastTo"),
    (lambda x: tf.reverse(x, [0, 0]), "ReverseV2"),
    (lambda x: tf.reverse(x, [2]), "ReverseV2"),
])
def test_build_time_shape_errors(build, op_type):
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match=op_type):
        build(x)


def test_builder_argument_errors():
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match="both"):
        tf.expand_dims(x, 1, dim=1)
    with pytest.raises(ValueError, match="axis"):
        tf.expand_dims(x)
    with pytest.raises(ValueError, match="axis"):
        tf.stack([x, x], 3)
    with pytest.raises(ValueError, match="num"):
        tf.unstack(tf.placeholder(tf.float32, [None, 3]))
    with pytest.raises(ValueError, match="mode"):
        tf.pad(x, [[1, 1], [0, 0]], mode="FOO")
    with pytest.raises(TypeError):
        tf.concat([x, tf.zeros([2, 3], tf.int32)], 0)


@pytest.mark.parametrize("build,feed,op_type", [
    (lambda p: tf.reshape(p, [4]), X, "Reshape"),
    (lambda p: tf.transpose(p, [0, 0]), X, "Transpose"),
    (lambda p: tf.squeeze(p, [0]), X, "Squeeze"),
    (lambda p: tf.concat([p, tf.zeros([1, 4])], 0), X, "ConcatV2"),
    (lambda p: tf.stack([p, tf.zeros([1, 3])]), X, "Pack"),
    (lambda p: tf.split(p, 2, axis=1), X, "Split"),
    (lambda p: tf.pad(p, [[3, 0], [0, 0]], mode="REFLECT"), X, "MirrorPad"),
    (lambda p: tf.pad(p, [[0, 0], [4, 0]], mode="SYMMETRIC"), X, "MirrorPad"),
    (lambda p: tf.broadcast_to(p, [3, 3]), X, "BroadcastTo"),
    (lambda p: tf.invert_permutation(tf.cast(p[0], tf.int32)), X, "InvertPermutation"),
    (lambda p: tf.ensure_shape(p, [3, None]), X, "EnsureShape"),
    (lambda p: tf.reverse_sequence(p, [4, 1], seq_axis=1), X, "ReverseSequence"),
])
def test_run_time_errors(build, feed, op_type):
    p = tf.placeholder(tf.float32)
    out = build(p)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(out, {p: feed})
    op = (out[0] if isinstance(out, list) else out).op
    assert op.type == op_type and op.name in str(e.value)


# -- gradients beyond the tables ---------------------------------------------------------------

def _grad_err(build, x):
    x = x.astype(np.float64)
    p = tf.placeholder(tf.float64, x.shape)
    y = build(p)
    with tf.Session():
        return tf.test.compute_gradient_error(p, x.shape, y, y.shape.as_list(), x_init_value=x)


def test_gradients_with_dynamic_shapes():
    """Grad paths that cannot fold shapes to constants (unknown dims)."""
    u = tf.placeholder(tf.float64, [None, 3])
    v = np.random.RandomState(3).uniform(size=(2, 3))
    outs = [tf.tile(u, [2, 1]), tf.pad(u, [[1, 0], [0, 2]]),
            tf.concat([u, u * 2.0], tf.constant(0)), tf.broadcast_to(u, [4, 2, 3]),
            tf.reverse(u, [1]), tf.expand_dims(u, 0), tf.reshape(u, [-1])]
    for out in outs:
        g, = tf.gradients(tf.reduce_sum(out * out), u)
        with tf.Session() as sess:
            got = sess.run(g, {u: v})
            assert got.shape == v.shape
    g, = tf.gradients(tf.reduce_sum(tf.tile(u, [2, 1])), u)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {u: v}), 2 * np.ones_like(v))
    g, = tf.gradients(tf.reduce_sum(tf.concat([u, 3.0 * u], tf.constant(0))), u)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {u: v}), 4 * np.ones_like(v))


def test_split_gradient_with_unused_outputs():
    x = tf.placeholder(tf.float64, [2, 4])
    a, b = tf.split(x, 2, axis=1)
    c, d, e = tf.unstack(tf.reshape(x, [4, 2])[:3])
    g1, = tf.gradients(tf.reduce_sum(a * 3.0), x)
    g2, = tf.gradients(tf.reduce_sum(d), x)
    with tf.Session() as sess:
        r1, r2 = sess.run([g1, g2], {x: np.ones((2, 4))})
    np.testing.assert_array_equal(r1, [[3, 3, 0, 0], [3, 3, 0, 0]])
    np.testing.assert_array_equal(r2, [[0, 0, 1, 1], [0, 0, 0, 0]])


def test_second_order_through_mirror_pad():
    x = tf.placeholder(tf.float64, [4])
    y = tf.pad(x, [[2, 1]], mode="REFLECT")
    g, = tf.gradients(tf.reduce_sum(y * y), x)
    gg, = tf.gradients(tf.reduce_sum(g), x)
    with tf.Session() as sess:
        r = sess.run(gg, {x: np.arange(4.0)})
    # d/dx of sum(2 * M^T M x) = 2 * M^T M 1 = 2 * (number of copies of each x in y)
    np.testing.assert_allclose(r, 2 * np.array([1, 2, 3, 1]))


def test_list_outputs_of_length_one_fetch_as_their_element():
    x = tf.constant([1.0, 2.0])
    (y,) = tf.identity_n([x])
    (z,) = tf.split(x, 1)
    (u,) = tf.unstack(tf.constant([[3.0, 4.0]]))
    with tf.Session() as s:
        for got, want in zip(s.run([y, z, u]), ([1.0, 2.0], [1.0, 2.0], [3.0, 4.0])):
            assert isinstance(got, np.ndarray)
            np.testing.assert_array_equal(got, want)
