"""Session tensors (GetSessionHandle, GetSessionTensor, DeleteSessionTensor): handles,
values and errors as real TF 2.21 gives them."""
import pytest

import flowgraph as tf

EXEMPT = {n: "tests/ops/test_session_ops.py (session state)" for n in (
    "GetSessionHandle", "GetSessionTensor", "DeleteSessionTensor")}


def _scenario(lib):
    g = lib.Graph()
    out = []
    with g.as_default():
        a = lib.constant([1.0, 2.0])
        h = lib.get_session_handle(a * 2)
        out += [h.op.type, h.dtype.name, h.shape.as_list()]
        with lib.Session(graph=g) as s:
            hv = s.run(h)
            out += [type(hv).__name__, hv.handle, str(hv)]
            p, t = lib.get_session_tensor(hv.handle, lib.float32)
            out += [p.dtype.name, t.op.type, t.dtype.name]
            out.append(s.run(t * 10, {p: hv.handle}).tolist())
            out.append(hv.eval().tolist())
            h2 = s.run(lib.get_session_handle(lib.constant(3)))
            p2, t2 = lib.get_session_tensor(h2.handle, lib.int32)
            out += [h2.handle, int(s.run(t2, {p2: h2.handle}))]
            hd, deleter = lib.delete_session_tensor(hv.handle)
            out += [deleter.type, s.run(deleter, {hd: hv.handle})]
            with pytest.raises(lib.errors.InvalidArgumentError):
                s.run(t, {p: hv.handle})
            h2.delete()
            with pytest.raises(lib.errors.InvalidArgumentError):
                s.run(t2, {p2: h2.handle})
        with lib.Session(graph=g) as s2:  # handles start again in a new session
            out.append(s2.run(h).handle)
    return out


def test_session_tensors():
    got = _scenario(tf)
    assert got[:3] == ["GetSessionHandle", "string", []]
    assert got[3] == "TensorHandle" and got[4].startswith("GetSessionHandle;0;")
    assert got[9:11] == [[20.0, 40.0], [2.0, 4.0]] and got[12] == 3
    tf_real = pytest.importorskip("tensorflow")
    assert got == _scenario(tf_real.compat.v1)


def test_wrong_dtype_is_invalid_argument():
    h = tf.get_session_handle(tf.constant([1.0]))
    with tf.Session() as s:
        hv = s.run(h)
        p, t = tf.get_session_tensor(hv.handle, tf.int32)
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run(t, {p: hv.handle})
        got = s.run({"h": h, "x": tf.constant(1)})
        assert type(got["h"]).__name__ == "TensorHandle" and got["x"] == 1
