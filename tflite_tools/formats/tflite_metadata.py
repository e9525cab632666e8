"""The TFLITE_METADATA buffer of a .tflite (tflite_support's metadata schema,
file identifier "M001"), read table by table (formats.flatbuffer_table), and the
files packed in the zip appended to the model (labels, vocabularies).

    >>> metadata = read(model_bytes, buffer_bytes)   # a summary_pb2.TfliteMetadata

Field slots follow metadata_schema.fbs: ModelMetadata (name 0, description
1, version 2, subgraph_metadata 3, author 4, license 5, associated_files 6),
SubGraphMetadata (input_tensor_metadata 2, output_tensor_metadata 3),
TensorMetadata (name 0, process_units 4, associated_files 6), ProcessUnit
(options_type 0, options 1; NormalizationOptions is type 1: mean 0, std 1),
AssociatedFile (name 0, description 1, type 2). Corrupt buffers raise what
flatbuffer_table raises (IndexError, struct.error, ...).
"""

from __future__ import annotations

import io
import zipfile

from tflite_tools.formats.flatbuffer_table import INT8, UINT8, Table
from tflite_tools.proto import summary_pb2

NAME = b"TFLITE_METADATA"
IDENTIFIER = b"M001"
_NORMALIZATION = 1
_FILE_TYPES = ("UNKNOWN", "DESCRIPTIONS", "TENSOR_AXIS_LABELS", "TENSOR_VALUE_LABELS",
               "TENSOR_AXIS_SCORE_CALIBRATION", "VOCABULARY", "SCANN_INDEX_FILE")


def _string(t: Table, slot: int) -> str:
    return (t.string(slot) or b"").decode("utf-8", "replace")


def _files(t: Table, slot: int, packed: dict[str, int]) -> list[summary_pb2.AssociatedFile]:
    files = []
    for f in t.tables(slot):
        kind = f.scalar(2, INT8)
        name = _string(f, 0)
        files.append(summary_pb2.AssociatedFile(
            name=name, description=_string(f, 1), lines=packed.get(name, 0),
            type=_FILE_TYPES[kind] if 0 <= kind < len(_FILE_TYPES) else f"TYPE_{kind}"))
    return files


def _tensor(t: Table, packed: dict[str, int]) -> summary_pb2.TensorMetadataInfo:
    info = summary_pb2.TensorMetadataInfo(name=_string(t, 0), associated_files=_files(t, 6, packed))
    for unit in t.tables(4):
        options = unit.child(1)
        if unit.scalar(0, UINT8) == _NORMALIZATION and options is not None:
            info.mean.extend(options.numbers(0, "f"))
            info.std.extend(options.numbers(1, "f"))
    return info


def packed_lines(model: bytes) -> dict[str, int]:
    """Lines of each file in the zip appended to the model ({} when none)."""
    try:
        with zipfile.ZipFile(io.BytesIO(model)) as archive:
            return {name: archive.read(name).count(b"\n") + (not archive.read(name).endswith(b"\n"))
                    for name in archive.namelist() if archive.getinfo(name).file_size}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError):
        return {}


def read(model: bytes, buffer: bytes) -> summary_pb2.TfliteMetadata | None:
    """The metadata `buffer` holds, or None when it is not an M001 buffer."""
    if len(buffer) < 8 or bytes(buffer[4:8]) != IDENTIFIER:
        return None
    root = Table.root(buffer)
    packed = packed_lines(model)
    metadata = summary_pb2.TfliteMetadata(
        name=_string(root, 0), description=_string(root, 1), version=_string(root, 2),
        author=_string(root, 4), license=_string(root, 5), associated_files=_files(root, 6, packed))
    for subgraph in root.tables(3)[:1]:  # subgraph 0's tensors, as inspect shows them
        metadata.inputs.extend(_tensor(t, packed) for t in subgraph.tables(2))
        metadata.outputs.extend(_tensor(t, packed) for t in subgraph.tables(3))
        metadata.associated_files.extend(_files(subgraph, 4, packed))
    return metadata
