"""`inspect`: say what a TensorFlow artifact is and how to convert it.

    >>> from tflite_tools.inspect import inspect, format_text
    >>> summary = inspect("train_dir")           # any artifact kind
    >>> [t.name for t in summary.outputs], summary.input_candidates[0].convert_flag
    (['predictions'], '--input_arrays=IteratorGetNext:0 --input_shapes=2,8,8,3')
    >>> print(format_text(summary))

The result is a `summary_pb2.ModelSummary`: format and detection evidence,
inputs and outputs (GraphDefs: Placeholders and the sinks a user would
convert, training/bookkeeping sinks counted in `omitted_outputs`;
SavedModels: the serving signature; Keras: input and output layers;
.tflite: subgraph 0), variables and parameter counts, the op histogram,
input candidates for graphs fed by an input pipeline, signatures, and a
ready-to-paste convert command. Only `check=True` (a trial conversion)
imports TensorFlow.
"""

from __future__ import annotations

import os
import shlex

from tflite_tools.core.names import node_name
from tflite_tools.formats import tensor_bundle
from tflite_tools.formats.loaders import load
from tflite_tools.formats.saved_model import SERVING_SIGNATURE, serving_signature
from tflite_tools.graph import analysis
from tflite_tools.graph.shape_inference import ShapeInference
from tflite_tools.inspect import keras_file, text, tflite_file
from tflite_tools.model import LoadedModel
from tflite_tools.proto import summary_pb2

# The object-graph bookkeeping entry a TF2 checkpoint holds beside the variables.
_OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_GRAPH_FORMATS = (summary_pb2.FROZEN_GRAPH, summary_pb2.GRAPH_DEF, summary_pb2.CHECKPOINT,
                  summary_pb2.META_GRAPH)


def inspect(path: str, check: bool = False) -> summary_pb2.ModelSummary:
    """Describe the artifact at `path` (file, directory or checkpoint prefix).

    Args:
      path: any artifact `tflite_tools.formats.detect` recognises.
      check: also run a trial conversion (imports TensorFlow) and fill
        `tflite_compatibility`.
    Raises:
      InputError: the path is missing or not a usable TensorFlow artifact.
    """
    model = load(path)
    summary = summary_pb2.ModelSummary(source_path=path, format=model.format)
    summary.detection.CopyFrom(model.detection)
    if model.format in _GRAPH_FORMATS:
        _describe_graph_model(model, summary)
    elif model.format in (summary_pb2.SAVED_MODEL_TF1, summary_pb2.SAVED_MODEL_TF2):
        _describe_saved_model(model, summary)
    elif model.format in (summary_pb2.KERAS_H5, summary_pb2.KERAS_V3):
        keras_file.describe(model.keras_config, model.detection.graph_path,
                                model.format == summary_pb2.KERAS_V3, summary)
    else:
        tflite_file.describe(model.tflite_bytes, summary)
    _note_unknown_dims(summary)
    if check:
        _check(path, summary)
    summary.convert_command = _convert_command(path, summary)
    return summary


def _note_unknown_dims(summary) -> None:
    """Say which inputs the converter needs concrete shapes for."""
    for spec in summary.inputs:
        if spec.unknown_rank:
            summary.notes.append(f"input '{spec.name}' has an unknown rank: give its full shape with "
                                 "--input_shapes when converting.")
        elif any(d < 0 for d in spec.shape[1:]):
            summary.notes.append(f"input '{spec.name}' has unknown dimensions besides the batch "
                                 f"({text.shape(spec)}): fix them with --input_shapes (e.g. "
                                 f"{','.join(str(d) if d >= 0 else '1' for d in spec.shape)} with your sizes).")


def _check(path: str, summary) -> None:
    if summary.format == summary_pb2.TFLITE:
        summary.notes.append("--check: the model is a .tflite already; its ops are listed as they are.")
        return
    from tflite_tools.convert.compatibility import check_compatibility  # imports TensorFlow when it runs

    summary.tflite_compatibility.CopyFrom(check_compatibility(path))


def _describe_graph_model(model: LoadedModel, summary) -> None:
    graph = model.graph_def
    prefix = model.detection.checkpoint_prefix
    if graph is None:
        summary.notes.append("no graph (.meta, .pb or .pbtxt) was found beside the checkpoint: pass "
                             "the graph file to convert or freeze it.")
    else:
        indexed = analysis.index(graph)
        _describe_graph(indexed, summary)
        summary.variables.extend(analysis.variables(indexed))
        if model.meta_graph is not None:
            _add_signatures(model.meta_graph, summary)
    if prefix:
        _use_checkpoint_variables(prefix, summary)
    summary.variable_parameters = sum(analysis.elements_of(spec) for spec in summary.variables)


def _describe_graph(graph: analysis.GraphIndex, summary) -> None:
    analysis.describe(graph, summary)
    summary.inputs.extend(analysis.inputs(graph))
    outputs, omitted = analysis.outputs(graph)
    inference = ShapeInference(graph)
    for spec in outputs:
        if spec.unknown_rank:
            shape = inference.shape(spec.name)
            if shape is not None:
                spec.unknown_rank = False
                spec.shape.extend(shape)
    summary.outputs.extend(outputs)
    summary.omitted_outputs = len(omitted)
    summary.omitted_output_names.extend(omitted)
    if not outputs:
        summary.notes.append("no output found: every sink is training or bookkeeping machinery; name "
                             "the outputs with --output_arrays when converting.")
    invalid = analysis.invalid_inputs(graph)
    if invalid:
        shown = ", ".join(f"{name} <- {source}" for name, source in invalid[:3])
        summary.notes.append(f"{len(invalid)} node input(s) name nodes that are not in the graph ({shown}"
                             f"{', ...' if len(invalid) > 3 else ''}): TensorFlow will refuse to load it.")
    if {"detection_boxes", "detection_scores", "num_detections"} <= {spec.name for spec in outputs}:
        summary.notes.append(
            "this is an Object Detection API inference graph: it does not convert as is; export it with "
            "models/research/object_detection/export_tflite_ssd_graph.py, then convert that graph with "
            "--input_arrays=normalized_input_image_tensor --output_arrays=TFLite_Detection_PostProcess,"
            "TFLite_Detection_PostProcess:1,TFLite_Detection_PostProcess:2,TFLite_Detection_PostProcess:3 "
            "--allow_custom_ops.")
    if not summary.inputs:
        summary.input_candidates.extend(analysis.input_candidates(graph))
        if summary.input_candidates:
            summary.notes.append(
                "the graph has no Placeholder: it is fed by an input pipeline; convert it cut at an "
                "input candidate (its flag below), or export an inference graph with a Placeholder.")
        else:
            summary.notes.append("the graph has no Placeholder and no input pipeline to cut at.")


def _use_checkpoint_variables(prefix: str, summary) -> None:
    """Replace the graph's variable list with the checkpoint's own, and note
    graph variables the checkpoint lacks (they would fail to restore)."""
    bundle = tensor_bundle.read(prefix)
    in_graph = {spec.name for spec in summary.variables}
    del summary.variables[:]
    for index, (name, entry) in enumerate(e for e in bundle.entries if e[0] != _OBJECT_GRAPH_KEY):
        summary.variables.append(analysis.tensor_spec(name, entry.dtype, entry.shape, index=index))
    missing = sorted(in_graph - {spec.name for spec in summary.variables})
    if missing:
        summary.notes.append(f"{len(missing)} graph variable(s) are not in the checkpoint "
                             f"{os.path.basename(prefix)}: {', '.join(missing[:5])}"
                             + (" ..." if len(missing) > 5 else ""))


def _describe_saved_model(model: LoadedModel, summary) -> None:
    indexed = analysis.index(model.graph_def)
    analysis.describe(indexed, summary)
    _add_signatures(model.meta_graph, summary)
    chosen = serving_signature(model.meta_graph)
    serving = [s for s in summary.signatures if chosen and s.key == chosen[0]]
    if serving:
        summary.inputs.extend(serving[0].inputs)
        summary.outputs.extend(serving[0].outputs)
        if serving[0].key != SERVING_SIGNATURE:
            summary.notes.append(f"no {SERVING_SIGNATURE} signature: showing '{serving[0].key}'.")
    else:
        summary.notes.append("the SavedModel has no signature: converters need one; export it with "
                             "a serving signature.")
    tags = list(model.meta_graph.meta_info_def.tags)
    if "serve" not in tags:
        summary.notes.append(f"no meta graph is tagged 'serve'; this one is tagged {','.join(tags) or '(none)'}: "
                             f"convert with --saved_model_tags={','.join(tags)}.")
    if model.format == summary_pb2.SAVED_MODEL_TF2:
        summary.variables.extend(_saved_variables(model.meta_graph.object_graph_def))
    else:
        summary.variables.extend(analysis.variables(indexed))
    summary.variable_parameters = sum(analysis.elements_of(spec) for spec in summary.variables)


def _add_signatures(meta_graph, summary) -> None:
    ops = {node.name: node.op for node in meta_graph.graph_def.node}
    for key in sorted(meta_graph.signature_def):
        if key.startswith("__"):  # __saved_model_init_op and friends are not callable signatures
            continue
        signature_def = meta_graph.signature_def[key]
        signature = summary.signatures.add(key=key, method_name=signature_def.method_name)
        for specs, infos in ((signature.inputs, signature_def.inputs), (signature.outputs, signature_def.outputs)):
            for index, name in enumerate(sorted(infos)):
                info = infos[name]
                shape = info.tensor_shape if info.HasField("tensor_shape") else None
                specs.append(analysis.tensor_spec(name, info.dtype, shape, ops.get(node_name(info.name), ""),
                                                        info.name, index))


def _saved_variables(object_graph) -> list:
    """SavedVariable objects, named by their name or object-graph path.

    Keras 3's export saves each variable twice (under `variables` and
    `_all_variables`); objects with the same name, dtype and shape are
    listed once.
    """
    paths = {0: ""}
    queue = [0]
    while queue:
        node_id = queue.pop(0)
        for child in object_graph.nodes[node_id].children:
            if child.node_id not in paths and child.node_id < len(object_graph.nodes):
                paths[child.node_id] = f"{paths[node_id]}/{child.local_name}".lstrip("/")
                queue.append(child.node_id)
    specs, seen = [], set()
    for node_id, node in enumerate(object_graph.nodes):
        if node.WhichOneof("kind") != "variable":
            continue
        variable = node.variable
        key = (variable.name, variable.dtype, variable.shape.SerializeToString())
        if variable.name and key in seen:
            continue
        seen.add(key)
        specs.append(analysis.tensor_spec(variable.name or paths.get(node_id, str(node_id)),
                                                variable.dtype, variable.shape, "SavedVariable",
                                                index=len(specs)))
    return specs


def _convert_command(path: str, summary) -> str:
    if summary.format == summary_pb2.TFLITE:
        return ""
    saved_model = summary.format in (summary_pb2.SAVED_MODEL_TF1, summary_pb2.SAVED_MODEL_TF2)
    if saved_model:  # the SavedModel directory itself, also when given its .pb or an export dir above it
        path = os.path.dirname(summary.detection.graph_path) or "."
    stem = os.path.splitext(os.path.basename(os.path.normpath(path)))[0] or "model"
    command = f"tflite-tools convert {shlex.quote(path)} --output_file={shlex.quote(stem + '.tflite')}"
    compat = summary.tflite_compatibility
    if compat.select_tf_ops:
        command += " --allow_select_tf_ops"
    if compat.custom_ops:
        command += " --allow_custom_ops"
    if saved_model:
        tags = list(summary.detection.tags)
        if tags and "serve" not in tags:
            command += f" --saved_model_tags={','.join(tags)}"
        keys = [s.key for s in summary.signatures]
        if keys and SERVING_SIGNATURE not in keys:
            command += f" --signature_key={shlex.quote(keys[0])}"
    if summary.format not in _GRAPH_FORMATS or not summary.outputs:
        return command
    if summary.inputs:
        command += " " + analysis.convert_flags(summary.inputs, with_shapes=False)
    elif summary.input_candidates:
        floats = [c for c in summary.input_candidates if c.tensor.dtype.startswith("float")]
        command += " " + (floats or summary.input_candidates)[0].convert_flag
    return command + " --output_arrays=" + ",".join(spec.name for spec in summary.outputs)

