"""Say what kind of TensorFlow artifact a path is, from its content.

`detect(path)` returns a `summary_pb2.Detection`: the format, the evidence
(one line per fact, each naming a file), the protobuf encoding, and the
files that make up the model (`graph_path`, `checkpoint_prefix`, `tags`).
It reads file headers and parses protobufs; it never imports TensorFlow.

    >>> detect("train_dir").format == summary_pb2.CHECKPOINT
    True

Rules, in order:
  * a checkpoint prefix, or any of its files (.index, .data-*, .meta, the
    `checkpoint` state file; a V1 single-file checkpoint), is a CHECKPOINT,
    with the .meta or the one graph file beside it;
  * a file starting with the flatbuffer identifier "TFL3" (bytes 4..8) is
    .tflite; the HDF5 signature is Keras H5; a zip with config.json is a
    Keras 3 .keras file;
  * saved_model.pb/.pbtxt, or a directory holding one, is a SavedModel: TF2
    when a meta graph carries an object graph with nodes, else TF1; a
    directory of numbered exports means the latest;
  * a directory with a `checkpoint` state file or .index files is a
    CHECKPOINT at its latest prefix (relative paths taken against it);
  * any other file is parsed as a GraphDef or a MetaGraphDef (binary, then
    text): a GraphDef with variable nodes is a CHECKPOINT when a checkpoint
    sits beside it, else GRAPH_DEF; one without is a FROZEN_GRAPH;
  * a directory holding exactly one model (one graph, saved binary and as
    text at most) is that model.
Anything else raises InputError with one sentence saying what was found.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
import zipfile
from typing import Optional, Union

from google.protobuf import text_format

from tflite_tools.core import fileio
from tflite_tools.errors import InputError
from tflite_tools.formats import tensor_bundle
from tflite_tools.formats.graphdef_io import parse_binary_or_text, read_contents
from tflite_tools.formats.saved_model import SAVED_MODEL_FILES, read_saved_model, saved_model_path, serving_meta_graph
from tflite_tools.graph.analysis import VARIABLE_OPS
from tflite_tools.proto import (
    summary_pb2,
    tf_checkpoint_pb2,
    tf_graph_pb2,
    tf_saved_model_pb2,
)

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"
TFLITE_IDENTIFIER = b"TFL3"
CHECKPOINT_STATE = "checkpoint"
_DATA_SHARD = re.compile(r"\.data-\d{5}-of-\d{5}$")
# Files that can be a model on their own, for directory scans.
_MODEL_EXTENSIONS = (".pb", ".pbtxt", ".meta", ".tflite", ".h5", ".hdf5", ".keras", ".graphdef")


@dataclasses.dataclass
class Found:
    """A detection and the messages parsed to make it, which loaders reuse
    instead of parsing the files again.

    Attributes:
      detection: what `detect` returns.
      graph: the GraphDef or MetaGraphDef at `detection.graph_path`, when
        detection had to parse it (None: not parsed yet).
      saved_model: the SavedModel message of a SavedModel directory.
      contents: the bytes of the file `graph` was parsed from (memory-mapped).
    """

    detection: summary_pb2.Detection
    graph: Optional[Union[tf_graph_pb2.GraphDef, tf_saved_model_pb2.MetaGraphDef]] = None
    saved_model: Optional[tf_saved_model_pb2.SavedModel] = None
    contents: Optional[Union[bytes, memoryview]] = None


def detect(path: str) -> summary_pb2.Detection:
    """Detect the format of the artifact at `path` (file, directory or
    checkpoint prefix). Raises InputError when it is none we know."""
    return detect_and_parse(path).detection


def detect_and_parse(path: str) -> Found:
    """`detect`, keeping what was parsed on the way (see `Found`)."""
    found = Found(summary_pb2.Detection())
    try:
        if os.path.isdir(path):
            _detect_directory(path, found)
        elif os.path.isfile(path):
            _detect_file(path, found)
        elif tensor_bundle.checkpoint_prefix(path):
            found.detection.evidence.append(f"{path}.index: checkpoint index of the prefix {_base(path)}")
            _checkpoint_from_prefix(path, found)
        else:
            raise InputError(f"'{path}' does not exist (neither a file, a directory nor a checkpoint "
                             "prefix with a .index file); check the path.")
    except OSError as exc:  # unreadable file or directory (permissions, I/O)
        raise InputError(f"cannot read '{exc.filename or path}': {exc.strerror}; check its permissions.") from exc
    return found


def _base(path: str) -> str:
    return os.path.basename(path.rstrip(os.sep)) or path


# --- files -------------------------------------------------------------------

def _detect_file(path: str, found) -> None:
    name = _base(path)
    with open(path, "rb") as f:
        data = fileio.contents(f)  # mapped: only the pages looked at are read
    prefix = tensor_bundle.checkpoint_prefix(path, data)
    if prefix and not path.endswith(".meta"):
        found.detection.evidence.append(f"{name}: a file of the checkpoint prefix {_base(prefix)}")
        _checkpoint_from_prefix(prefix, found)
        return
    if _DATA_SHARD.search(name):
        raise InputError(f"'{path}' is a checkpoint data shard without its .index file beside it; copy "
                         f"{name[: name.rindex('.data-')]}.index there too.")
    head = bytes(data[:8])
    if head[4:8] == TFLITE_IDENTIFIER:
        found.detection.format = summary_pb2.TFLITE
        found.detection.evidence.append(f"{name}: flatbuffer identifier TFL3 at bytes 4..8")
        found.detection.graph_path = path
        return
    if head == HDF5_SIGNATURE:
        found.detection.format = summary_pb2.KERAS_H5
        found.detection.evidence.append(f"{name}: HDF5 signature")
        found.detection.graph_path = path
        return
    if head[:4] == ZIP_SIGNATURE:
        _detect_keras_zip(path, found)
        return
    if name in SAVED_MODEL_FILES:
        _detect_saved_model(os.path.dirname(path) or ".", found)
        return
    if name == CHECKPOINT_STATE:
        prefix = _latest_prefix(os.path.dirname(path) or ".", found)
        if prefix:
            _checkpoint_from_prefix(prefix, found)
            return
    _detect_protobuf(path, found, data)


def _detect_keras_zip(path: str, found) -> None:
    name = _base(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise InputError(f"'{path}' starts like a zip archive but cannot be read ({exc}); "
                         "it may be truncated: save or copy the .keras file again.") from exc
    if "config.json" not in members:
        raise InputError(f"'{path}' is a zip archive without config.json, so not a Keras .keras "
                         "file; pass the model file itself (unzip it first if it holds one).")
    found.detection.format = summary_pb2.KERAS_V3
    listed = " and ".join(m for m in ("config.json", "metadata.json") if m in members)
    found.detection.evidence.append(f"{name}: zip archive with {listed} (Keras 3 format)")
    found.detection.graph_path = path


def _parse(data: bytes, message, text: bool = True) -> str | None:
    """Parse into `message`: its encoding ("binary" or "text"), or None."""
    try:
        return parse_binary_or_text(data, message, text)
    except ValueError:
        return None


def _exact(data: bytes, message, encoding: str) -> bool:
    """Whether the parse kept every byte in a known field.

    A binary parse of the wrong message type often "succeeds" with bytes
    landing in unknown fields; an exact one re-serialises to the same size
    without them. Text parses are strict, hence always exact. (Costs a copy
    of the message: only asked when two kinds both parse.)
    """
    if encoding == "text":
        return True
    probe = type(message)()
    probe.CopyFrom(message)
    probe.DiscardUnknownFields()
    return probe.ByteSize() == len(data)


def parse_graph_file(path: str, data: bytes | memoryview | None = None):
    """Parse a GraphDef or MetaGraphDef file (binary or text, any extension),
    or `data`, its contents when they were read already.

    Returns (kind, message, encoding) with kind "GraphDef" or "MetaGraphDef".
    Raises InputError when the file is neither.
    """
    data = read_contents(path) if data is None else data
    if not len(data):
        raise InputError(f"'{path}' is empty; pass a model file that was written completely.")
    kinds = [("GraphDef", tf_graph_pb2.GraphDef(), lambda m: m),
             ("MetaGraphDef", tf_saved_model_pb2.MetaGraphDef(), lambda m: m.graph_def)]
    if path.endswith(".meta"):
        kinds.reverse()
    parsed = []
    for kind, message, graph_of in kinds:
        # A file that parsed as binary is not text: the other kind is tried as binary only.
        encoding = _parse(data, message, text=not parsed or parsed[0][2] == "text")
        if encoding and _is_graph(graph_of(message)):
            parsed.append((kind, message, encoding))
    # When both kinds parse, the exact parse wins; else (fields newer than our
    # schema) the parse the file name suggests.
    for kind, message, encoding in parsed if len(parsed) > 1 else ():
        if _exact(data, message, encoding):
            return kind, message, encoding
    if parsed:
        return parsed[0]
    text_error = _text_error(data, kinds[0][1])
    if text_error:
        raise InputError(f"'{path}' looks like a text {kinds[0][0]} but does not parse ({text_error}); "
                         "fix the file or write it again.")
    kind = _other_kind(data)
    if kind:
        raise InputError(f"'{path}' is {kind}, not a model: pass a GraphDef (.pb/.pbtxt), .meta, "
                         "SavedModel directory, checkpoint, Keras .h5/.keras or .tflite file.")
    raise InputError(
        f"'{path}' is not a TensorFlow model: it parses as neither a GraphDef nor a MetaGraphDef "
        "(binary or text) and is not a .tflite, Keras or checkpoint file; it may be truncated "
        "or corrupt: write or copy it again.")


# Signatures of common files that are no model (a binary GraphDef starts with a field tag instead).
_OTHER_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                     (b"GIF8", "a GIF image"), (b"%PDF", "a PDF document"),
                     (b"\x1f\x8b", "a gzip archive (unpack it first)"), (b"\x7fELF", "an executable"))


def _other_kind(data: bytes) -> str | None:
    """What a file that parsed as no model is instead, when that is plain: an
    image, a document, an archive, or text that is no text-format proto."""
    head = bytes(data[:8])
    for signature, kind in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return kind
    try:
        bytes(data[:4096]).decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 4090:  # not a character cut at the 4096-byte boundary
            return None
    return "a text file"


# A top-level field of a text GraphDef / MetaGraphDef at the start of a line.
_PBTXT_FIELD = re.compile(r"^\s*(?:node|meta_info_def|graph_def|versions|library)\s*[{:]", re.MULTILINE)


def _text_error(data: bytes, message) -> str | None:
    """The text-format parse error of `data`, when it is text at all."""
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not _PBTXT_FIELD.search(text):  # a README's "# Title" is no commented pbtxt
        return None
    try:
        text_format.Parse(text, type(message)())
    except text_format.ParseError as exc:
        # Drop the "line:col : " prefix and long quoted tokens (tensor bytes).
        reason = re.sub(r"^\d+:\d+ : ", "", str(exc))
        reason = re.sub(r"'[^']{24,}'", "'...'", reason).replace("tflite_tools.tf.", "tensorflow.")
        reason = reason if len(reason) <= 100 else reason[:97] + "..."
        return f"line {exc.GetLine()}, column {exc.GetColumn()}: {reason}"
    return None


def _detect_protobuf(path: str, found, data: bytes | memoryview) -> None:
    found.contents = data
    kind, message, encoding = parse_graph_file(path, data)
    found.graph = message
    found.detection.encoding = encoding
    nodes = message.node if kind == "GraphDef" else message.graph_def.node
    found.detection.evidence.append(f"{_base(path)}: parses as a {encoding} {kind} with {len(nodes)} nodes")
    found.detection.graph_path = path
    if kind == "MetaGraphDef":
        _classify_meta_graph(path, found)
    else:
        _classify_graph(path, message, found)


def _is_graph(graph) -> bool:
    """A GraphDef parse is plausible when every node names its op (and the
    first one its name: a misparsed MetaGraphDef's first "node" has none)."""
    return len(graph.node) > 0 and bool(graph.node[0].name) and all(node.op for node in graph.node)


def _classify_meta_graph(path: str, found) -> None:
    prefix = tensor_bundle.checkpoint_prefix(path) or _latest_prefix(os.path.dirname(path) or ".", found)
    if prefix:
        found.detection.format = summary_pb2.CHECKPOINT
        found.detection.checkpoint_prefix = prefix
        found.detection.evidence.append(f"{_base(prefix)}.index: checkpoint beside the MetaGraph")
    else:
        found.detection.format = summary_pb2.META_GRAPH
        found.detection.evidence.append(f"{_base(path)}: no checkpoint (.index) beside it")


def _classify_graph(path: str, graph, found) -> None:
    variables = sorted(VARIABLE_OPS.intersection(node.op for node in graph.node))
    if not variables:
        found.detection.format = summary_pb2.FROZEN_GRAPH
        found.detection.evidence.append(f"{_base(path)}: no Variable/VariableV2/VarHandleOp nodes (frozen)")
        return
    found.detection.evidence.append(f"{_base(path)}: holds {'/'.join(variables)} nodes (not frozen)")
    prefix = _latest_prefix(os.path.dirname(path) or ".", found)
    if prefix:
        found.detection.format = summary_pb2.CHECKPOINT
        found.detection.checkpoint_prefix = prefix
    else:
        found.detection.format = summary_pb2.GRAPH_DEF
        found.detection.evidence.append(f"{_base(path)}: no checkpoint beside it")


# --- checkpoints ---------------------------------------------------------------

def _step(prefix: str) -> int:
    match = re.search(r"-(\d+)$", prefix)
    return int(match.group(1)) if match else -1


def _latest_prefix(directory: str, found) -> str | None:
    """The checkpoint prefix in `directory`: the `checkpoint` state file's
    model_checkpoint_path (relative paths taken against the directory; an
    absolute path that no longer exists is looked for in the directory, as
    happens when a training directory is copied), else the .index with the
    highest step. None when the directory has no checkpoint."""
    state_path = os.path.join(directory, CHECKPOINT_STATE)
    if os.path.isfile(state_path):
        state = tf_checkpoint_pb2.CheckpointState()
        try:
            with open(state_path, encoding="utf-8") as f:
                text_format.Parse(f.read(), state)
        except (UnicodeDecodeError, text_format.ParseError) as exc:
            raise InputError(f"'{state_path}' is not a checkpoint state file ({exc}); fix it or pass "
                             "the checkpoint prefix (e.g. model.ckpt-100) directly.") from exc
        if state.model_checkpoint_path:
            recorded = state.model_checkpoint_path
            # Prefer the checkpoint in this directory: training directories get copied
            # while their state file keeps the absolute path of the original.
            if os.path.isabs(recorded):
                here = os.path.join(directory, os.path.basename(recorded))
                moved = os.path.realpath(here) != os.path.realpath(recorded)
                candidates = [(here, " (found in this directory)" if moved else ""), (recorded, "")]
            else:
                candidates = [(os.path.join(directory, recorded), "")]
            for candidate, remark in candidates:
                if tensor_bundle.checkpoint_prefix(candidate):
                    found.detection.evidence.append(f"{CHECKPOINT_STATE}: model_checkpoint_path {recorded!r}{remark}")
                    return os.path.normpath(candidate)
            raise InputError(
                f"'{state_path}' names the checkpoint {recorded!r}, but no {os.path.basename(recorded)}.index "
                f"exists in {directory}; copy the checkpoint files there or pass an existing prefix.")
    indexes = glob.glob(os.path.join(glob.escape(directory), "*.index"))
    if not indexes:
        return None
    prefixes = sorted((p[: -len(".index")] for p in indexes), key=lambda p: (_step(p), p))
    found.detection.evidence.append(f"{_base(prefixes[-1])}.index: latest of {len(prefixes)} checkpoint(s) "
                              "(no checkpoint state file)")
    return prefixes[-1]


def _checkpoint_from_prefix(prefix: str, found) -> None:
    """Fill a CHECKPOINT detection: the prefix and the graph beside it
    (`<prefix>.meta`, else the one graph file in its directory)."""
    found.detection.format = summary_pb2.CHECKPOINT
    found.detection.checkpoint_prefix = prefix
    if tensor_bundle.is_v1_checkpoint(prefix):
        found.detection.evidence.append(f"{_base(prefix)}: V1 checkpoint (one table file, Saver write_version=V1)")
    if os.path.isfile(prefix + ".meta"):
        found.detection.graph_path = prefix + ".meta"
        found.detection.evidence.append(f"{_base(prefix)}.meta: MetaGraph of the checkpoint")
        return
    graphs = _graph_files(os.path.dirname(prefix) or ".")
    if not graphs:
        found.detection.evidence.append(f"{_base(prefix)}: no .meta or graph .pb/.pbtxt beside it")
        return
    found.detection.graph_path = _one_graph(graphs, os.path.dirname(prefix) or ".")
    found.detection.evidence.append(f"{_base(found.detection.graph_path)}: graph beside the checkpoint")


def _graph_files(directory: str) -> list[str]:
    return sorted(os.path.join(directory, name) for name in os.listdir(directory)
                  if name.endswith((".pb", ".pbtxt", ".graphdef")) and name not in SAVED_MODEL_FILES
                  and os.path.isfile(os.path.join(directory, name)))


def _one_graph(paths: list[str], directory: str) -> str:
    """The graph among `paths`; the same graph saved binary and as text
    counts once (the binary one is returned). Raises InputError when the
    files hold different graphs."""
    if len(paths) == 1:
        return paths[0]
    graphs = []
    for path in paths:
        graph = tf_graph_pb2.GraphDef()
        with open(path, "rb") as f:
            if _parse(f.read(), graph):
                graphs.append((path, graph))
    if not graphs:
        return paths[0]  # loading it raises the parse error
    distinct = []
    for path, graph in graphs:
        if not any(graph == other for _, other in distinct):
            distinct.append((path, graph))
    if len(distinct) > 1:
        names = " and ".join(_base(p) for p, _ in distinct[:2])
        more = f" (and {len(distinct) - 2} more)" if len(distinct) > 2 else ""
        raise InputError(f"directory '{directory}' holds different graphs, {names}{more}; pass the "
                         f"one you mean as MODEL (e.g. {distinct[0][0]}) instead of the directory.")
    binary = [p for p, _ in graphs if not p.endswith(".pbtxt")]
    return (binary or [p for p, _ in graphs])[0]


# --- directories -----------------------------------------------------------------

def _detect_directory(path: str, found) -> None:
    names = os.listdir(path)
    if not names:
        raise InputError(f"directory '{path}' is empty; pass a model file, a SavedModel directory or "
                         "a checkpoint directory.")
    if any(name in names for name in SAVED_MODEL_FILES):
        _detect_saved_model(path, found)
        return
    models = sorted(os.path.join(path, n) for n in names
                    if n.endswith(_MODEL_EXTENSIONS) and os.path.isfile(os.path.join(path, n)))
    prefix = _latest_prefix(path, found)
    if prefix:
        _checkpoint_from_prefix(prefix, found)
        others = [_base(m) for m in models if m != found.detection.graph_path and not m.endswith(".meta")]
        if others:
            found.detection.evidence.append(f"{_base(path)}: also holds {', '.join(others)} (pass one as MODEL "
                                      "to inspect it instead)")
        return
    if not models:
        exports = sorted((n for n in names if any(os.path.isfile(os.path.join(path, n, f))
                                                  for f in SAVED_MODEL_FILES)), key=_export_order)
        if exports:
            # Estimator/serving layouts: export_dir/<timestamp>/saved_model.pb.
            found.detection.evidence.append(
                f"{_base(path)}: holds the SavedModel {exports[0]}" if len(exports) == 1 else
                f"{_base(path)}: SavedModel exports {', '.join(exports)}; using the latest, {exports[-1]}")
            _detect_saved_model(os.path.join(path, exports[-1]), found)
            return
        raise InputError(
            f"directory '{path}' holds no TensorFlow model (no saved_model.pb, checkpoint, "
            ".pb/.pbtxt/.meta, .tflite, .h5 or .keras file); pass the model file or its directory.")
    graphs = [m for m in models if m.endswith((".pb", ".pbtxt", ".graphdef"))]
    if len(models) > 1 and len(graphs) == len(models):
        models = [_one_graph(graphs, path)]
    if len(models) > 1:
        names_found = ", ".join(_base(m) for m in models)
        raise InputError(f"directory '{path}' holds several models ({names_found}); pass the one "
                         "you mean as the path.")
    found.detection.evidence.append(f"{_base(path)}: the only model file in it is {_base(models[0])}")
    _detect_file(models[0], found)


def _export_order(name: str) -> tuple[int, str]:
    """Numbered export directories (timestamps, versions) in numeric order."""
    return (int(name), name) if name.isdigit() else (-1, name)


def _detect_saved_model(directory: str, found) -> None:
    saved_model = read_saved_model(directory)
    found.saved_model = saved_model
    pb = saved_model_path(directory)
    found.detection.graph_path = pb
    found.detection.encoding = "text" if pb.endswith(".pbtxt") else "binary"
    meta = serving_meta_graph(saved_model)
    found.detection.tags.extend(meta.meta_info_def.tags)
    if len(saved_model.meta_graphs) > 1:
        tag_sets = "; ".join(",".join(m.meta_info_def.tags) for m in saved_model.meta_graphs)
        found.detection.evidence.append(f"{_base(pb)}: meta graphs tagged {tag_sets}; using {','.join(meta.meta_info_def.tags)}")
    with_objects = [m for m in saved_model.meta_graphs if len(m.object_graph_def.nodes)]
    if with_objects:
        found.detection.format = summary_pb2.SAVED_MODEL_TF2
        found.detection.evidence.append(f"{_base(pb)}: SavedModel whose meta graph has an object graph "
                                  f"({len(with_objects[0].object_graph_def.nodes)} objects): TF2")
    else:
        found.detection.format = summary_pb2.SAVED_MODEL_TF1
        found.detection.evidence.append(f"{_base(pb)}: SavedModel with {len(saved_model.meta_graphs)} meta "
                                  "graph(s) and no object graph: TF1")
