"""Data for the MNIST examples: the standard MNIST IDX files, or scikit-learn's digits.

`load(data_dir)` reads `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
`t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` (each possibly gzipped, `.gz`) from
`data_dir`. Without a directory it falls back to scikit-learn's 8x8 digits (1797 images
shipped with scikit-learn), split 80/20 into train and test with a fixed seed. Images come
back as float32 in [0, 1], shape [N, height, width]; labels as int64 [N].

The IDX format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte, a byte
giving the number of dimensions, each dimension as a big-endian uint32, then the data in
row-major order, big-endian."""
import gzip
import os
import struct

import numpy as np

# IDX type byte -> big-endian numpy dtype
IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}

FILES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
         "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


def read_idx(path):
    """The array stored in the IDX file `path` (gzip-compressed when it ends in .gz or
    starts with the gzip magic bytes), in native byte order."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    type_code, ndim = raw[2], raw[3]
    if type_code not in IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX data type 0x{type_code:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = IDX_TYPES[type_code]
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"{path}: expected {count * dtype.itemsize} data bytes for shape "
                         f"{shape}, found {len(raw) - header}")
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=header)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def find_file(data_dir, stem):
    """The path of `stem` in `data_dir`: as is, gzipped, or with '.' for the last '-'
    (`train-images.idx3-ubyte`, as some mirrors name them)."""
    dotted = stem[::-1].replace("-", ".", 1)[::-1]
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{stem}[.gz] not found in {data_dir}")


def load_mnist(data_dir):
    """(train_images, train_labels, test_images, test_labels) from the IDX files."""
    arrays = {k: read_idx(find_file(data_dir, v)) for k, v in FILES.items()}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{part}: images {images.shape} and labels {labels.shape} do "
                             "not match")
    scale = lambda a: a.astype(np.float32) / 255.0  # noqa: E731
    return (scale(arrays["train_images"]), arrays["train_labels"].astype(np.int64),
            scale(arrays["test_images"]), arrays["test_labels"].astype(np.int64))


def load_digits(test_fraction=0.2, seed=0):
    """scikit-learn's 8x8 digits split into train and test (images scaled to [0, 1])."""
    from sklearn.datasets import load_digits as sk_digits
    d = sk_digits()
    images = (d.images / 16.0).astype(np.float32)
    labels = d.target.astype(np.int64)
    order = np.random.RandomState(seed).permutation(len(labels))
    n_test = int(round(len(labels) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return images[train], labels[train], images[test], labels[test]


def load(data_dir=None):
    """(name, train_images, train_labels, test_images, test_labels): MNIST from
    `data_dir`, or the digits when it is None."""
    if data_dir:
        return ("MNIST",) + load_mnist(data_dir)
    return ("digits (scikit-learn, 8x8)",) + load_digits()


def batches(n, batch_size, rng):
    """Index arrays covering a random permutation of range(n) in batches."""
    order = rng.permutation(n)
    for i in range(0, n, batch_size):
        yield order[i:i + batch_size]
