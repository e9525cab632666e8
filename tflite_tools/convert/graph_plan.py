"""The plan for graphs: a frozen GraphDef goes to the V1 frozen-graph converter.

    plan = graph_plan.plan(job, model, path)   # -> converter_api.Plan

On the way, as the artifact needs:
  * graph + checkpoint, MetaGraph, GraphDef with variables, TF1 SavedModel
    cut by name: frozen first (tflite_tools.freeze, from the graph already
    parsed), outputs defaulting to those `inspect` reports;
  * pruned to what the outputs need;
  * `input_arrays` naming a tensor that is not a Placeholder: cut there
    (graph.surgery), the input pipeline that fed it pruned;
  * unknown batch dimensions set to 1 (a warning says so).
The user's own file goes to the converter untouched when nothing changed it.
"""

from __future__ import annotations

import time
from typing import Sequence

from tflite_tools.convert import converter_api
from tflite_tools.convert.job import Job, display_name
from tflite_tools.core import dtypes
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.core.names import node_name, split_tensor
from tflite_tools.errors import InputError, UsageError, unknown_name_error
from tflite_tools.formats.saved_model import serving_meta_graph
from tflite_tools.freeze.freeze_graph import freeze_to_graph_def
from tflite_tools.freeze.sources import ModelSources, default_outputs, model_sources
from tflite_tools.graph import analysis, surgery
from tflite_tools.model import LoadedModel
from tflite_tools.proto import summary_pb2, tf_graph_pb2

_PLACEHOLDERS = ("Placeholder", "PlaceholderV2")


class NoInputError(UsageError):
    """A graph with no input Placeholder; `candidates` are tensors it could be fed at."""

    def __init__(self, message: str, candidates: Sequence[str]):
        super().__init__(message)
        self.candidates = list(candidates)


def plan(job: Job, model: LoadedModel, path: str) -> converter_api.Plan:
    """Freeze, prune and cut the graph of `model` (at `path`) as `job` asks, and
    fill `job`'s input names, shapes and dtypes."""
    outputs = [node_name(display_name(o)) for o in job.output_arrays]
    freeze_started = time.perf_counter()
    # The user's file goes to the converter as is when nothing below changes it.
    as_is = None
    if model.format == summary_pb2.FROZEN_GRAPH and not job.checkpoint:
        frozen = model.graph_def
        as_is = (model.detection.graph_path or path) if model.detection.encoding == "binary" else None
        outputs = outputs or _default_outputs(model, path)
        _check_names(frozen, outputs, "output", "--output_arrays")
        job.report.steps.append("graph is frozen already")
    else:
        outputs = outputs or _default_outputs(model, path)
        frozen = _freeze(job, model, path, outputs)
    job.report.timings.freeze_ms = (time.perf_counter() - freeze_started) * 1000
    inputs = [display_name(i) for i in job.input_arrays]
    _check_names(frozen, inputs, "input", "--input_arrays")
    if len(surgery.reachable(frozen, outputs)) < len(frozen.node):  # else no copy is needed
        frozen = surgery.prune(frozen, outputs)
        as_is = None
    kept = {n.name for n in frozen.node}
    unused = [i for i in inputs if node_name(i) not in kept]
    if unused:
        raise UsageError(f"input {', '.join(unused)} does not feed the outputs {', '.join(outputs)}; "
                         "drop it from --input_arrays or name the outputs it feeds with --output_arrays.")
    if not inputs:
        inputs = [n.name for n in frozen.node if n.op in _PLACEHOLDERS]
        if not inputs:
            raise _no_inputs_error(model, path, frozen)
    shapes = job.shapes_for(inputs)
    cuts = _cuts(frozen, inputs, shapes)
    names = [node_name(i) for i in inputs]
    if cuts:
        as_is = None
        frozen, names = surgery.cut_at(frozen, cuts, outputs)
        job.report.steps.append(
            "cut the graph at " + ", ".join(f"{c.tensor} (now Placeholder {n})" for c, n in zip(cuts, names))
            + "; pruned what fed them")
    unfed = [n.name for n in frozen.node if n.op in _PLACEHOLDERS and n.name not in names]
    if unfed:
        raise UsageError(f"the outputs also need the Placeholder {', '.join(unfed)}; add it to "
                         "--input_arrays.")
    final_shapes = {}
    for name, given, node in zip(names, shapes, [_node(frozen, n) for n in names]):
        final_shapes[name] = _final_shape(name, given, node, job)
    job.tf_inputs, job.tf_outputs = inputs, outputs
    job.rep_names, job.rep_shapes = names, [final_shapes[n] for n in names]
    job.rep_dtypes = [dtypes.python_name(_node(frozen, n).attr["dtype"].type) for n in names]
    if as_is:
        contents = model.contents if as_is == model.detection.graph_path else None
        return converter_api.from_frozen_graph(as_is, names, outputs, final_shapes, contents)
    return converter_api.from_frozen_graph_bytes(frozen.SerializeToString(deterministic=True), names, outputs,
                                                 final_shapes)


def _freeze(job: Job, model: LoadedModel, path: str, outputs: list[str]):
    """The graph of `model` with its checkpoint's (or SavedModel's) variables as constants."""
    if model.format == summary_pb2.SAVED_MODEL_TF1:
        sources = ModelSources(saved_model_dir=path)
    else:
        sources = model_sources(path, job.checkpoint, model.detection)
    if not sources.saved_model_dir and not sources.checkpoint:
        raise InputError(f"'{path}' holds variables but no checkpoint was found beside it; pass the "
                         f"checkpoint as a second path: tflite-tools convert {path} "
                         "train_dir/model.ckpt-1000 -o model.tflite.")
    result = freeze_to_graph_def(
        sources.graph or None, sources.checkpoint or None, outputs, input_meta_graph=sources.meta_graph or None,
        input_saved_model_dir=sources.saved_model_dir or None,
        saved_model_tags=list(job.options.saved_model_tags), model=model)
    job.report.steps.append(
        f"froze {result.result.frozen_variables} variables from "
        f"{result.result.input_checkpoint or result.result.input_saved_model_dir}")
    return tf_graph_pb2.GraphDef.FromString(result.graph_def.SerializeToString())


def _default_outputs(model: LoadedModel, path: str) -> list[str]:
    """The outputs `inspect` reports for `model` (as node names)."""
    meta = serving_meta_graph(model.saved_model) if model.saved_model is not None else None
    outputs = default_outputs(model.graph_def, meta) if model.graph_def is not None else []
    if not outputs:
        raise UsageError(f"no outputs were found in '{path}'; name them with --output_arrays.")
    return outputs


def _no_inputs_error(model: LoadedModel, path: str, pruned) -> NoInputError:
    """Suggest inspect's input candidates that the outputs actually consume."""
    used = {split_tensor(i) for n in pruned.node for i in n.input if not i.startswith("^")}
    candidates = [c.tensor.name for c in _input_candidates(model) if split_tensor(c.tensor.name) in used]
    hint = (f"feed it at a tensor instead: --input_arrays={','.join(candidates)}" if candidates
            else "name the tensor to feed with --input_arrays")
    return NoInputError(f"'{path}' has no input Placeholder (an input pipeline feeds it); {hint}.",
                        candidates)


def _input_candidates(model: LoadedModel) -> list:
    """inspect's input candidates: where a graph with no Placeholder can be fed."""
    if model.saved_model is not None or model.graph_def is None:
        return []
    graph = analysis.index(model.graph_def)
    return [] if analysis.inputs(graph) else analysis.input_candidates(graph)


def _check_names(graph_def, names, kind, flag):
    nodes = [n.name for n in graph_def.node]
    known = set(nodes)
    for name in names:
        if node_name(name) not in known:
            raise unknown_name_error(kind, name, nodes, flag)


def _node(graph_def, name):
    for node in graph_def.node:
        if node.name == name:
            return node
    raise KeyError(name)


def _cuts(graph_def, inputs, shapes) -> list:
    """surgery.Cut for every input that is not a Placeholder's output 0."""
    wanted = []
    for name, shape in zip(inputs, shapes):
        node, index = split_tensor(name)
        if _node(graph_def, node).op in _PLACEHOLDERS and index == 0:
            continue
        wanted.append((name, shape))
    if not wanted:
        return []
    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(tf.compat.v1.GraphDef.FromString(graph_def.SerializeToString()),
                                       name="")
    cuts = []
    for name, shape in wanted:
        tensor = graph.get_tensor_by_name(name if ":" in name else name + ":0")
        if shape is None:
            shape = None if tensor.shape.rank is None else [-1 if d is None else d for d in tensor.shape.as_list()]
        cuts.append(surgery.Cut(name, tensor.dtype.as_datatype_enum, shape))
    return cuts


def _final_shape(name, given, node, job) -> list[int]:
    if given is not None:
        return list(given)
    shape = node.attr["shape"].shape
    if shape.unknown_rank or "shape" not in node.attr:
        raise UsageError(f"input '{name}' has an unknown shape; give it with --input_shapes "
                         "(e.g. --input_shapes 1,224,224,3).")
    dims = [d.size for d in shape.dim]
    if any(d < 0 for d in dims[1:]):
        shown = ",".join("?" if d < 0 else str(d) for d in dims)
        raise UsageError(f"input '{name}' has unknown dimensions [{shown}] beyond the batch; fix them "
                         "with --input_shapes (e.g. --input_shapes "
                         f"{','.join('1' if d < 0 else str(d) for d in dims)}).")
    if dims and dims[0] < 0:
        dims[0] = 1
        job.report.warnings.append(f"batch dimension of '{name}' set to 1; pass --input_shapes to "
                                   "choose another")
    return dims
