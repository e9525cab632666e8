"""Freeze a graph: checkpoint variables become Const nodes (TF's freeze_graph, kinder).

Same inputs and the same result as `tensorflow/python/tools/freeze_graph.py`
(node names and constant values match), with what users trip over fixed:

- `output_node_names` may be omitted (the outputs `inspect` finds are used)
  and may carry `:0` tensor suffixes;
- `input_checkpoint` may be omitted when a checkpoint sits beside the graph,
  and may be a directory, the `checkpoint` state file or any file of the
  checkpoint (.index, .data-*, .meta);
- the graph may be binary or text whatever `input_binary` says, and
  `input_graph` may be a training directory, a checkpoint prefix or a
  SavedModel directory (its parts are found by `tflite_tools.formats.detect`);
- resource variables (VarHandleOp) restore even without a MetaGraph, where
  freeze_graph.py's `Saver(var_list)` fails on TF 2.x;
- every failure freeze_graph.py only prints is a typed error (exit 2).

    result = freeze(input_graph="train/graph.pbtxt", output_graph="frozen.pb")
"""

from __future__ import annotations

import dataclasses
import os
from typing import Optional

from tflite_tools.core import fileio
from tflite_tools.core.names import Names, node_name, split_names
from tflite_tools.errors import InputError, UsageError, unknown_name_error
from tflite_tools.formats import graphdef_io
from tflite_tools.formats.checkpoints import find_checkpoint
from tflite_tools.formats.loaders.checkpoint import check_checkpoint
from tflite_tools.formats.saved_model import meta_graph_for_tags, serving_meta_graph
from tflite_tools.freeze import restore
from tflite_tools.freeze.sources import default_outputs, model_sources
from tflite_tools.graph import surgery
from tflite_tools.graph.analysis import VARIABLE_OPS
from tflite_tools.model import LoadedModel
from tflite_tools.proto import freeze_pb2, tf_saved_model_pb2

@dataclasses.dataclass
class Frozen:
    """A frozen graph in memory (TensorFlow's GraphDef) and what was done."""

    graph_def: object
    result: freeze_pb2.FreezeResult


def freeze(input_graph: Optional[str] = None, input_checkpoint: Optional[str] = None,
           output_node_names: Names = None, output_graph: Optional[str] = None, *,
           input_meta_graph: Optional[str] = None, input_saved_model_dir: Optional[str] = None,
           saved_model_tags: Names = "serve", input_saver: Optional[str] = None,
           clear_devices: bool = True, initializer_nodes: Names = None,
           variable_names_allowlist: Names = None, variable_names_denylist: Names = None,
           checkpoint_version: int = 2) -> freeze_pb2.FreezeResult:
    """Freeze a graph and its checkpoint into a GraphDef; write it to `output_graph` if given.

    Arguments follow freeze_graph.py's flags. Returns a FreezeResult.

    Raises:
      InputError: a missing/unreadable graph or checkpoint, a graph with no
        variables, a checkpoint that does not fit the graph.
      UsageError: no outputs given or found, an output name not in the graph
        (with the closest names), a bad checkpoint_version.
    """
    frozen = freeze_to_graph_def(
        input_graph, input_checkpoint, output_node_names, input_meta_graph=input_meta_graph,
        input_saved_model_dir=input_saved_model_dir, saved_model_tags=saved_model_tags,
        input_saver=input_saver, clear_devices=clear_devices, initializer_nodes=initializer_nodes,
        variable_names_allowlist=variable_names_allowlist,
        variable_names_denylist=variable_names_denylist, checkpoint_version=checkpoint_version)
    data = frozen.graph_def.SerializeToString(deterministic=True)
    frozen.result.output_size_bytes = len(data)
    if output_graph:
        fileio.write_atomic(output_graph, data)
        frozen.result.output_graph = output_graph
    return frozen.result


def freeze_to_graph_def(input_graph: Optional[str] = None, input_checkpoint: Optional[str] = None,
                        output_node_names: Names = None, *, input_meta_graph: Optional[str] = None,
                        input_saved_model_dir: Optional[str] = None, saved_model_tags: Names = "serve",
                        input_saver: Optional[str] = None, clear_devices: bool = True,
                        initializer_nodes: Names = None, variable_names_allowlist: Names = None,
                        variable_names_denylist: Names = None, checkpoint_version: int = 2,
                        model: Optional[LoadedModel] = None) -> Frozen:
    """`freeze` without writing: the frozen TensorFlow GraphDef and its FreezeResult.

    `model`, the artifact the graph flags name already loaded (convert passes
    its own), spares reading and parsing the graph files again.
    """
    if checkpoint_version not in (1, 2):
        raise UsageError(f"Invalid checkpoint version (must be '1' or '2'): {checkpoint_version}; "
                         "pass --checkpoint_version 1 or 2.")
    result = freeze_pb2.FreezeResult(engine="python")
    if input_graph and not os.path.isfile(input_graph) and not (input_meta_graph or input_saved_model_dir):
        # A directory or checkpoint prefix passed as the graph: place its parts (detect says what).
        sources = model_sources(input_graph, input_checkpoint,
                                model.detection if model is not None and model.path == input_graph else None)
        input_graph, input_meta_graph = sources.graph or None, sources.meta_graph or None
        input_saved_model_dir, input_checkpoint = sources.saved_model_dir or None, sources.checkpoint or None
    if input_graph and input_graph.endswith(".meta") and not input_meta_graph:
        input_graph, input_meta_graph = None, input_graph  # a MetaGraph passed as the graph
    tags = split_names(saved_model_tags)
    graph_def, saver_def, graph_source, outputs_meta = _read_sources(
        input_graph, input_meta_graph, input_saved_model_dir, tags, input_saver, model)
    result.input_graph = input_graph or ""
    result.input_meta_graph = input_meta_graph or ""
    result.input_saved_model_dir = input_saved_model_dir or ""
    if not input_saved_model_dir:
        result.input_checkpoint = _resolve_checkpoint(input_checkpoint, graph_source)
        check_checkpoint(result.input_checkpoint)  # a missing data shard, named before TF restores

    outputs = [node_name(n) for n in split_names(output_node_names)]
    if not outputs:
        outputs = default_outputs(graph_def, outputs_meta)
        if not outputs:
            raise UsageError(f"no outputs were found in '{graph_source}'; name them with "
                             "--output_node_names.")
    node_names = [node.name for node in graph_def.node]
    known = set(node_names)
    for name in outputs:
        if name not in known:
            raise unknown_name_error("output node", name, node_names, "--output_node_names")
    result.output_node_names.extend(outputs)

    needed = surgery.reachable(graph_def, outputs)
    variables = [node.name for node in graph_def.node if node.op in VARIABLE_OPS]
    if not variables:
        raise InputError(f"'{graph_source}' has no variables: it is frozen already, so there is "
                         "nothing to freeze; convert it directly.")
    result.input_nodes = len(graph_def.node)
    tf_graph_def = restore.variables_to_constants(
        graph_def, saver_def, result.input_checkpoint, input_saved_model_dir, tags, outputs,
        [v for v in variables if v in needed], split_names(initializer_nodes),
        split_names(variable_names_allowlist), split_names(variable_names_denylist), checkpoint_version,
        clear_devices)
    frozen_names = [node.name for node in tf_graph_def.node
                    if node.name in set(variables) and node.op == "Const"]
    result.frozen_variables = len(frozen_names)
    result.frozen_variable_names.extend(frozen_names)
    result.output_nodes = len(tf_graph_def.node)
    return Frozen(tf_graph_def, result)


def _read_sources(input_graph, input_meta_graph, saved_model_dir, tags, input_saver, model):
    """(our GraphDef, our SaverDef or None, path naming the graph, the MetaGraph
    whose serving signature names the default outputs or None) from the flags;
    the graph comes from `model` when the flags name its files."""
    saver_def = outputs_meta = None
    if saved_model_dir:
        saved_model = model.saved_model if model is not None and model.saved_model is not None else \
            _read_saved_model(saved_model_dir)
        graph_def = meta_graph_for_tags(saved_model, tags).graph_def
        outputs_meta = serving_meta_graph(saved_model)
        source = saved_model_dir
    elif input_graph:
        _require_file(input_graph, "Input graph file", "--input_graph")
        graph_def = model.graph_def if _is_graph_file_of(model, input_graph) else \
            graphdef_io.read_graph_def(input_graph)[0]
        source = input_graph
    elif input_meta_graph:
        source = input_meta_graph
        graph_def = None
    else:
        raise UsageError("no graph given; pass --input_graph GRAPH.pb, --input_meta_graph MODEL.meta "
                         "or --input_saved_model_dir DIR.")
    if input_meta_graph:
        if _is_graph_file_of(model, input_meta_graph) and model.meta_graph is not None:
            meta = model.meta_graph
        else:
            meta = tf_saved_model_pb2.MetaGraphDef()
            _parse_file(input_meta_graph, meta, "Input meta graph file", "--input_meta_graph")
        if graph_def is None:
            graph_def = meta.graph_def
        if meta.HasField("saver_def"):
            saver_def = meta.saver_def
    if input_saver:
        saver_def = tf_saved_model_pb2.SaverDef()
        _parse_file(input_saver, saver_def, "Input saver file", "--input_saver")
    return graph_def, saver_def, source, outputs_meta


def _is_graph_file_of(model: Optional[LoadedModel], path: str) -> bool:
    """Whether `model` was loaded from the graph file `path` (its parse can be reused)."""
    return (model is not None and model.graph_def is not None and bool(model.detection.graph_path)
            and os.path.abspath(model.detection.graph_path) == os.path.abspath(path))


def _require_file(path, what, flag):
    if not os.path.isfile(path):
        raise InputError(f"{what} '{path}' does not exist; check the path given to {flag}.")


def _parse_file(path, message, what, flag):
    _require_file(path, what, flag)
    with open(path, "rb") as f:
        data = f.read()
    try:
        graphdef_io.parse_binary_or_text(data, message)
    except ValueError as exc:
        raise InputError(f"{what} '{path}' is not a binary or text {message.DESCRIPTOR.name}; "
                         f"check the path given to {flag}.") from exc


def _read_saved_model(saved_model_dir):
    path = os.path.join(saved_model_dir, "saved_model.pb")
    if not os.path.isfile(path):
        path = os.path.join(saved_model_dir, "saved_model.pbtxt")
    saved_model = tf_saved_model_pb2.SavedModel()
    _parse_file(path if os.path.isfile(path) else os.path.join(saved_model_dir, "saved_model.pb"),
                saved_model, "SavedModel file", "--input_saved_model_dir")
    return saved_model


def _resolve_checkpoint(input_checkpoint, graph_source) -> str:
    if input_checkpoint:
        prefix = find_checkpoint(input_checkpoint)
        if prefix is None:
            raise InputError(f"Input checkpoint '{input_checkpoint}' doesn't exist; pass the checkpoint "
                             "prefix (e.g. model.ckpt-1000) or its directory to --input_checkpoint.")
        return prefix
    directory = os.path.dirname(os.path.abspath(graph_source))
    prefix = find_checkpoint(directory)
    if prefix is None:
        raise InputError(f"no checkpoint found beside '{graph_source}'; pass its prefix "
                         "(e.g. model.ckpt-1000) to --input_checkpoint.")
    return prefix
