"""Read GraphDefs the way TensorFlow's tools do, without TensorFlow.

`read_graph_def` mirrors `LoadTextOrBinaryGraphFile`: read the whole file,
try the binary wire format, then protobuf text format. The file extension is
ignored. Messages are tflite-tools' wire-compatible `tf_graph_pb2.GraphDef`.
"""

from __future__ import annotations

from google.protobuf import message as _message
from google.protobuf import text_format

from tflite_tools.core import fileio
from tflite_tools.errors import InputError
from tflite_tools.proto import tf_graph_pb2


def parse_binary_or_text(data: bytes | memoryview, message, text: bool = True) -> str:
    """Parse `data` into `message` (binary first, then text unless `text` is False).

    Returns "binary" or "text". Raises ValueError when no parse works.
    """
    try:
        message.ParseFromString(data)
        if _plausible_binary(data, message):
            return "binary"
    except _message.DecodeError:
        pass
    message.Clear()
    if not text:
        raise ValueError(f"not a binary {message.DESCRIPTOR.name}")
    try:
        text_format.Parse(bytes(data).decode("utf-8"), message, allow_unknown_field=False)
        return "text"
    except (UnicodeDecodeError, text_format.ParseError) as exc:
        raise ValueError(str(exc)) from exc


def _plausible_binary(data: bytes, message) -> bool:
    # A text file sometimes happens to parse as a (garbage) binary message;
    # a real binary message keeps all its bytes in known fields. ListFields,
    # not ByteSize: ByteSize re-serializes the message (0.2 s for 100 MB).
    return not data or (bool(message.ListFields()) and not _unknown_fields(message))


def _unknown_fields(message) -> bool:
    from google.protobuf import unknown_fields

    return len(unknown_fields.UnknownFieldSet(message)) > 0


def read_contents(path: str, what: str = "") -> bytes | memoryview:
    """The whole file at `path` (memory-mapped when possible).

    Raises InputError naming `what` ("graph file ") when it cannot be read.
    """
    try:
        with open(path, "rb") as f:
            # Frozen graphs run to hundreds of MB, and the parser copies what it keeps anyway.
            return fileio.contents(f)
    except OSError as exc:
        raise InputError(f"cannot read {what}'{path}': {exc.strerror}.") from exc


def read_graph_def(path: str) -> tuple[tf_graph_pb2.GraphDef, str]:
    """Return (GraphDef, "binary" | "text") for the file at `path`.

    Raises InputError with one sentence when the file cannot be read or is
    neither a binary nor a text GraphDef.
    """
    data = read_contents(path, "graph file ")
    graph = tf_graph_pb2.GraphDef()
    try:
        encoding = parse_binary_or_text(data, graph)
    except ValueError as exc:
        raise InputError(
            f"'{path}' is neither a binary nor a text GraphDef (it may be truncated or "
            "another kind of file); pass a .pb/.pbtxt GraphDef or run `tflite-tools inspect` on it."
        ) from exc
    return graph, encoding
