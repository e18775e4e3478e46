"""Damaged GraphDef, MetaGraphDef and checkpoint-state files: reading them fails with
ValueError/IOError or a tf.errors class, never another exception or a hang."""
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import flowgraph as tf
from flowgraph.framework import graph_io
from flowgraph.train import checkpoint_management as cm

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
_OK = (ValueError, IOError, tf.errors.OpError)  # never TypeError, KeyError, ...
# GraphDefs with function libraries (If/While bodies), made by TF.
_CONTROL_FLOW = ("tf_cf/nested_loops.pb", "tf_cf/map_and_scan.pb", "tf_cf/cond.pb")
_FUZZ = settings(max_examples=int(os.environ.get("FG_FUZZ_EXAMPLES", 40)), deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def _damage(data, draw):
    data = bytearray(data)
    if draw(st.booleans()):
        return bytes(data[:draw(st.integers(0, len(data) - 1))])
    for _ in range(draw(st.integers(1, 6))):
        data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


@pytest.fixture(scope="module")
def files():
    out = {}
    for name in ("tf_frozen_mlp.pb", "tf_frozen_mlp.pbtxt", "tf_ckpt/model-7.meta",
                 "tf_ckpt/checkpoint") + _CONTROL_FLOW:
        with open(os.path.join(FIXTURES, name), "rb") as f:
            out[name] = f.read()
    return out


@_FUZZ
@given(st.data())
def test_damaged_graph_defs(tmp_path, files, data):
    name = data.draw(st.sampled_from(["tf_frozen_mlp.pb", "tf_frozen_mlp.pbtxt"] +
                                     list(_CONTROL_FLOW)))
    path = tmp_path / os.path.basename(name)
    path.write_bytes(_damage(files[name], data.draw))
    with tf.Graph().as_default():
        try:
            tf.import_graph_def(graph_io.read_graph_def(str(path)), name="")
        except _OK:
            pass


@_FUZZ
@given(st.data())
def test_damaged_meta_graphs(tmp_path, files, data):
    path = tmp_path / "m.meta"
    path.write_bytes(_damage(files["tf_ckpt/model-7.meta"], data.draw))
    with tf.Graph().as_default():
        try:
            tf.train.import_meta_graph(str(path))
        except _OK:
            pass


@_FUZZ
@given(st.data())
def test_damaged_checkpoint_state(tmp_path, files, data):
    (tmp_path / "checkpoint").write_bytes(_damage(files["tf_ckpt/checkpoint"], data.draw))
    try:
        cm.latest_checkpoint(str(tmp_path))
    except _OK:
        pass
