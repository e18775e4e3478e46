"""Small files in the real formats of Keras's datasets, and a local HTTP server for them."""

import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import struct
import tarfile
import threading

import numpy as np


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _idx(path, arr, magic):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">II", magic, arr.shape[0]))
        if arr.ndim == 3:
            f.write(struct.pack(">II", arr.shape[1], arr.shape[2]))
        f.write(arr.astype(np.uint8).tobytes())


def _ragged(rng, n, vocab):
    out = np.empty(n, dtype="object")
    out[:] = [list(map(int, rng.randint(1, vocab, size=rng.randint(3, 12))))
              for _ in range(n)]
    return out


def write_all(root):
    """Write every fixture under `root`; returns {file name: path}."""
    rng = np.random.RandomState(0)
    files = {}
    p = os.path.join(root, "mnist.npz")
    np.savez(p, x_train=rng.randint(0, 256, (12, 28, 28)).astype(np.uint8),
             y_train=rng.randint(0, 10, 12).astype(np.uint8),
             x_test=rng.randint(0, 256, (5, 28, 28)).astype(np.uint8),
             y_test=rng.randint(0, 10, 5).astype(np.uint8))
    files["mnist.npz"] = p
    for name, shape, magic in [("train-labels-idx1-ubyte.gz", (7,), 2049),
                               ("train-images-idx3-ubyte.gz", (7, 28, 28), 2051),
                               ("t10k-labels-idx1-ubyte.gz", (3,), 2049),
                               ("t10k-images-idx3-ubyte.gz", (3, 28, 28), 2051)]:
        p = os.path.join(root, name)
        _idx(p, rng.randint(0, 256 if len(shape) > 1 else 10, shape), magic)
        files[name] = p
    p = os.path.join(root, "imdb.npz")
    np.savez(p, x_train=_ragged(rng, 9, 40), y_train=rng.randint(0, 2, 9),
             x_test=_ragged(rng, 6, 40), y_test=rng.randint(0, 2, 6))
    files["imdb.npz"] = p
    p = os.path.join(root, "boston_housing.npz")
    np.savez(p, x=rng.rand(20, 13), y=rng.rand(20) * 50)
    files["boston_housing.npz"] = p
    p = os.path.join(root, "cifar-10-python.tar.gz")
    with tarfile.open(p, "w:gz") as tar:
        for i, batch in enumerate(["data_batch_%d" % k for k in range(1, 6)] + ["test_batch"]):
            n = 4 if batch != "test_batch" else 3
            d = {b"batch_label": b"fixture batch %d" % i,
                 b"labels": [int(v) for v in rng.randint(0, 10, n)],
                 b"data": rng.randint(0, 256, (n, 3072)).astype(np.uint8),
                 b"filenames": [b"img%d.png" % k for k in range(n)]}
            blob = pickle.dumps(d, protocol=2)
            info = tarfile.TarInfo("cifar-10-batches-py/" + batch)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    files["cifar-10-python.tar.gz"] = p
    p = os.path.join(root, "imdb_word_index.json")
    with open(p, "w") as f:
        f.write('{"the": 1, "and": 2, "film": 19}')
    files["imdb_word_index.json"] = p
    return files


class Server:
    """Serves a folder on 127.0.0.1 at a free port; counts the requests."""

    def __init__(self, root):
        self.requests = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                super().do_GET()

        handler = functools.partial(Handler, directory=root)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
