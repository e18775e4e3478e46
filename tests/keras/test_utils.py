"""keras.utils: to_categorical / normalize against tf_keras and numpy; get_file's cache,
hash checks, archives and progress output against tf_keras on a local HTTP server."""

import hashlib
import io
import os
import re
import tarfile
import zipfile

import numpy as np
import pytest

from flowgraph.keras import backend as K
from flowgraph.keras import layers, models, utils
from tests.keras import _datasets_fixtures as fx


@pytest.fixture(scope="module")
def tfk():
    pytest.importorskip("tensorflow")
    return pytest.importorskip("tf_keras")


@pytest.mark.parametrize("y,kw", [
    ([0, 1, 2, 3], {}), ([[1], [2], [0]], {}), ([1, 0], {"num_classes": 5}),
    (np.arange(6).reshape(2, 3) % 4, {}), ([2, 1], {"num_classes": 3, "dtype": "int32"}),
    ([[0.0], [3.7]], {}), ([-1, 0], {"num_classes": 3}), (3, {"num_classes": 4}),
])
def test_to_categorical_as_tf_keras(tfk, y, kw):
    got = utils.to_categorical(y, **kw)
    want = tfk.utils.to_categorical(y, **kw)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_to_categorical_hand():
    np.testing.assert_array_equal(utils.to_categorical([2, 0], 3),
                                  [[0, 0, 1], [1, 0, 0]])


@pytest.mark.parametrize("axis,order", [(-1, 2), (0, 2), (1, 1), (-1, np.inf)])
def test_normalize(tfk, axis, order):
    x = np.random.RandomState(1).randn(4, 3)
    x[1] = 0
    np.testing.assert_allclose(utils.normalize(x, axis, order),
                               tfk.utils.normalize(x, axis, order))


def test_normalize_vector():
    np.testing.assert_allclose(utils.normalize(np.array([3.0, 4.0])), [[0.6, 0.8]])


class Batches(utils.Sequence):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return i * 10


def test_sequence():
    seq = Batches()
    assert list(seq) == [0, 10, 20]
    assert seq.on_epoch_end() is None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    (root / "blob.bin").write_bytes(os.urandom(50000))
    (root / "inner").mkdir()
    (root / "inner" / "a.txt").write_text("alpha")
    with tarfile.open(root / "pack.tar.gz", "w:gz") as t:
        t.add(root / "inner" / "a.txt", arcname="pack/a.txt")
    with zipfile.ZipFile(root / "z.zip", "w") as z:
        z.writestr("zipped/b.txt", "beta")
    with tarfile.open(root / "evil.tar", "w") as t:
        for name in ("../escaped.txt", "ok.txt"):
            info = tarfile.TarInfo(name)
            info.size = 1
            t.addfile(info, io.BytesIO(b"x"))
    s = fx.Server(str(root))
    s.root = root
    yield s
    s.close()


def _sha(path, algo="sha256"):
    return hashlib.new(algo, open(path, "rb").read()).hexdigest()


def test_get_file_cache_and_hashes(server, tmp_path, capsys):
    url = server.url + "blob.bin"
    p = utils.get_file("blob.bin", url, cache_dir=tmp_path)
    assert p == os.path.join(str(tmp_path), "datasets", "blob.bin")
    assert open(p, "rb").read() == (server.root / "blob.bin").read_bytes()
    n = len(server.requests)
    assert utils.get_file(origin=url, cache_dir=tmp_path, cache_subdir="other") == \
        os.path.join(str(tmp_path), "other", "blob.bin")  # fname from the URL
    assert utils.get_file("blob.bin", url, cache_dir=tmp_path,
                          file_hash=_sha(p)) == p
    assert utils.get_file("blob.bin", url, cache_dir=tmp_path, md5_hash=_sha(p, "md5")) == p
    assert len(server.requests) == n + 1
    assert utils.validate_file(p, _sha(p, "md5")) and not utils.validate_file(p, "0" * 32)
    capsys.readouterr()
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected. The auto"):
        utils.get_file("blob.bin", url, cache_dir=tmp_path, file_hash="0" * 32)
    assert "A local file was found, but it seems to be incomplete" in capsys.readouterr().out
    with pytest.raises(ValueError, match="origin"):
        utils.get_file("x")


def test_get_file_errors_remove_partial(server, tmp_path):
    with pytest.raises(Exception, match=r"URL fetch failure on .*missing.bin: 404 -- "):
        utils.get_file("missing.bin", server.url + "missing.bin", cache_dir=tmp_path)
    assert not os.path.exists(tmp_path / "datasets" / "missing.bin")


def test_get_file_archives(server, tmp_path):
    d = utils.get_file("pack", server.url + "pack.tar.gz", untar=True, cache_dir=tmp_path)
    assert d == os.path.join(str(tmp_path), "datasets", "pack")
    assert open(os.path.join(d, "a.txt")).read() == "alpha"
    p = utils.get_file("z.zip", server.url + "z.zip", extract=True, cache_dir=tmp_path)
    assert p.endswith("z.zip")
    assert (tmp_path / "datasets" / "zipped" / "b.txt").read_text() == "beta"
    utils.get_file("evil.tar", server.url + "evil.tar", extract=True,
                   cache_dir=tmp_path / "c")
    assert (tmp_path / "c" / "datasets" / "ok.txt").exists()
    assert not (tmp_path / "c" / "escaped.txt").exists()


def _shape(out):
    """Progress output with numbers of seconds blanked."""
    return re.sub(r"\d+(us|ms|s)/step", "T/step", re.sub(r" - \d+s ", " - Ts ", out))


def test_get_file_output_as_tf_keras(tfk, server, tmp_path, capsys):
    url = server.url + "blob.bin"
    (tmp_path / "k").mkdir()  # tf_keras falls back to /tmp/.keras for a missing folder
    capsys.readouterr()
    tfk.utils.get_file("blob.bin", url, cache_dir=str(tmp_path / "k"))
    want = capsys.readouterr().out
    utils.get_file("blob.bin", url, cache_dir=tmp_path / "f")
    got = capsys.readouterr().out
    last = lambda out: re.split(r"[\r\n]", out.rstrip("\n"))[-1]
    assert got.splitlines()[0] == want.splitlines()[0]  # Downloading data from ...
    assert _shape(last(got)) == _shape(last(want))  # the finished bar
    assert got.endswith("\n")


# --- plot_model / model_to_dot ----------------------------------------------------------

def _dot_parts(dot):
    """{node id: label} and the set of (src, dst) edges of a graphviz.Digraph."""
    nodes, edges = {}, set()
    for line in dot.body:
        m = re.match(r'\s*(\S+) -> (\S+)', line)
        if m:
            edges.add((m.group(1), m.group(2)))
            continue
        m = re.match(r'\s*(\S+) \[label=(?:"(.*)"|(\w+))\]', line)
        if m:
            nodes[m.group(1)] = m.group(2) or m.group(3)
    return nodes, edges


def test_model_to_dot_labels_and_edges(tmp_path):
    pytest.importorskip("graphviz")
    K.clear_session()
    inp = layers.Input((4,), name="x")
    h = layers.Dense(3, activation="relu", name="h")(inp)
    a = layers.Dense(2, name="a")(h)
    b = layers.Dense(1, name="b")(h)
    model = models.Model(inp, [a, b])
    nodes, edges = _dot_parts(utils.model_to_dot(model))
    by_label = {v: k for k, v in nodes.items()}
    assert set(by_label) == {"x|InputLayer", "h|Dense", "a|Dense", "b|Dense"}
    assert edges == {(by_label["x|InputLayer"], by_label["h|Dense"]),
                     (by_label["h|Dense"], by_label["a|Dense"]),
                     (by_label["h|Dense"], by_label["b|Dense"])}
    nodes, _ = _dot_parts(utils.model_to_dot(model, show_shapes=True,
                                             show_layer_activations=True,
                                             show_trainable=True))
    assert "T|{h|{Dense|relu}}|{input:|output:}|{{(None, 4)}|{(None, 3)}}" in nodes.values()
    nodes, _ = _dot_parts(utils.model_to_dot(model, layer_range=["h", "a"]))
    assert sorted(nodes.values()) == ["a|Dense", "h|Dense"]
    seq = models.Sequential([layers.Dense(2, input_shape=(3,))])
    nodes, edges = _dot_parts(utils.model_to_dot(seq, show_layer_names=False))
    assert sorted(nodes.values()) == ["Dense", "InputLayer"] and len(edges) == 1
    utils.plot_model(model, to_file=str(tmp_path / "m.dot"))
    text = (tmp_path / "m.dot").read_text()
    assert "rankdir=TB" in text and "shape=record" in text and "h|Dense" in text
    with pytest.raises(ValueError, match="has not yet been built"):
        utils.plot_model(models.Sequential([layers.Dense(2)]))
