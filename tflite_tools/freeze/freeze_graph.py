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
  SavedModel directory (its parts are found by `tflite_tools.detect`);
- resource variables (VarHandleOp) restore even without a MetaGraph, where
  freeze_graph.py's `Saver(var_list)` fails on TF 2.x;
- every failure freeze_graph.py only prints is a typed error (exit 2).

    result = freeze(input_graph="train/graph.pbtxt", output_graph="frozen.pb")
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
from typing import Optional

from tflite_tools.core import fileio
from tflite_tools.core.names import Names, node_name, split_names
from tflite_tools.errors import InputError, UsageError, unknown_name_error
from tflite_tools.graph import surgery
from tflite_tools.graph.analysis import VARIABLE_OPS
from tflite_tools.proto import freeze_pb2

_DATA_SUFFIX = re.compile(r"\.data-\d+-of-\d+$")


@dataclasses.dataclass
class Frozen:
    """A frozen graph in memory (TensorFlow's GraphDef) and what was done."""

    graph_def: object
    result: freeze_pb2.FreezeResult


def find_checkpoint(path: str) -> Optional[str]:
    """The checkpoint prefix `path` stands for, or None when there is none.

    `path` may be a prefix (V2 or V1), a directory (its `checkpoint` state
    file, else its only .index file), the `checkpoint` state file, or any
    file of a checkpoint (.index, .data-*-of-*, .meta).
    """
    if os.path.isdir(path):
        return _checkpoint_in_directory(path)
    if os.path.basename(path) == "checkpoint" and os.path.isfile(path):
        return _checkpoint_in_directory(os.path.dirname(path) or ".")
    for suffix in (".index", ".meta"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    path = _DATA_SUFFIX.sub("", path)
    if os.path.isfile(path + ".index"):
        return path
    if os.path.isfile(path) or glob.glob(glob.escape(path) + "-?????-of-?????"):
        return path  # V1 checkpoint
    return None


def _checkpoint_in_directory(directory: str) -> Optional[str]:
    state_path = os.path.join(directory, "checkpoint")
    if os.path.isfile(state_path):
        from google.protobuf import text_format

        from tflite_tools.proto import tf_checkpoint_pb2

        state = tf_checkpoint_pb2.CheckpointState()
        try:
            with open(state_path) as f:
                text_format.Parse(f.read(), state)
        except (UnicodeDecodeError, text_format.ParseError):
            state.Clear()
        if state.model_checkpoint_path:
            prefix = state.model_checkpoint_path
            if not os.path.isabs(prefix):
                prefix = os.path.join(directory, prefix)
            found = find_checkpoint(prefix) if not os.path.isdir(prefix) else None
            if found:
                return found
            # The state file often holds the absolute path of another machine.
            found = find_checkpoint(os.path.join(directory, os.path.basename(prefix)))
            if found:
                return found
    indexes = sorted(glob.glob(os.path.join(glob.escape(directory), "*.index")))
    return indexes[-1][: -len(".index")] if len(indexes) == 1 else None


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
                        variable_names_denylist: Names = None, checkpoint_version: int = 2) -> Frozen:
    """`freeze` without writing: the frozen TensorFlow GraphDef and its FreezeResult."""
    if checkpoint_version not in (1, 2):
        raise UsageError(f"Invalid checkpoint version (must be '1' or '2'): {checkpoint_version}; "
                         "pass --checkpoint_version 1 or 2.")
    result = freeze_pb2.FreezeResult(engine="python")
    if input_graph and not os.path.isfile(input_graph) and not (input_meta_graph or input_saved_model_dir):
        # A directory or checkpoint prefix passed as the graph: place its parts (detect says what).
        sources = model_sources(input_graph, input_checkpoint)
        input_graph, input_meta_graph = sources.graph or None, sources.meta_graph or None
        input_saved_model_dir, input_checkpoint = sources.saved_model_dir or None, sources.checkpoint or None
    if input_graph and input_graph.endswith(".meta") and not input_meta_graph:
        input_graph, input_meta_graph = None, input_graph  # a MetaGraph passed as the graph
    tags = split_names(saved_model_tags)
    graph_def, saver_def, graph_source = _read_sources(input_graph, input_meta_graph,
                                                       input_saved_model_dir, tags, input_saver)
    result.input_graph = input_graph or ""
    result.input_meta_graph = input_meta_graph or ""
    result.input_saved_model_dir = input_saved_model_dir or ""
    if not input_saved_model_dir:
        result.input_checkpoint = _resolve_checkpoint(input_checkpoint, graph_source)

    outputs = [node_name(n) for n in split_names(output_node_names)]
    if not outputs:
        outputs = _detected_outputs(graph_source)
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
    if clear_devices:
        for node in graph_def.node:
            node.device = ""
    result.input_nodes = len(graph_def.node)
    tf_graph_def = _run_freeze(graph_def, saver_def, result.input_checkpoint, input_saved_model_dir,
                               tags, outputs, [v for v in variables if v in needed],
                               split_names(initializer_nodes), split_names(variable_names_allowlist),
                               split_names(variable_names_denylist), checkpoint_version)
    frozen_names = [node.name for node in tf_graph_def.node
                    if node.name in set(variables) and node.op == "Const"]
    result.frozen_variables = len(frozen_names)
    result.frozen_variable_names.extend(frozen_names)
    result.output_nodes = len(tf_graph_def.node)
    return Frozen(tf_graph_def, result)


def _read_sources(input_graph, input_meta_graph, saved_model_dir, tags, input_saver):
    """(our GraphDef, our SaverDef or None, path naming the graph) from the flags."""
    from tflite_tools.formats import graphdef_io
    from tflite_tools.proto import tf_saved_model_pb2

    saver_def = None
    if saved_model_dir:
        graph_def = _saved_model_graph(saved_model_dir, tags)
        source = saved_model_dir
    elif input_graph:
        _require_file(input_graph, "Input graph file", "--input_graph")
        graph_def, _ = graphdef_io.read_graph_def(input_graph)
        source = input_graph
    elif input_meta_graph:
        source = input_meta_graph
        graph_def = None
    else:
        raise UsageError("no graph given; pass --input_graph GRAPH.pb, --input_meta_graph MODEL.meta "
                         "or --input_saved_model_dir DIR.")
    if input_meta_graph:
        meta = tf_saved_model_pb2.MetaGraphDef()
        _parse_file(input_meta_graph, meta, "Input meta graph file", "--input_meta_graph")
        if graph_def is None:
            graph_def = meta.graph_def
        if meta.HasField("saver_def"):
            saver_def = meta.saver_def
    if input_saver:
        saver_def = tf_saved_model_pb2.SaverDef()
        _parse_file(input_saver, saver_def, "Input saver file", "--input_saver")
    return graph_def, saver_def, source


def _require_file(path, what, flag):
    if not os.path.isfile(path):
        raise InputError(f"{what} '{path}' does not exist; check the path given to {flag}.")


def _parse_file(path, message, what, flag):
    from tflite_tools.formats.graphdef_io import parse_binary_or_text

    _require_file(path, what, flag)
    with open(path, "rb") as f:
        data = f.read()
    try:
        parse_binary_or_text(data, message)
    except ValueError as exc:
        raise InputError(f"{what} '{path}' is not a binary or text {message.DESCRIPTOR.name}; "
                         f"check the path given to {flag}.") from exc


def _saved_model_graph(saved_model_dir, tags):
    from tflite_tools.proto import tf_saved_model_pb2

    path = os.path.join(saved_model_dir, "saved_model.pb")
    if not os.path.isfile(path):
        path = os.path.join(saved_model_dir, "saved_model.pbtxt")
    saved_model = tf_saved_model_pb2.SavedModel()
    _parse_file(path if os.path.isfile(path) else os.path.join(saved_model_dir, "saved_model.pb"),
                saved_model, "SavedModel file", "--input_saved_model_dir")
    return meta_graph_for_tags(saved_model, tags).graph_def


def meta_graph_for_tags(saved_model, tags):
    """The MetaGraphDef of `saved_model` whose tag set is exactly `tags`.

    Raises UsageError listing the tag sets there are.
    """
    for meta in saved_model.meta_graphs:
        if set(meta.meta_info_def.tags) == set(tags):
            return meta
    available = "; ".join(",".join(m.meta_info_def.tags) for m in saved_model.meta_graphs) or "none"
    raise UsageError(f"the SavedModel has no MetaGraph with tags '{','.join(tags)}' (it has: "
                     f"{available}); pass one of those to --saved_model_tags.")


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


def _detected_outputs(graph_source) -> list[str]:
    from tflite_tools.inspect.model_summary import inspect

    summary = inspect(graph_source)
    # SavedModel outputs are signature keys; tensor_name is the graph tensor behind each.
    outputs = [node_name(t.tensor_name or t.name) for t in summary.outputs]
    if not outputs:
        raise UsageError(f"no outputs were found in '{graph_source}'; name them with "
                         "--output_node_names.")
    return outputs


def _run_freeze(graph_def, saver_def, checkpoint, saved_model_dir, tags, outputs, needed_variables,
                initializer_nodes, allowlist, denylist, checkpoint_version):
    """Restore the variables in a Session and turn them into constants (TensorFlow)."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    tf_graph_def = tf.compat.v1.GraphDef.FromString(graph_def.SerializeToString())
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
        try:
            if saved_model_dir:
                tf.compat.v1.saved_model.loader.load(sess, tags, saved_model_dir)
            else:
                tf.graph_util.import_graph_def(tf_graph_def, name="")
                if saver_def is not None:
                    version = (tf.compat.v1.train.SaverDef.V1 if checkpoint_version == 1
                               else tf.compat.v1.train.SaverDef.V2)
                    saver = tf.compat.v1.train.Saver(
                        saver_def=tf.compat.v1.train.SaverDef.FromString(saver_def.SerializeToString()),
                        write_version=version)
                    saver.restore(sess, checkpoint)
                else:
                    _restore_by_name(tf, sess, checkpoint, needed_variables)
            if initializer_nodes:
                sess.run(initializer_nodes)
            return tf.compat.v1.graph_util.convert_variables_to_constants(
                sess, tf_graph_def, outputs, variable_names_whitelist=allowlist or None,
                variable_names_blacklist=denylist or None)
        except (tf.errors.OpError, ValueError, KeyError, TypeError) as exc:
            where = saved_model_dir or checkpoint
            raise InputError(f"cannot restore the variables of '{where}' into the graph: "
                             f"{_first_line(exc)}; check that the checkpoint was written by this "
                             "graph.") from exc


def _restore_by_name(tf, sess, checkpoint, variables):
    """Load each variable from the checkpoint entry of the same name.

    freeze_graph.py builds `Saver(var_list={name: graph tensor})`, which TF 2.x
    rejects for resource variables; assigning through each variable's own
    handle works for VariableV2 and VarHandleOp alike.
    """
    reader = tf.train.load_checkpoint(checkpoint)
    available = reader.get_variable_to_dtype_map()
    missing = [v for v in variables if v not in available]
    if any(re.search(r"/part_\d+$", name) for name in missing):
        raise InputError("Models containing partition variables cannot be converted from checkpoint files; "
                         "pass the MetaGraph (--input_meta_graph) or a SavedModel (--input_saved_model_dir).")
    if missing:
        raise InputError(f"the checkpoint '{checkpoint}' has no values for {', '.join(missing[:5])}"
                         f"{' ...' if len(missing) > 5 else ''}; pass the checkpoint written by this graph.")
    graph = sess.graph
    assigns, feeds = [], {}
    for name in variables:
        op = graph.get_operation_by_name(name)
        value = reader.get_tensor(name)
        placeholder = tf.compat.v1.placeholder(op.outputs[0].dtype.base_dtype if op.type != "VarHandleOp"
                                               else op.get_attr("dtype"), value.shape)
        if op.type == "VarHandleOp":
            assigns.append(tf.raw_ops.AssignVariableOp(resource=op.outputs[0], value=placeholder))
        else:
            assigns.append(tf.compat.v1.assign(op.outputs[0], placeholder, validate_shape=True))
        feeds[placeholder] = value
    sess.run(assigns, feeds)


def _first_line(exc) -> str:
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def format_text(result: freeze_pb2.FreezeResult) -> str:
    """One summary block for the CLI."""
    lines = []
    source = result.input_graph or result.input_meta_graph or result.input_saved_model_dir
    lines.append(f"Froze {result.frozen_variables} variables of {source}")
    if result.input_checkpoint:
        lines.append(f"  checkpoint: {result.input_checkpoint}")
    lines.append(f"  outputs:    {', '.join(result.output_node_names)}")
    lines.append(f"  nodes:      {result.input_nodes} -> {result.output_nodes}")
    if result.output_graph:
        lines.append(f"  wrote:      {result.output_graph} ({result.output_size_bytes} bytes)")
    else:
        lines.append("  (no --output_graph given: nothing written)")
    if result.error:
        lines.append(f"  error: {result.error}")
    return "\n".join(lines) + "\n"


@dataclasses.dataclass
class ModelSources:
    """The freeze inputs one artifact path stands for (fields empty when absent)."""

    graph: str = ""
    meta_graph: str = ""
    saved_model_dir: str = ""
    checkpoint: str = ""


def model_sources(path: str, checkpoint: Optional[str] = None) -> ModelSources:
    """Split an artifact path (as `inspect` takes it) into freeze inputs, by its detected format.

    `checkpoint`, when given, replaces the checkpoint found beside the graph.

    Raises:
      InputError: the artifact is not a graph that can be frozen.
    """
    from tflite_tools.formats.detect import detect
    from tflite_tools.proto import summary_pb2

    detection = detect(path)
    fmt = summary_pb2.ModelFormat.Name(detection.format)
    if fmt in ("SAVED_MODEL_TF1", "SAVED_MODEL_TF2"):
        return ModelSources(saved_model_dir=path)
    if fmt in ("CHECKPOINT", "GRAPH_DEF", "META_GRAPH") or (fmt == "FROZEN_GRAPH" and checkpoint):
        graph = detection.graph_path or path
        checkpoint = checkpoint or detection.checkpoint_prefix
        if graph.endswith(".meta"):
            return ModelSources(meta_graph=graph, checkpoint=checkpoint)
        return ModelSources(graph=graph, checkpoint=checkpoint)
    if fmt == "FROZEN_GRAPH":
        raise InputError(f"'{path}' is a frozen graph already: there is nothing to freeze; "
                         "convert it directly with `tflite-tools convert`.")
    raise InputError(f"'{path}' is {fmt.lower().replace('_', ' ')}, not a TensorFlow graph with a "
                     "checkpoint; freeze takes a graph + checkpoint, a .meta or a SavedModel.")
