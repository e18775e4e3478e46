"""TFRecord files: `TFRecordWriter`, `tf_record_iterator`, `TFRecordOptions`.

A record is: uint64 length, uint32 masked CRC-32C of the 8 length bytes, the data, uint32
masked CRC-32C of the data (all little-endian). A file may be compressed as a whole with
zlib (ZLIB) or gzip (GZIP), using TF's zlib settings (memory level 9), so for the same
records our files are byte-identical to TF's.

Reading is hardened: a missing file is `NotFoundError`, a directory
`FailedPreconditionError`, a bad CRC or a record longer than the bytes left
`DataLossError`; a corrupt length never makes us allocate it."""
import os
import struct
import zlib

from flowgraph.framework import crc32c, errors

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter",
           "tf_record_iterator", "RecordReader", "encode_record"]

_HEADER = 12
_CHUNK = 1 << 20


class TFRecordCompressionType:
    """The compression of a TFRecord file."""
    NONE = 0
    ZLIB = 1
    GZIP = 2


class TFRecordOptions:
    """Options used for writing and reading TFRecord files (compression and zlib knobs)."""

    compression_type_map = {
        TFRecordCompressionType.ZLIB: "ZLIB",
        TFRecordCompressionType.GZIP: "GZIP",
        TFRecordCompressionType.NONE: "",
    }

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        if compression_type is not None:  # check it now, as TF does
            self.get_compression_type_string(compression_type)
        self.compression_type = compression_type
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options):
        """"", "ZLIB" or "GZIP" for options, a compression type or its name."""
        if not options:
            return ""
        if isinstance(options, TFRecordOptions):
            return cls.get_compression_type_string(options.compression_type)
        if isinstance(options, int) and not isinstance(options, bool) \
                and options in cls.compression_type_map:
            return cls.compression_type_map[options]
        if options in cls.compression_type_map.values():
            return options
        raise ValueError(f'Not a valid compression_type: "{options}"')

    def __repr__(self):
        return f"TFRecordOptions(compression_type={self.compression_type!r})"


def _options(options):
    if isinstance(options, TFRecordOptions):
        return options
    return TFRecordOptions(options)


def _wbits(opts, kind):
    if opts.window_bits is not None:  # TF replaces the whole value, gzip flag included
        return int(opts.window_bits)
    return zlib.MAX_WBITS + 16 if kind == "GZIP" else zlib.MAX_WBITS


def _masked(data):
    return crc32c.mask(crc32c.value(data))


def encode_record(data):
    """The framed bytes of one record holding `data`."""
    data = bytes(data)
    length = struct.pack("<Q", len(data))
    return b"".join((length, struct.pack("<I", _masked(length)), data,
                     struct.pack("<I", _masked(data))))


def _open_error(path, exc):
    if isinstance(exc, FileNotFoundError):
        return errors.NotFoundError(None, None, f"{path}; No such file or directory")
    if isinstance(exc, IsADirectoryError):
        return errors.FailedPreconditionError(None, None, f"{path}; Is a directory")
    if isinstance(exc, PermissionError):
        return errors.PermissionDeniedError(None, None, f"{path}; Permission denied")
    return errors.UnknownError(None, None, f"{path}; {exc}")


class _Deflater:
    """Compresses as TF's zlib output buffer does (the same input-buffer boundaries and
    flush calls), so the compressed bytes match TF's exactly."""

    def __init__(self, opts, kind):
        level = (zlib.Z_DEFAULT_COMPRESSION if opts.compression_level is None
                 else int(opts.compression_level))
        method = zlib.DEFLATED if opts.compression_method is None \
            else int(opts.compression_method)
        mem = 9 if opts.mem_level is None else int(opts.mem_level)
        strategy = zlib.Z_DEFAULT_STRATEGY if opts.compression_strategy is None \
            else int(opts.compression_strategy)
        self._z = zlib.compressobj(level, method, _wbits(opts, kind), mem, strategy)
        self._cap = (256 << 10) if opts.input_buffer_size is None \
            else int(opts.input_buffer_size)
        self._mode = zlib.Z_NO_FLUSH if opts.flush_mode is None else int(opts.flush_mode)
        self._buf = bytearray()

    def _deflate(self, data, mode):
        out = self._z.compress(data)
        if mode != zlib.Z_NO_FLUSH:
            out += self._z.flush(mode)
        return out

    def _deflate_buffered(self, mode):
        data = bytes(self._buf)
        self._buf.clear()
        return self._deflate(data, mode)

    def append(self, piece):
        if len(piece) <= self._cap - len(self._buf):
            self._buf += piece
            return b""
        out = self._deflate_buffered(self._mode)
        if len(piece) <= self._cap:
            self._buf += piece
            return out
        return out + self._deflate(piece, self._mode)

    def flush(self):
        return self._deflate_buffered(zlib.Z_PARTIAL_FLUSH)

    def finish(self):
        return self._deflate_buffered(zlib.Z_FINISH)


class TFRecordWriter:
    """A class to write records to a TFRecords file.

        with tf.io.TFRecordWriter(path, options) as writer:
            writer.write(example.SerializeToString())
    """

    def __init__(self, path, options=None):
        opts = _options(options)
        kind = TFRecordOptions.get_compression_type_string(opts)
        self._path = os.fspath(path)
        self._zip = _Deflater(opts, kind) if kind else None
        try:
            self._file = open(self._path, "wb")
        except OSError as e:
            raise _open_error(self._path, e) from None

    def _check(self):
        if getattr(self, "_file", None) is None:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")

    def write(self, record):
        """Write a string record to the file."""
        self._check()
        if isinstance(record, str):
            record = record.encode("utf-8")
        data = bytes(record)
        length = struct.pack("<Q", len(data))
        pieces = (length + struct.pack("<I", _masked(length)), data,
                  struct.pack("<I", _masked(data)))
        if self._zip is None:
            self._file.write(b"".join(pieces))
        else:
            for piece in pieces:
                self._file.write(self._zip.append(piece))

    def flush(self):
        """Flush the file."""
        self._check()
        if self._zip is not None:
            self._file.write(self._zip.flush())
        self._file.flush()

    def close(self):
        """Close the file."""
        if getattr(self, "_file", None) is None:
            return
        try:
            if self._zip is not None:
                self._file.write(self._zip.finish())
        finally:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to report to
            pass


class _Plain:
    """Bytes of an uncompressed file; knows how many are left."""

    def __init__(self, f):
        self._f = f

    def left(self):
        return os.fstat(self._f.fileno()).st_size - self._f.tell()

    def read(self, n):
        return self._f.read(n)


class _Inflating:
    """Bytes of a zlib or gzip file, inflated a chunk at a time (never more than asked)."""

    def __init__(self, f, wbits, path):
        self._f, self._wbits, self._path = f, wbits, path
        self._z = zlib.decompressobj(wbits)
        self._buf = bytearray()

    def left(self):
        return None  # unknown until read

    def _more(self):
        z = self._z
        try:
            if z.unconsumed_tail:
                out = z.decompress(z.unconsumed_tail, _CHUNK)
            elif z.eof and z.unused_data:  # concatenated gzip members
                rest = z.unused_data
                self._z = z = zlib.decompressobj(self._wbits)
                out = z.decompress(rest, _CHUNK)
            else:
                raw = self._f.read(_CHUNK)
                if not raw:
                    if self._seen and not z.eof:
                        raise errors.DataLossError(
                            None, None, f"truncated compressed stream in {self._path}")
                    return False
                self._seen = True
                out = z.decompress(raw, _CHUNK)
        except zlib.error as e:
            raise errors.DataLossError(None, None, f"{self._path}: {e}") from None
        self._buf += out
        return True

    _seen = False

    def read(self, n):
        while len(self._buf) < n:
            if not self._more():
                break
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


class RecordReader:
    """Reads the records of one TFRecord file in order: `read()` gives the next record's
    bytes, or None at the end of the file. `offset` is the byte offset (in the
    uncompressed stream) of the next record."""

    def __init__(self, path, options=None):
        opts = _options(options)
        kind = TFRecordOptions.get_compression_type_string(opts)
        self.path = os.fspath(path)
        try:
            if os.path.isdir(self.path):
                raise IsADirectoryError(self.path)
            self._file = open(self.path, "rb")
        except OSError as e:
            raise _open_error(self.path, e) from None
        self._src = _Inflating(self._file, _wbits(opts, kind), self.path) if kind \
            else _Plain(self._file)
        self.offset = 0

    def _loss(self, what):
        return errors.DataLossError(None, None, f"{what} at {self.offset} in {self.path}")

    def read(self):
        if self._file is None:
            return None
        head = self._src.read(_HEADER)
        if len(head) < _HEADER:  # a partial header at the end: a record still being written
            return None
        length_bytes = head[:8]
        if struct.unpack("<I", head[8:])[0] != _masked(length_bytes):
            raise self._loss("corrupted record")
        length, = struct.unpack("<Q", length_bytes)
        left = self._src.left()
        if left is not None and length + 4 > left:
            raise self._loss("truncated record")
        if length > _CHUNK:  # grow only as data really arrives
            parts, need = [], length
            while need:
                part = self._src.read(min(need, _CHUNK))
                if not part:
                    raise self._loss("truncated record")
                parts.append(part)
                need -= len(part)
            data = b"".join(parts)
        else:
            data = self._src.read(length)
        tail = self._src.read(4)
        if len(data) < length or len(tail) < 4:
            raise self._loss("truncated record")
        if struct.unpack("<I", tail)[0] != _masked(data):
            raise self._loss("corrupted record")
        self.offset += _HEADER + length + 4
        return data

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __iter__(self):
        try:
            while True:
                rec = self.read()
                if rec is None:
                    return
                yield rec
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tf_record_iterator(path, options=None):
    """An iterator that reads the records (bytes) of a TFRecords file."""
    yield from RecordReader(path, options)
