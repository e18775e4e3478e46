"""File datasets: `TextLineDataset`, `TFRecordDataset` (TF's framing, optional GZIP or
ZLIB compression) and `FixedLengthRecordDataset`, each over a list of file names."""
import gzip
import io
import zlib

import numpy as np

from flowgraph.data import dataset, pipeline
from flowgraph.framework import dtypes, errors, tensor_shape, tf_record
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.type_spec import TensorSpec

_STRING = TensorSpec([], dtypes.string)


def _text(x):
    x = x.item() if hasattr(x, "item") else x
    return x.decode() if isinstance(x, bytes) else str(x)


def _names(filenames):
    return [_text(f) for f in np.asarray(filenames, dtype=object).reshape(-1)]


def _open(path, compression):
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") \
            from None
    except OSError as e:
        raise errors.UnknownError(None, None, f"{path}; {e}") from None
    if compression == "GZIP":
        return gzip.GzipFile(fileobj=f)
    if compression == "ZLIB":
        data = f.read()
        f.close()
        try:
            return io.BytesIO(zlib.decompress(data))
        except zlib.error as e:
            raise errors.DataLossError(None, None, f"{path}: {e}") from None
    if compression:
        raise errors.InvalidArgumentError(None, None, f"Unsupported compression_type: "
                                                      f"{compression}.")
    return f


@pipeline.source
def _lines(filenames, compression):
    for name in _names(filenames):
        with _open(name, compression) as f:
            for line in f:
                if line.endswith(b"\n"):
                    line = line[:-1]
                    if line.endswith(b"\r"):
                        line = line[:-1]
                yield [np.array(line, dtype=object)]


@pipeline.source
def _records(filenames, compression):
    opts = tf_record.TFRecordOptions(compression or None)
    for name in _names(filenames):
        for rec in tf_record.RecordReader(name, opts):
            yield [np.array(rec, dtype=object)]


@pipeline.source
def _fixed(filenames, header, record, footer, compression):
    if record <= 0:
        raise errors.InvalidArgumentError(None, None, "record_bytes must be > 0")
    for name in _names(filenames):
        with _open(name, compression) as f:
            data = f.read()
        body = data[header:len(data) - footer if footer else len(data)]
        if len(body) % record:
            raise errors.InvalidArgumentError(
                None, None, f"Excluding the header ({header} bytes) and footer ({footer} "
                            f"bytes), input file \"{name}\" has body length {len(body)} "
                            f"bytes, which is not an exact multiple of the record length "
                            f"({record} bytes).")
        for i in range(0, len(body), record):
            yield [np.array(body[i:i + record], dtype=object)]


class _ReaderOp:
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.TensorShape([])


@defop("TextLineDataset", inputs=("filenames: string", "compression_type: string",
                                  "buffer_size: int64"), outputs=("handle: variant",),
       attrs={"metadata": ""}, stateful=True)
class TextLineDatasetOp(_ReaderOp):
    """The lines of the files (without line endings)."""

    def kernel(xp, filenames, compression_type, buffer_size):
        return _lines(filenames, _text(compression_type))


@defop("TFRecordDataset", inputs=("filenames: string", "compression_type: string",
                                  "buffer_size: int64"), outputs=("handle: variant",),
       attrs={"metadata": ""}, stateful=True)
class TFRecordDatasetOp(_ReaderOp):
    """The records of the TFRecord files."""

    def kernel(xp, filenames, compression_type, buffer_size):
        return _records(filenames, _text(compression_type))


@defop("FixedLengthRecordDatasetV2", inputs=(
        "filenames: string", "header_bytes: int64", "record_bytes: int64",
        "footer_bytes: int64", "buffer_size: int64", "compression_type: string"),
       outputs=("handle: variant",), attrs={"metadata": ""}, stateful=True)
class FixedLengthRecordDatasetOp(_ReaderOp):
    """The fixed-length records of the files, after a header and before a footer."""

    def kernel(xp, filenames, header_bytes, record_bytes, footer_bytes, buffer_size,
               compression_type):
        return _fixed(filenames, int(header_bytes), int(record_bytes), int(footer_bytes),
                      _text(compression_type))


def _filenames(filenames):
    t = convert_to_tensor(filenames, dtype=dtypes.string, name="filenames")
    if t.shape.ndims not in (None, 0, 1):
        raise TypeError("`filenames` must be a `tf.Tensor` of `tf.string` with rank 0 "
                        "or 1")
    return t


def _compression(c):
    return convert_to_tensor("" if c is None else c, dtype=dtypes.string,
                             name="compression_type")


def _per_file(cls, filenames, *args):
    """The variant of `cls(f, *args)` for each file name `f` of a dataset, in turn."""
    return filenames.flat_map(lambda f: cls(f, *args))._variant_tensor


class TextLineDataset(dataset.DatasetV1):
    """A dataset of the lines of one or more text files (names: a string, a list, a
    string tensor or a dataset of them)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        if isinstance(filenames, dataset.DatasetV1):
            super().__init__(_per_file(TextLineDataset, filenames, compression_type,
                                       buffer_size), _STRING)
            return
        v = apply_op("TextLineDataset", [
            _filenames(filenames), _compression(compression_type),
            convert_to_tensor(256 * 1024 if buffer_size is None else buffer_size,
                              dtype=dtypes.int64, name="buffer_size")])
        super().__init__(v, _STRING)


class TFRecordDataset(dataset.DatasetV1):
    """A dataset of the records of one or more TFRecord files (names: a string, a list,
    a string tensor or a dataset of them)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        if isinstance(filenames, dataset.DatasetV1):
            super().__init__(_per_file(TFRecordDataset, filenames, compression_type,
                                       buffer_size), _STRING)
            return
        v = apply_op("TFRecordDataset", [
            _filenames(filenames), _compression(compression_type),
            convert_to_tensor(256 * 1024 if buffer_size is None else buffer_size,
                              dtype=dtypes.int64, name="buffer_size")])
        super().__init__(v, _STRING)


class FixedLengthRecordDataset(dataset.DatasetV1):
    """A dataset of fixed-length records (`record_bytes` each) of binary files."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None,
                 name=None):
        if isinstance(filenames, dataset.DatasetV1):
            super().__init__(_per_file(FixedLengthRecordDataset, filenames, record_bytes,
                                       header_bytes, footer_bytes, buffer_size,
                                       compression_type), _STRING)
            return

        def i64(x, default, n):
            return convert_to_tensor(default if x is None else x, dtype=dtypes.int64,
                                     name=n)
        v = apply_op("FixedLengthRecordDatasetV2", [
            _filenames(filenames), i64(header_bytes, 0, "header_bytes"),
            i64(record_bytes, 0, "record_bytes"), i64(footer_bytes, 0, "footer_bytes"),
            i64(buffer_size, 256 * 1024, "buffer_size"), _compression(compression_type)])
        super().__init__(v, _STRING)
