"""The sorted string table that a V2 checkpoint's `.index` file is (LevelDB's table
format, uncompressed): data blocks of prefix-compressed sorted entries, an empty
metaindex block, an index block pointing at the data blocks, and a 48-byte footer.

Every block is followed by a 5-byte trailer: a compression byte (0 = none) and the masked
CRC-32C of the block plus that byte. The reader checks every trailer and bound and raises
`DataLossError` naming the file on anything malformed."""
import struct

from flowgraph.framework import crc32c, errors

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_SIZE = 256 * 1024     # TF's default data block size
DATA_RESTART_INTERVAL = 16
INDEX_RESTART_INTERVAL = 1
_TRAILER = 5


def put_varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class _BlockBuilder:
    def __init__(self, restart_interval):
        self.interval = restart_interval
        self.buf = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""

    def empty(self):
        return not self.buf

    def size_estimate(self):
        return len(self.buf) + 4 * len(self.restarts) + 4

    def add(self, key, value):
        shared = 0
        if self.counter < self.interval:
            limit = min(len(key), len(self.last_key))
            while shared < limit and key[shared] == self.last_key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.counter = 0
        self.buf += put_varint(shared) + put_varint(len(key) - shared) + put_varint(len(value))
        self.buf += key[shared:]
        self.buf += value
        self.last_key = key
        self.counter += 1

    def finish(self):
        out = bytes(self.buf) + b"".join(struct.pack("<I", r) for r in self.restarts)
        return out + struct.pack("<I", len(self.restarts))


def _shortest_separator(start, limit):
    """A short key k with start <= k < limit (LevelDB's bytewise comparator rule)."""
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n:
        b = start[i]
        if b < 0xFF and b + 1 < limit[i]:
            return start[:i] + bytes([b + 1])
    return start


def _short_successor(key):
    """A short key >= key."""
    for i, b in enumerate(key):
        if b != 0xFF:
            return key[:i] + bytes([b + 1])
    return key


class TableWriter:
    """Writes sorted (key, value) byte pairs to the binary file object `f`."""

    def __init__(self, f, block_size=BLOCK_SIZE):
        self._f = f
        self._offset = 0
        self._block_size = block_size
        self._data = _BlockBuilder(DATA_RESTART_INTERVAL)
        self._index = _BlockBuilder(INDEX_RESTART_INTERVAL)
        self._last_key = None
        self._pending = None  # handle of the last flushed data block, awaiting its index key

    def add(self, key, value):
        if self._last_key is not None and key <= self._last_key:
            raise ValueError(f"Keys must be added in strictly increasing order: {key!r} after "
                             f"{self._last_key!r}")
        if self._pending is not None:
            self._index.add(_shortest_separator(self._last_key, key), self._pending)
            self._pending = None
        self._last_key = key
        self._data.add(key, value)
        if self._data.size_estimate() >= self._block_size:
            self._flush()

    def _write_block(self, contents):
        handle = put_varint(self._offset) + put_varint(len(contents))
        trailer = b"\x00" + struct.pack("<I", crc32c.mask(crc32c.value(contents + b"\x00")))
        self._f.write(contents)
        self._f.write(trailer)
        self._offset += len(contents) + _TRAILER
        return handle

    def _flush(self):
        if self._data.empty():
            return
        self._pending = self._write_block(self._data.finish())
        self._data = _BlockBuilder(DATA_RESTART_INTERVAL)

    def finish(self):
        self._flush()
        meta = self._write_block(_BlockBuilder(DATA_RESTART_INTERVAL).finish())
        if self._pending is not None:
            self._index.add(_short_successor(self._last_key), self._pending)
            self._pending = None
        index = self._write_block(self._index.finish())
        footer = (meta + index).ljust(40, b"\x00") + struct.pack("<Q", MAGIC)
        self._f.write(footer)
        self._offset += len(footer)


# -- reading -----------------------------------------------------------------------------
class TableReader:
    """Parses a whole table held in `data`; `items()` yields its (key, value) pairs."""

    def __init__(self, data, filename):
        self._data = memoryview(data)
        self._name = filename
        n = len(data)
        if n < FOOTER_SIZE:
            self._fail(f"file is too short ({n} bytes) to be an sstable")
        footer = self._data[n - FOOTER_SIZE:]
        if struct.unpack("<Q", footer[40:48])[0] != MAGIC:
            self._fail("not an sstable (bad magic number)")
        pos = 0
        _, pos = self._handle(footer, pos, 40)          # metaindex: never needed
        self._index_handle, _ = self._handle(footer, pos, 40)

    def _fail(self, msg):
        raise errors.DataLossError(None, None, f"{msg}: {self._name}")

    def _varint(self, buf, pos, end, bits=64):
        result = shift = 0
        while True:
            if pos >= end or shift >= bits:
                self._fail("corrupted varint")
            b = buf[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result, pos
            shift += 7

    def _handle(self, buf, pos, end):
        offset, pos = self._varint(buf, pos, end)
        size, pos = self._varint(buf, pos, end)
        return (offset, size), pos

    def _block(self, handle):
        offset, size = handle
        n = len(self._data) - FOOTER_SIZE
        if offset + size + _TRAILER > n:
            self._fail(f"block at offset {offset} of size {size} is past the end of the file")
        contents = self._data[offset:offset + size]
        kind = self._data[offset + size]
        stored = struct.unpack("<I", self._data[offset + size + 1:offset + size + 5])[0]
        if crc32c.mask(crc32c.extend(crc32c.value(contents), bytes([kind]))) != stored:
            self._fail("block checksum mismatch")
        if kind != 0:
            self._fail(f"unsupported block compression type {kind}")
        return contents

    def _entries(self, block):
        n = len(block)
        if n < 4:
            self._fail("bad block contents")
        num_restarts = struct.unpack("<I", block[n - 4:])[0]
        end = n - 4 - 4 * num_restarts
        if num_restarts == 0 or end < 0:
            self._fail("bad block contents")
        pos, key = 0, b""
        while pos < end:
            shared, pos = self._varint(block, pos, end, 32)
            unshared, pos = self._varint(block, pos, end, 32)
            vlen, pos = self._varint(block, pos, end, 32)
            if shared > len(key) or pos + unshared + vlen > end:
                self._fail("bad entry in block")
            key = key[:shared] + bytes(block[pos:pos + unshared])
            pos += unshared
            yield key, bytes(block[pos:pos + vlen])
            pos += vlen

    def items(self):
        """All (key, value) pairs in key order."""
        last = None
        for _, handle in self._entries(self._block(self._index_handle)):
            h, pos = self._handle(handle, 0, len(handle))
            for key, value in self._entries(self._block(h)):
                if last is not None and key <= last:
                    self._fail("keys out of order")
                last = key
                yield key, value
