"""V2 checkpoints (TF's "tensor bundle"): `<prefix>.index` + `<prefix>.data-SSSSS-of-NNNNN`.

The index is a sorted string table (see `sstable`) mapping "" to a BundleHeaderProto and
each tensor name to a BundleEntryProto (dtype, shape, shard, offset, size, masked CRC32C).
Data files hold the raw tensor bytes back to back. Files are written under temporary names,
synced, and renamed into place, data first and index last, then the directory is synced:
a new prefix is complete or absent. (Over an existing prefix the two renames are not one
step: `Saver.save` writes a fresh prefix first and moves it in while the state file points
at the copy, see `saver.py`.) Readers check every checksum and bound: damaged files raise
`DataLossError`.
"""
import glob
import os
import shutil
import struct

import numpy as np
from google.protobuf.message import DecodeError

from flowgraph.framework import crc32c, dtypes, durable, errors
from flowgraph.proto import tensor_bundle_pb2
from flowgraph.framework import sstable

__all__ = ["BundleWriter", "BundleReader", "merge_bundles", "bundle_files",
           "install_bundle", "remove_bundle", "data_filename", "index_filename"]

_BUNDLE_VERSION = 1
_STRING = dtypes.string.as_datatype_enum


def index_filename(prefix):
    return prefix + ".index"


def data_filename(prefix, shard, num_shards):
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


_temp_name = durable.temp_name


def _np_dtype(enum):
    d = dtypes.as_dtype(enum)
    return np.dtype(d.as_numpy_dtype).newbyteorder("<")


def _encode_strings(flat):
    """The stored bytes of a string tensor and their (unmasked) running CRC."""
    items = [x.encode() if isinstance(x, str) else bytes(x) for x in flat]
    lengths = b"".join(sstable.put_varint(len(x)) for x in items)
    len_crc = 0
    for x in items:
        n = len(x)
        len_crc = crc32c.extend(len_crc, struct.pack("<I", n) if n <= 0xFFFFFFFF
                                else struct.pack("<Q", n))
    len_crc_bytes = struct.pack("<I", crc32c.mask(len_crc))
    payload = b"".join(items)
    crc = crc32c.extend(crc32c.extend(len_crc, len_crc_bytes), payload)
    return lengths + len_crc_bytes + payload, crc


class BundleWriter:
    """Writes one unsharded bundle: `add(name, array)` for each tensor, then `finish()`."""

    def __init__(self, prefix, shard_id=0, num_shards=1):
        self._prefix = prefix
        directory = os.path.dirname(prefix)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self._data_path = data_filename(prefix, shard_id, num_shards)
        self._data_tmp = _temp_name(self._data_path)
        self._data = open(self._data_tmp, "wb")
        self._offset = 0
        self._entries = {}
        self._num_shards = num_shards
        self._shard_id = shard_id

    def add(self, name, value):
        if isinstance(name, bytes):
            name = name.decode()
        if name in self._entries:
            raise errors.InvalidArgumentError(None, None, f"Adding duplicate key: {name}")
        if name == "":
            raise errors.InvalidArgumentError(None, None, "The empty key is reserved")
        arr = np.asarray(value)
        dt = dtypes.string if arr.dtype.kind in "OSU" else dtypes.as_dtype(arr.dtype)
        entry = tensor_bundle_pb2.BundleEntryProto(dtype=dt.as_datatype_enum,
                                                   shard_id=self._shard_id,
                                                   offset=self._offset)
        entry.shape.SetInParent()
        for d in arr.shape:
            entry.shape.dim.add().size = d
        if dt == dtypes.string:
            data, crc = _encode_strings(arr.reshape(-1).tolist())
        else:
            data = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
            crc = crc32c.value(data)
        self._data.write(data)
        entry.size = len(data)
        entry.crc32c = crc32c.mask(crc)
        self._offset += len(data)
        self._entries[name] = entry

    def add_entry(self, name, entry):
        """Records an entry whose bytes live in another shard (used when merging)."""
        self._entries[name] = entry

    def finish(self):
        """Writes the index and moves both files into place."""
        index_path = index_filename(self._prefix)
        index_tmp = _temp_name(index_path)
        try:
            durable.sync_file(self._data)
            self._data.close()
            header = tensor_bundle_pb2.BundleHeaderProto(num_shards=self._num_shards)
            header.version.producer = _BUNDLE_VERSION
            with open(index_tmp, "wb") as f:
                table = sstable.TableWriter(f)
                table.add(b"", header.SerializeToString())
                for key in sorted(k.encode() for k in self._entries):
                    table.add(key, self._entries[key.decode()].SerializeToString())
                table.finish()
                durable.sync_file(f)
            os.replace(self._data_tmp, self._data_path)
            os.replace(index_tmp, index_path)
            durable.sync_directory(os.path.dirname(index_path))
        except BaseException:
            self.abort()
            _remove(index_tmp)
            raise
        finally:
            durable.done(index_tmp)
            durable.done(self._data_tmp)

    def abort(self):
        """Drops the partial files (the previous checkpoint, if any, is untouched)."""
        if not self._data.closed:
            self._data.close()
        _remove(self._data_tmp)
        durable.done(self._data_tmp)


def bundle_files(prefix):
    """The files of the complete bundle at `prefix`: its data shards, then its index."""
    n = BundleReader(prefix)._num_shards
    return [data_filename(prefix, i, n) for i in range(n)] + [index_filename(prefix)]


def install_bundle(src, dst):
    """Puts the bundle at prefix `src` in place at prefix `dst` as well (hard links, or
    copies where links fail): data shards first, the index last, each through a
    temporary name and a rename; the directory is synced. `src` stays whole throughout,
    so a state file pointing at it stays valid while `dst` changes."""
    for f in bundle_files(src):
        target = dst + f[len(src):]
        tmp = durable.temp_name(target)
        try:
            try:
                os.link(f, tmp)
            except OSError:
                shutil.copyfile(f, tmp)
                with open(tmp, "rb+") as g:
                    durable.sync_file(g)
            os.replace(tmp, target)
        except BaseException:
            _remove(tmp)
            raise
        finally:
            durable.done(tmp)
    durable.sync_directory(os.path.dirname(dst))


def remove_bundle(prefix):
    """Deletes the index and data shards of the bundle at `prefix` (missing ones ignored)."""
    for f in glob.glob(glob.escape(prefix) + ".data-?????-of-?????") + [index_filename(prefix)]:
        _remove(f)


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


class BundleReader:
    """Reads a bundle's index at construction; `read(name)` loads and checks one tensor."""

    def __init__(self, prefix):
        self._prefix = prefix
        path = index_filename(prefix)
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise errors.NotFoundError(
                None, None, "Unsuccessful TensorSliceReader constructor: Failed to find any "
                            f"matching files for {prefix}") from None
        except OSError as e:
            raise errors.DataLossError(None, None, f"Unable to read {path}: {e}") from None
        self._index_path = path
        table = sstable.TableReader(raw, path)
        items = table.items()
        first = next(items, None)
        if first is None or first[0] != b"":
            self._fail("missing bundle header")
        header = self._parse(tensor_bundle_pb2.BundleHeaderProto, first[1], "header")
        v = header.version
        if v.min_consumer > _BUNDLE_VERSION or _BUNDLE_VERSION in v.bad_consumers:
            raise errors.InvalidArgumentError(
                None, None, f"Checkpoint {path} was written by a newer producer "
                            f"(min_consumer {v.min_consumer}) than this reader understands")
        if header.num_shards < 1:
            self._fail(f"bad number of shards {header.num_shards}")
        self._num_shards = header.num_shards
        self._swap = header.endianness == tensor_bundle_pb2.BundleHeaderProto.BIG
        self._entries = {}
        for key, value in items:
            self._entries[key] = self._parse(tensor_bundle_pb2.BundleEntryProto, value,
                                             repr(key))

    def _fail(self, msg, path=None):
        raise errors.DataLossError(None, None,
                                   f"{msg} in checkpoint file {path or self._index_path}")

    def _parse(self, cls, data, what):
        msg = cls()
        try:
            msg.ParseFromString(data)
        except (DecodeError, ValueError, RuntimeError):
            self._fail(f"Unparsable bundle entry {what}")
        return msg

    @property
    def prefix(self):
        return self._prefix

    def keys(self):
        """Tensor names in the bundle (sorted), without partitioned-slice records."""
        out = []
        for k, e in self._entries.items():
            if k[:1] == b"\x00":
                continue  # slice records of partitioned variables
            try:
                out.append(k.decode())
            except UnicodeDecodeError:
                continue
        return out

    def has(self, name):
        return self._key(name) in self._entries

    def _key(self, name):
        return name.encode() if isinstance(name, str) else bytes(name)

    def entry(self, name):
        e = self._entries.get(self._key(name))
        if e is None:
            raise errors.NotFoundError(None, None, f"Key {_text(name)} not found in checkpoint")
        return e

    def dtype(self, name):
        enum = self.entry(name).dtype
        try:
            return dtypes.as_dtype(enum)
        except TypeError:
            self._fail(f"Unsupported dtype {enum} for tensor {_text(name)}")

    def shape(self, name):
        e = self.entry(name)
        dims = [d.size for d in e.shape.dim]
        if e.shape.unknown_rank or any(d < 0 for d in dims):
            self._fail(f"Invalid shape for tensor {_text(name)}")
        return dims

    def _slice_entries(self, name, e):
        """(slice proto, entry) pairs of a tensor TF saved as partitioned slices. A slice's
        key is `\\x00` + the escaped name + `\\x00\\x01` + its order-preserving extents, so
        the keys sorted match the slices sorted by (start, length) per dimension."""
        escaped = self._key(name).replace(b"\xff", b"\xff\x00").replace(b"\x00", b"\x00\xff")
        prefix = b"\x00" + escaped + b"\x00\x01"
        keys = sorted(k for k in self._entries if k.startswith(prefix))
        full = [d.size for d in e.shape.dim]

        def extents(sl):
            return [(x.start, x.length if x.HasField("length") else full[i])
                    for i, x in enumerate(sl.extent)]
        slices = sorted(e.slices, key=lambda sl: [v for ext in extents(sl) for v in ext])
        if len(keys) != len(slices):
            self._fail(f"Tensor {_text(name)}: {len(slices)} slices but {len(keys)} "
                       "slice entries")
        return [(extents(sl), self._entries[k]) for sl, k in zip(slices, keys)]

    def read(self, name):
        """The tensor stored under `name` as a numpy array (checksum verified); a tensor
        saved as partitioned slices is assembled from them."""
        e = self.entry(name)
        if e.slices:
            dt = self.dtype(name)
            out = np.zeros(self.shape(name), dtype=dt.as_numpy_dtype)
            for ext, se in self._slice_entries(name, e):
                if [d.size for d in se.shape.dim] != [n for _, n in ext]:
                    self._fail(f"Slice of tensor {_text(name)} has the wrong shape")
                out[tuple(np.s_[a:a + n] for a, n in ext)] = self._read_entry(
                    se, _text(name), dt, [n for _, n in ext])
            return out
        return self._read_entry(e, _text(name), self.dtype(name), self.shape(name))

    def _read_entry(self, e, name, dt, shape):
        if not 0 <= e.shard_id < self._num_shards:
            self._fail(f"Invalid shard id {e.shard_id} for tensor {name}")
        path = data_filename(self._prefix, e.shard_id, self._num_shards)
        if e.offset < 0 or e.size < 0:
            self._fail(f"Invalid offset/size for tensor {name}", path)
        count = 1
        for d in shape:
            count *= d
        if dt == dtypes.string:
            if count > e.size:
                self._fail(f"Invalid size in bundle entry: key {name}", path)
        elif dt.as_numpy_dtype is None or dt.as_numpy_dtype is object:
            raise errors.UnimplementedError(None, None, f"Cannot read tensor {name} of "
                                                        f"type {dt.name}")
        elif count * np.dtype(dt.as_numpy_dtype).itemsize != e.size:
            self._fail(f"Invalid size in bundle entry: key {name}; stored size {e.size}; "
                       f"expected size {count * np.dtype(dt.as_numpy_dtype).itemsize}", path)
        data = self._read_bytes(path, e.offset, e.size)
        try:
            if dt == dtypes.string:
                return self._decode_strings(data, count, shape, e, name, path)
            if crc32c.mask(crc32c.value(data)) != e.crc32c:
                self._fail(f"Checksum does not match for tensor {name}: stored "
                           f"{crc32c.unmask(e.crc32c):#x} vs. calculated on the restored "
                           f"bytes {crc32c.value(data):#x}", path)
            dt_np = _np_dtype(dt.as_datatype_enum)
            if self._swap:
                dt_np = dt_np.newbyteorder(">")
            arr = np.frombuffer(data, dtype=dt_np).reshape(shape)
            return arr.astype(np.dtype(dt.as_numpy_dtype), copy=True)
        except (ValueError, OverflowError, MemoryError) as err:
            self._fail(f"Cannot decode tensor {name}: {err}", path)

    def _read_bytes(self, path, offset, size):
        try:
            with open(path, "rb") as f:
                available = os.fstat(f.fileno()).st_size - offset
                if size > available:
                    self._fail(f"Read less bytes than requested ({max(available, 0)} of "
                               f"{size} at offset {offset})", path)
                f.seek(offset)
                data = f.read(size)
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"Data file {path} of checkpoint "
                                                   f"{self._prefix} not found") from None
        except OSError as err:
            raise errors.DataLossError(None, None, f"Unable to read {path}: {err}") from None
        if len(data) != size:
            self._fail(f"Read less bytes than requested ({len(data)} of {size} at offset "
                       f"{offset})", path)
        return data

    def _decode_strings(self, data, count, shape, e, name, path):
        view = memoryview(data)
        pos, end, lengths = 0, len(data), []
        for _ in range(count):
            n = shift = 0
            while True:
                if pos >= end or shift > 63:
                    self._fail(f"Corrupted string lengths for tensor {name}", path)
                b = view[pos]
                pos += 1
                n |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            lengths.append(n)
        if pos + 4 + sum(lengths) > end:
            self._fail(f"Invalid size in bundle entry: key {name}", path)
        len_crc = 0
        for n in lengths:
            len_crc = crc32c.extend(len_crc, struct.pack("<I", n) if n <= 0xFFFFFFFF
                                    else struct.pack("<Q", n))
        stored = bytes(view[pos:pos + 4])
        if struct.unpack("<I", stored)[0] != crc32c.mask(len_crc):
            self._fail(f"Checksum does not match for the string lengths of tensor {name}",
                       path)
        pos += 4
        out = np.empty(count, dtype=object)
        crc = crc32c.extend(len_crc, stored)
        for i, n in enumerate(lengths):
            out[i] = bytes(view[pos:pos + n])
            crc = crc32c.extend(crc, out[i])
            pos += n
        if crc32c.mask(crc) != e.crc32c:
            self._fail(f"Checksum does not match for tensor {name}", path)
        return out.reshape(shape)


def _text(name):
    return name.decode(errors="replace") if isinstance(name, bytes) else name


def merge_bundles(prefixes, destination, delete_old_dirs=True, allow_missing_files=False):
    """Merges single-shard bundles at `prefixes` into one sharded bundle at `destination`
    (shard i = prefixes[i]); the data files are moved, not copied."""
    readers = []
    for p in prefixes:
        if allow_missing_files and not os.path.exists(index_filename(p)):
            continue
        readers.append(BundleReader(p))
    if not readers:
        raise errors.InvalidArgumentError(None, None, "No checkpoint files to merge")
    n = len(readers)
    seen = {}
    for i, r in enumerate(readers):
        if r._num_shards != 1:
            raise errors.InvalidArgumentError(None, None, f"{r.prefix} is already sharded")
        for k, e in r._entries.items():
            if k in seen:
                raise errors.InvalidArgumentError(
                    None, None, f"Duplicate tensor key {_text(k)} in {r.prefix} and {seen[k]}")
            seen[k] = r.prefix
    directory = os.path.dirname(destination)
    if directory:
        os.makedirs(directory, exist_ok=True)
    entries = {}
    for i, r in enumerate(readers):
        for k, e in r._entries.items():
            e = tensor_bundle_pb2.BundleEntryProto.FromString(e.SerializeToString())
            e.shard_id = i
            entries[k] = e
    for i, r in enumerate(readers):
        os.replace(data_filename(r.prefix, 0, 1), data_filename(destination, i, n))
    header = tensor_bundle_pb2.BundleHeaderProto(num_shards=n)
    header.version.producer = _BUNDLE_VERSION
    index_path = index_filename(destination)
    tmp = _temp_name(index_path)
    with open(tmp, "wb") as f:
        table = sstable.TableWriter(f)
        table.add(b"", header.SerializeToString())
        for k in sorted(entries):
            table.add(k, entries[k].SerializeToString())
        table.finish()
        durable.sync_file(f)
    os.replace(tmp, index_path)
    durable.done(tmp)
    durable.sync_directory(directory)
    for r in readers:
        _remove(index_filename(r.prefix))
        if delete_old_dirs:
            try:
                os.rmdir(os.path.dirname(r.prefix))
            except OSError:
                pass
