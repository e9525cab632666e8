"""Read a TensorFlow checkpoint's tensor list without TensorFlow.

A Saver V2 / tf.train.Checkpoint prefix `model.ckpt-100` is made of
`model.ckpt-100.index` (a LevelDB-format table: sorted keys -> protos) and
the tensor bytes in `model.ckpt-100.data-0000N-of-0000M` shards. The index
maps "" to a BundleHeaderProto (shard count) and each tensor name to a
BundleEntryProto (dtype, shape, shard, offset). TensorFlow writes the table
with no compression, so a small reader of the table layout is enough:

    footer (last 48 bytes): metaindex handle, index handle, padding,
        magic 0xdb4775248b80fb57 (little-endian fixed64)
    block: entries (varint shared, varint unshared, varint value length,
        key suffix, value), then uint32 restart offsets and their count,
        followed in the file by a 5-byte trailer (compression type, crc)
    index block: key -> varint-encoded handle (offset, size) of a data block

Old V1 checkpoints (one file per prefix) use the same table layout with
their own metadata entry; `read` takes either.

Example:

    >>> bundle = read("train/model.ckpt-100")
    >>> bundle.num_shards, [e.name for e in bundle.entries][:2]
    (1, ['conv/bias', 'conv/kernel'])
"""

from __future__ import annotations

import dataclasses
import os
import struct

from google.protobuf import message as _message

from tflite_tools.errors import InputError
from tflite_tools.proto import tf_checkpoint_pb2

_MAGIC = 0xDB4775248B80FB57
_FOOTER_SIZE = 48
_BLOCK_TRAILER_SIZE = 5
_NO_COMPRESSION = 0


@dataclasses.dataclass
class Bundle:
    """The decoded index of one checkpoint prefix.

    `entries` are (name, BundleEntryProto) pairs in key order; slices of
    partitioned variables (keys TensorFlow encodes with a leading NUL byte)
    are left out, their full tensors are listed under their own names.
    For a V1 checkpoint (`version` 1: one table file holding metadata and
    data) the entries carry only dtype and shape, and `prefix` is the file.
    """

    prefix: str
    header: tf_checkpoint_pb2.BundleHeaderProto
    entries: list[tuple[str, tf_checkpoint_pb2.BundleEntryProto]]
    version: int = 2

    @property
    def num_shards(self) -> int:
        return self.header.num_shards

    def shard_paths(self) -> list[str]:
        """The `.data-0000N-of-0000M` files the index says must exist."""
        if self.version == 1:
            return [self.prefix]
        count = max(self.num_shards, 1)
        return [f"{self.prefix}.data-{i:05d}-of-{count:05d}" for i in range(count)]

    def missing_shards(self) -> list[str]:
        return [path for path in self.shard_paths() if not os.path.exists(path)]


class _CorruptIndex(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise _CorruptIndex("varint runs past the end of the data")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _CorruptIndex("varint longer than 10 bytes")


def _block(data: bytes, handle: tuple[int, int]) -> bytes:
    offset, size = handle
    end = offset + size
    if end + _BLOCK_TRAILER_SIZE > len(data):
        raise _CorruptIndex("block handle points past the end of the file")
    if data[end] != _NO_COMPRESSION:
        raise _CorruptIndex(f"block compressed with type {data[end]} (TensorFlow writes none)")
    return data[offset:end]


def _block_entries(block: bytes):
    """Yield (key, value) of a block, undoing the prefix compression."""
    if len(block) < 4:
        raise _CorruptIndex("block shorter than its restart count")
    (num_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 - 4 * num_restarts
    if limit < 0:
        raise _CorruptIndex("restart array larger than the block")
    pos, key = 0, b""
    while pos < limit:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        value_len, pos = _varint(block, pos)
        if shared > len(key) or pos + unshared + value_len > limit:
            raise _CorruptIndex("entry runs past its block")
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + value_len]
        pos += value_len


def _table_items(data: bytes):
    if len(data) < _FOOTER_SIZE:
        raise _CorruptIndex("file shorter than a table footer")
    footer = data[-_FOOTER_SIZE:]
    (magic,) = struct.unpack_from("<Q", footer, _FOOTER_SIZE - 8)
    if magic != _MAGIC:
        raise _CorruptIndex("no table magic number at the end")
    _, pos = _varint(footer, 0)  # metaindex offset: TensorFlow leaves it empty
    _, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, pos = _varint(footer, pos)
    for _, handle in _block_entries(_block(data, (index_offset, index_size))):
        offset, hpos = _varint(handle, 0)
        size, _ = _varint(handle, hpos)
        yield from _block_entries(_block(data, (offset, size)))


def checkpoint_prefix(path: str, contents: bytes | memoryview | None = None) -> str | None:
    """The checkpoint prefix named by `path` (the prefix itself, or its
    `.index`, `.data-*` or `.meta` file; or a V1 checkpoint file), or None
    when it names none. `contents`: the bytes of the file at `path`, when
    they were read already."""
    base = path
    for suffix in (".index", ".meta"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    if ".data-" in os.path.basename(base):
        base = base[: base.rindex(".data-")]
    if os.path.isfile(base + ".index"):
        return base
    return base if is_v1_checkpoint(base, contents if base == path else None) else None


def is_v1_checkpoint(path: str, contents: bytes | memoryview | None = None) -> bool:
    """Whether `path` (whose bytes `contents` are, when read already) is a V1
    (single-file, Saver write_version=V1) checkpoint: a table file, found by
    the magic number that ends it."""
    if path.endswith(".index"):
        return False
    if contents is not None:
        tail = bytes(contents[-8:]) if len(contents) >= _FOOTER_SIZE else None
    elif os.path.isfile(path) and os.path.getsize(path) >= _FOOTER_SIZE:
        with open(path, "rb") as f:
            f.seek(-8, os.SEEK_END)
            tail = f.read(8)
    else:
        tail = None
    return tail is not None and struct.unpack("<Q", tail)[0] == _MAGIC


def read(prefix: str) -> Bundle:
    """The checkpoint at `prefix`: a V2 prefix (`<prefix>.index`) or a V1 file."""
    if not os.path.isfile(prefix + ".index") and is_v1_checkpoint(prefix):
        return read_v1(prefix)
    return read_index(prefix)


def _fields(data: bytes):
    """(field number, value) of a protobuf message: ints for varints, bytes
    for length-delimited fields (fixed-width fields are skipped)."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            value, pos = data[pos:pos + size], pos + size
        elif wire in (1, 5):
            pos, value = pos + (8 if wire == 1 else 4), None
        else:
            raise _CorruptIndex(f"unsupported wire type {wire}")
        yield number, value


def read_v1(path: str) -> Bundle:
    """List the tensors of a V1 checkpoint file from its metadata entry:
    key "" holds SavedTensorSlices {meta = 1: SavedTensorSliceMeta {tensor = 1:
    repeated SavedSliceMeta {name = 1, shape = 2, type = 3}}}, decoded field
    by field (tflite-tools has no message type for it)."""
    with open(path, "rb") as f:
        data = f.read()
    entries = []
    try:
        slices = next((value for key, value in _table_items(data) if key == b""), b"")
        for meta in (value for number, value in _fields(slices) if number == 1):
            for tensor in (value for number, value in _fields(meta) if number == 1):
                name, entry = "", tf_checkpoint_pb2.BundleEntryProto()
                for number, value in _fields(tensor):
                    if number == 1:
                        name = value.decode("utf-8")
                    elif number == 2:
                        entry.shape.ParseFromString(value)
                    elif number == 3:
                        entry.dtype = value
                entries.append((name, entry))
    except (_CorruptIndex, _message.DecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"'{path}' is not a readable V1 TensorFlow checkpoint ({exc}); copy it again.") from exc
    return Bundle(path, tf_checkpoint_pb2.BundleHeaderProto(num_shards=1), sorted(entries), version=1)


def read_index(prefix: str) -> Bundle:
    """Decode `<prefix>.index`.

    Raises InputError when the file cannot be read or is not a tensor
    bundle index.
    """
    index_path = prefix + ".index"
    try:
        with open(index_path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise InputError(f"cannot read checkpoint index '{index_path}': {exc.strerror}.") from exc
    header = tf_checkpoint_pb2.BundleHeaderProto()
    entries = []
    try:
        for key, value in _table_items(data):
            if key == b"":
                header.ParseFromString(value)
            elif not key.startswith(b"\x00"):
                entry = tf_checkpoint_pb2.BundleEntryProto()
                entry.ParseFromString(value)
                entries.append((key.decode("utf-8"), entry))
    except (_CorruptIndex, _message.DecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"'{index_path}' is not a readable TensorFlow checkpoint index ({exc}); "
            "it may be truncated: copy the checkpoint again or point at another one."
        ) from exc
    return Bundle(prefix, header, entries)
