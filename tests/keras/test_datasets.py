"""keras.datasets: the download path against a local HTTP server serving small files in
the real formats, the cache (a second load does not download), the offline error, the
restricted unpickler, and the arrays against tf_keras's own loaders on the same files."""

import os
import pickle
import tarfile

import numpy as np
import pytest

from flowgraph.keras import backend
from flowgraph.keras.datasets import (_files, boston_housing, cifar10, fashion_mnist, imdb,
                                      mnist)
from tests.keras import _datasets_fixtures as fx


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("served"))
    files = fx.write_all(root)
    server = fx.Server(root)
    yield server, files
    server.close()


@pytest.fixture
def keras_home(tmp_path, monkeypatch, served):
    """Keras's cache in a temporary KERAS_HOME, origins pointed at the local server and
    the expected hashes set to the fixtures' (so the hash check really runs)."""
    server, files = served
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(_files, "ORIGIN_FOLDER", server.url)
    monkeypatch.setattr(cifar10, "ORIGIN", server.url + "cifar-10-python.tar.gz")
    monkeypatch.setattr(mnist, "FILE_HASH", fx.sha256(files["mnist.npz"]))
    monkeypatch.setattr(imdb, "FILE_HASH", fx.sha256(files["imdb.npz"]))
    monkeypatch.setattr(boston_housing, "FILE_HASH", fx.sha256(files["boston_housing.npz"]))
    monkeypatch.setattr(cifar10, "FILE_HASH", fx.sha256(files["cifar-10-python.tar.gz"]))
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", None)
    return home


def test_mnist_downloads_then_reads_cache(keras_home, served, capsys):
    server, files = served
    before = len(server.requests)
    (x, y), (xt, yt) = mnist.load_data()
    ref = np.load(files["mnist.npz"])
    np.testing.assert_array_equal(x, ref["x_train"])
    np.testing.assert_array_equal(yt, ref["y_test"])
    assert x.dtype == np.uint8 and x.shape == (12, 28, 28) and xt.shape == (5, 28, 28)
    assert os.path.exists(keras_home / "datasets" / "mnist.npz")
    out = capsys.readouterr().out
    assert out.startswith("Downloading data from %smnist.npz\n" % server.url)
    assert "[==============================]" in out
    assert len(server.requests) == before + 1
    mnist.load_data()
    assert len(server.requests) == before + 1  # second load reads the cached file
    assert "Downloading" not in capsys.readouterr().out


def test_wrong_hash_redownloads_and_fails(keras_home, served, monkeypatch, capsys):
    mnist.load_data()
    monkeypatch.setattr(mnist, "FILE_HASH", "0" * 64)
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected"):
        mnist.load_data()
    assert "A local file was found" in capsys.readouterr().out


def test_fashion_mnist_idx(keras_home, served):
    (x, y), (xt, yt) = fashion_mnist.load_data()
    assert x.shape == (7, 28, 28) and y.shape == (7,) and xt.shape == (3, 28, 28)
    assert x.dtype == np.uint8
    assert os.path.isdir(keras_home / "datasets" / "fashion-mnist")


def test_cifar10_untar_and_layout(keras_home, served):
    (x, y), (xt, yt) = cifar10.load_data()
    assert x.shape == (20, 32, 32, 3) and y.shape == (20, 1) and y.dtype == np.uint8
    assert xt.shape == (3, 32, 32, 3) and yt.shape == (3, 1)
    assert os.path.isdir(keras_home / "datasets" / "cifar-10-batches-py")


def test_imdb_and_boston(keras_home, served):
    (x, y), (xt, yt) = imdb.load_data(num_words=20, maxlen=10)
    assert x.dtype == object and all(max(s) < 20 for s in x)
    assert all(len(s) < 10 for s in x)
    (bx, by), (btx, bty) = boston_housing.load_data()
    assert bx.shape == (16, 13) and btx.shape == (4, 13)
    assert imdb.get_word_index() == {"the": 1, "and": 2, "film": 19}
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        imdb.load_data(bogus=1)


def test_offline_error_names_file_and_place(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(_files, "ORIGIN_FOLDER", "http://127.0.0.1:9/")  # nothing listens
    with pytest.raises(Exception, match="URL fetch failure") as info:
        mnist.load_data()
    msg = str(info.value)
    assert "'mnist.npz'" in msg
    assert os.path.join(str(tmp_path), "datasets", "mnist.npz") in msg
    assert not os.path.exists(tmp_path / "datasets" / "mnist.npz")


def test_restricted_unpickler_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    p = tmp_path / "data_batch_1"
    p.write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        cifar10.load_batch(str(p))
    np.savez(tmp_path / "evil.npz", x=np.array([Evil()], dtype=object))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        _files.load_npz(str(tmp_path / "evil.npz"))


# --- the same files through tf_keras's own loaders --------------------------------------

@pytest.fixture
def tfk_datasets(served, monkeypatch):
    pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    from tf_keras.src.datasets import (boston_housing as kb, cifar as kcb, cifar10 as kc,
                                       fashion_mnist as kf, imdb as ki, mnist as km)
    _, files = served

    def fake_get_file(fname, origin, untar=False, cache_dir=None, **kwargs):
        name = os.path.basename(origin)
        if untar:
            dest = os.path.join(os.path.dirname(files[name]), "untarred")
            if not os.path.isdir(dest):
                with tarfile.open(files[name]) as t:
                    t.extractall(dest, filter="data")
            return os.path.join(dest, fname)
        return files[name]

    for mod in (kb, kc, kf, ki, km):
        monkeypatch.setattr(mod, "get_file", fake_get_file)
    return {"boston_housing": kb, "cifar10": kc, "cifar": kcb, "fashion_mnist": kf, "imdb": ki,
            "mnist": km}


def _assert_same(a, b):
    (x, y), (xt, yt) = a
    (rx, ry), (rxt, ryt) = b
    for got, want in [(x, rx), (y, ry), (xt, rxt), (yt, ryt)]:
        assert got.shape == want.shape and got.dtype == want.dtype
        if got.dtype == object:
            assert [list(s) for s in got] == [list(s) for s in want]
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name,kwargs", [
    ("mnist", {}), ("fashion_mnist", {}), ("boston_housing", {}),
    ("boston_housing", {"test_split": 0.35, "seed": 3}),
    ("imdb", {}), ("imdb", {"num_words": 15, "skip_top": 2, "maxlen": 9}),
    ("imdb", {"start_char": None, "oov_char": None, "index_from": 2, "seed": 5}),
])
def test_same_arrays_as_tf_keras(keras_home, tfk_datasets, name, kwargs):
    ours = {"mnist": mnist, "fashion_mnist": fashion_mnist, "cifar10": cifar10,
            "boston_housing": boston_housing, "imdb": imdb}[name]
    _assert_same(ours.load_data(**kwargs), tfk_datasets[name].load_data(**kwargs))


def test_cifar_batches_as_tf_keras(keras_home, tfk_datasets):
    """tf_keras's cifar10.load_data assumes 10,000 images per batch, so the small fixture is
    compared batch by batch (its `load_batch`) and through the channels-last transpose."""
    (x, y), (xt, yt) = cifar10.load_data()
    path = keras_home / "datasets" / "cifar-10-batches-py"
    rows = []
    for i in range(1, 6):
        rd, rl = tfk_datasets["cifar"].load_batch(str(path / ("data_batch_%d" % i)))
        d, l = cifar10.load_batch(str(path / ("data_batch_%d" % i)))
        np.testing.assert_array_equal(d, rd)
        assert list(l) == list(rl)
        rows.append((rd, rl))
    np.testing.assert_array_equal(x, np.concatenate([r[0] for r in rows]).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y[:, 0], np.concatenate([r[1] for r in rows]))


def test_cifar10_channels_first(keras_home, served):
    old = backend.image_data_format()
    backend.set_image_data_format("channels_first")
    try:
        (x, _), (xt, _) = cifar10.load_data()
    finally:
        backend.set_image_data_format(old)
    assert x.shape == (20, 3, 32, 32) and xt.shape == (3, 3, 32, 32)


def test_offline_error_for_cifar_names_the_tar_gz(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(cifar10, "ORIGIN", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    with pytest.raises(Exception, match="URL fetch failure") as info:
        cifar10.load_data()
    assert os.path.join(str(tmp_path), "datasets", "cifar-10-batches-py.tar.gz") in \
        str(info.value)
    assert "http://127.0.0.1:9/cifar-10-python.tar.gz" in str(info.value)


def test_local_file_is_read_without_download(tmp_path, monkeypatch, served):
    """A file put where the error says is used as is (its hash checked)."""
    _, files = served
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(_files, "ORIGIN_FOLDER", "http://127.0.0.1:9/")
    monkeypatch.setattr(mnist, "FILE_HASH", fx.sha256(files["mnist.npz"]))
    os.makedirs(tmp_path / "datasets")
    with open(files["mnist.npz"], "rb") as src:
        (tmp_path / "datasets" / "mnist.npz").write_bytes(src.read())
    (x, _), _ = mnist.load_data()
    assert x.shape == (12, 28, 28)
    (x, _), _ = mnist.load_data(path=files["mnist.npz"])  # an absolute path
    assert x.shape == (12, 28, 28)
