"""Any TensorFlow artifact (or live model) to a .tflite, with a report.

    report = convert("train_dir", "model.tflite", verify=True)
    report = convert(keras_model, "model.tflite", quantize="dynamic")
    report = convert(sess, "model.tflite", input_arrays=[x], output_arrays=[y])

What happens per artifact kind (tflite_tools.converter_api picks the entry point):
  * frozen GraphDef: inputs (Placeholders) and outputs found by `inspect`,
    then the V1 frozen-graph converter;
  * graph + checkpoint, MetaGraph, GraphDef with variables: frozen on the way
    (tflite_tools.freeze, checkpoint found beside the graph), then as above;
  * `input_arrays` naming a tensor that is not a Placeholder: the graph is
    cut there (tflite_tools.graph_cut) and the input pipeline pruned;
  * TF1 SavedModel: the V1 SavedModel converter on its signature (or frozen
    and cut like a graph when names or shapes are given);
  * TF2 SavedModel and Keras: the V2 converters; `input_shapes` goes through
    a concrete function with fixed input specs (SavedModel) or the model
    called on fixed-shape Inputs (Keras);
  * a .tflite: copied as is (no options may be given).

The output is written atomically (nothing is left on failure), the inputs
are only read, and the same input and options give the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
import time
from typing import Optional, Sequence

from tflite_tools.convert import converter_api
from tflite_tools.core import fileio
from tflite_tools.core.names import node_name, split_names, split_tensor
from tflite_tools.core.shapes import parse_input_shapes
from tflite_tools.errors import (
    ConversionError,
    InputError,
    UsageError,
    VerificationMismatch,
    unknown_name_error,
)
from tflite_tools.graph import surgery
from tflite_tools.proto import common_pb2, conversion_pb2, summary_pb2

DEFAULT_TAGS = ("serve",)
DEFAULT_SIGNATURE = "serving_default"
_PLACEHOLDERS = ("Placeholder", "PlaceholderV2")


def convert(source, output_file: Optional[str] = None, *, input_arrays=None, output_arrays=None,
            input_shapes=None, quantize: str = "none", representative_data: Optional[str] = None,
            inference_input_type: str = "", inference_output_type: str = "",
            allow_select_tf_ops: bool = False, allow_custom_ops: bool = False,
            unsafe_deserialization: bool = False, saved_model_tags=None, signature_key: str = "",
            checkpoint: Optional[str] = None, verify: bool = False, report_file: Optional[str] = None
            ) -> conversion_pb2.ConversionReport:
    """Convert `source` to TFLite and write it to `output_file` (if given).

    Args:
      source: a path `inspect` recognises, or a live tf.compat.v1.Session,
        keras.Model, tf.Module (with a tf.function taking an input_signature)
        or concrete function.
      output_file: where to write the .tflite; None converts without writing.
      input_arrays, output_arrays: names (or, for a Session, tensors); any
        graph tensor may be an input: the graph is cut there.
      input_shapes: "1,224,224,3:1,10" or a list of shapes, one per input.
      quantize: none, dynamic, float16, int8 or int16x8 (int8/int16x8 need
        `representative_data`, an .npz with one array per input name).
      inference_input_type, inference_output_type: int8/uint8/int16 I/O.
      allow_select_tf_ops, allow_custom_ops: let non-builtin ops through.
      unsafe_deserialization: load Keras files whose loading runs code
        (Lambda layers, custom objects).
      saved_model_tags, signature_key: which SavedModel MetaGraph/signature.
      checkpoint: the checkpoint of a graph file, when it is not beside it.
      verify: run TF and TFLite on the same inputs (tflite_tools.verify).
      report_file: also write the report as JSON there.

    Returns:
      The ConversionReport.

    Raises:
      UsageError / InputError (exit 2): bad names, shapes, flags or files.
      ConversionError (exit 3): ops the converter cannot take as asked.
      VerificationMismatch (exit 4): with --verify, outputs differ.
    """
    started = time.perf_counter()
    # Comma strings are accepted like the CLI's flags.
    input_arrays = split_names(input_arrays) if isinstance(input_arrays, str) else list(input_arrays or [])
    output_arrays = split_names(output_arrays) if isinstance(output_arrays, str) else list(output_arrays or [])
    options = conversion_pb2.ConversionOptions(
        input_arrays=[_display_name(a) for a in input_arrays],
        output_arrays=[_display_name(a) for a in output_arrays],
        input_shapes=input_shapes if isinstance(input_shapes, str) else
        ":".join(",".join(str(d) for d in s) for s in input_shapes or []),
        quantize=quantize or "none", representative_data=representative_data or "",
        inference_input_type=inference_input_type or "", inference_output_type=inference_output_type or "",
        allow_select_tf_ops=allow_select_tf_ops, allow_custom_ops=allow_custom_ops,
        unsafe_deserialization=unsafe_deserialization,
        saved_model_tags=split_names(saved_model_tags) or list(DEFAULT_TAGS),
        signature_key=signature_key or "", engine="python")
    if quantize not in converter_api.QUANTIZE_MODES:
        raise UsageError(f"--quantize {quantize} is not a mode; use one of "
                         f"{', '.join(converter_api.QUANTIZE_MODES)}.")
    report = conversion_pb2.ConversionReport(options=options)
    job = _Job(report, input_arrays, output_arrays, parse_input_shapes(input_shapes))
    job.checkpoint = checkpoint
    if verify and not isinstance(source, (str, os.PathLike)):
        raise UsageError("verify needs a model path (a live object cannot be re-run from disk); save "
                         "the model and convert the saved copy, or call tflite_tools.verify.verify.")
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        flatbuffer = _convert_path(job, path)
    else:
        flatbuffer = _convert_live(job, source)
    report.output_size_bytes = len(flatbuffer)
    report.output_sha256 = hashlib.sha256(flatbuffer).hexdigest()
    report.ops.extend(read_ops(flatbuffer))
    inputs, outputs = read_io(flatbuffer)
    report.inputs.extend(inputs)
    report.outputs.extend(outputs)
    if verify:
        _verify(job, report, output_file, flatbuffer)
    report.timings.total_ms = (time.perf_counter() - started) * 1000
    if report.HasField("verification") and report.verification.status == _mismatch_status():
        # A failed check is a failed conversion: nothing is written.
        raise VerificationMismatch(report.verification.message, result=report)
    if output_file:
        fileio.write_atomic(output_file, flatbuffer)
        report.output_path = output_file
    if report_file:
        from tflite_tools import render

        fileio.write_atomic(report_file, render.render(report, "json"))
    return report


class _Job:
    """One conversion's state: the report being filled and the resolved names."""

    def __init__(self, report, input_arrays, output_arrays, input_shapes):
        self.report = report
        self.input_arrays = input_arrays
        self.output_arrays = output_arrays
        self.input_shapes = input_shapes
        self.options = report.options
        self.tf_inputs: list[str] = []      # what verify feeds in TensorFlow
        self.tf_outputs: list[str] = []
        self.rep_names: list[str] = []      # representative data keys, in converter order
        self.rep_shapes: list[list[int]] = []
        self.rep_dtypes: list[str] = []
        self.rep_as_dict = False
        self.checkpoint: Optional[str] = None


# --- paths -------------------------------------------------------------------------

def _convert_path(job: _Job, path: str) -> bytes:
    from tflite_tools.formats.detect import detect

    load_started = time.perf_counter()
    detection = detect(path)
    fmt = summary_pb2.ModelFormat.Name(detection.format)
    job.report.source.CopyFrom(common_pb2.Source(path=path, format=fmt, **_digest(path)))
    job.report.tensorflow_version = converter_api.tf_version()
    job.report.timings.load_ms = (time.perf_counter() - load_started) * 1000
    if fmt == "TFLITE":
        return _copy_tflite(job, path)
    if fmt in ("KERAS_H5", "KERAS_V3"):
        return _run(job, _keras_file_plan(job, path))
    if fmt.startswith("SAVED_MODEL"):
        # The user may name saved_model.pb or a directory of numbered exports.
        path = os.path.dirname(detection.graph_path)
    if fmt == "SAVED_MODEL_TF2":
        return _run(job, _saved_model_v2_plan(job, path))
    if fmt == "SAVED_MODEL_TF1" and not job.input_arrays and not job.output_arrays and not job.input_shapes:
        return _run(job, _saved_model_v1_plan(job, path))
    return _run(job, _graph_plan(job, path, detection, fmt))


def _digest(path: str) -> dict:
    """sha256 and size of a file, or of a directory's files (relative path + content, sorted)."""
    sha, size = hashlib.sha256(), 0
    if os.path.isdir(path):
        files = sorted(os.path.relpath(os.path.join(root, name), path)
                       for root, _, names in os.walk(path) for name in names)
    else:
        files = [""]
    for rel in files:
        full = os.path.join(path, rel) if rel else path
        if rel:
            sha.update(rel.encode() + b"\0")
        if not os.path.isfile(full):
            continue  # a checkpoint prefix is not itself a file
        with open(full, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                sha.update(chunk)
                size += len(chunk)
    return {"sha256": sha.hexdigest(), "size_bytes": size}


def _copy_tflite(job: _Job, path: str) -> bytes:
    o = job.options
    if (job.input_arrays or job.output_arrays or job.input_shapes or o.quantize != "none"
            or o.inference_input_type or o.inference_output_type):
        raise UsageError(f"'{path}' is already a .tflite; conversion options cannot apply to it "
                         "(convert its TensorFlow source instead).")
    job.report.converter_entry_point = "copy (input is already TFLite)"
    job.report.steps.append("input is a .tflite flatbuffer: copied unchanged")
    with open(path, "rb") as f:
        return f.read()


def _graph_plan(job: _Job, path: str, detection, fmt: str):
    """Frozen GraphDef on disk (frozen/cut on the way if needed) -> from_frozen_graph."""
    # `from tflite_tools import freeze` may give the lazily exported function, not the module.
    from tflite_tools.formats import loaders
    from tflite_tools.freeze.freeze_graph import (
        ModelSources,
        freeze_to_graph_def,
        model_sources,
    )

    outputs = [node_name(_display_name(o)) for o in job.output_arrays]
    freeze_started = time.perf_counter()
    # The user's file goes to the converter as is when nothing below changes it.
    as_is = None
    if fmt == "FROZEN_GRAPH" and not job.checkpoint:
        frozen = loaders.load(path, detection).graph_def
        as_is = (detection.graph_path or path) if detection.encoding == "binary" else None
        if not outputs:
            outputs = _graph_outputs(frozen, path)
        _check_names(frozen, outputs, "output", "--output_arrays")
        job.report.steps.append("graph is frozen already")
    else:
        if not outputs:
            outputs = _detected_outputs(path)
        sources = model_sources(path, job.checkpoint) if fmt != "SAVED_MODEL_TF1" else \
            ModelSources(saved_model_dir=path)
        if not sources.saved_model_dir and not sources.checkpoint:
            raise InputError(f"'{path}' holds variables but no checkpoint was found beside it; pass the "
                             f"checkpoint as a second path: tflite-tools convert {path} "
                             "train_dir/model.ckpt-1000 -o model.tflite.")
        result = freeze_to_graph_def(
            sources.graph or None, sources.checkpoint or None, outputs, input_meta_graph=sources.meta_graph or None,
            input_saved_model_dir=sources.saved_model_dir or None,
            saved_model_tags=list(job.options.saved_model_tags))
        from tflite_tools.proto import tf_graph_pb2

        frozen = tf_graph_pb2.GraphDef.FromString(result.graph_def.SerializeToString())
        job.report.steps.append(
            f"froze {result.result.frozen_variables} variables from "
            f"{result.result.input_checkpoint or result.result.input_saved_model_dir}")
    job.report.timings.freeze_ms = (time.perf_counter() - freeze_started) * 1000
    inputs = [_display_name(i) for i in job.input_arrays]
    _check_names(frozen, inputs, "input", "--input_arrays")
    node_count = len(frozen.node)
    frozen = surgery.prune(frozen, outputs)
    if len(frozen.node) != node_count:
        as_is = None
    kept = {n.name for n in frozen.node}
    unused = [i for i in inputs if node_name(i) not in kept]
    if unused:
        raise UsageError(f"input {', '.join(unused)} does not feed the outputs {', '.join(outputs)}; "
                         "drop it from --input_arrays or name the outputs it feeds with --output_arrays.")
    if not inputs:
        inputs = [n.name for n in frozen.node if n.op in _PLACEHOLDERS]
        if not inputs:
            raise _no_inputs_error(path, frozen)
    shapes = _input_shapes(job, inputs)
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
    job.rep_dtypes = [_dtype_name(_node(frozen, n).attr["dtype"].type) for n in names]
    if as_is:
        return converter_api.from_frozen_graph(as_is, names, outputs, final_shapes)
    with tempfile.TemporaryDirectory(prefix="tflite-tools-") as tmp:
        frozen_path = os.path.join(tmp, "frozen.pb")
        with open(frozen_path, "wb") as f:
            f.write(frozen.SerializeToString(deterministic=True))
        return converter_api.from_frozen_graph(frozen_path, names, outputs, final_shapes)


def _graph_outputs(graph_def, path: str) -> list[str]:
    """The outputs `inspect` reports, from a GraphDef already in hand (no second parse)."""
    from tflite_tools.graph import analysis

    outputs = [node_name(t.name) for t in analysis.outputs(analysis.index(graph_def))[0]]
    if not outputs:
        raise UsageError(f"no outputs were found in '{path}'; name them with --output_arrays.")
    return outputs


def _detected_outputs(path: str) -> list[str]:
    from tflite_tools.inspect.model_summary import inspect

    summary = inspect(path)
    outputs = [node_name(t.tensor_name or t.name) for t in summary.outputs]
    if not outputs:
        raise UsageError(f"no outputs were found in '{path}'; name them with --output_arrays.")
    return outputs


class NoInputError(UsageError):
    """A graph with no input Placeholder; `candidates` are tensors it could be fed at."""

    def __init__(self, message: str, candidates: Sequence[str]):
        super().__init__(message)
        self.candidates = list(candidates)


def _no_inputs_error(path: str, pruned) -> NoInputError:
    """Suggest inspect's input candidates that the outputs actually consume."""
    from tflite_tools.inspect.model_summary import inspect

    used = {split_tensor(i) for n in pruned.node for i in n.input if not i.startswith("^")}
    candidates = [c.tensor.name for c in inspect(path).input_candidates
                  if split_tensor(c.tensor.name) in used]
    hint = (f"feed it at a tensor instead: --input_arrays={','.join(candidates)}" if candidates
            else "name the tensor to feed with --input_arrays")
    return NoInputError(f"'{path}' has no input Placeholder (an input pipeline feeds it); {hint}.",
                        candidates)


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


def _input_shapes(job: _Job, inputs: Sequence[str]) -> list:
    if job.input_shapes and len(job.input_shapes) != len(inputs):
        raise UsageError(f"--input_shapes has {len(job.input_shapes)} shapes for {len(inputs)} inputs "
                         f"({', '.join(inputs)}); give one shape per input, separated by ':'.")
    return job.input_shapes or [None] * len(inputs)


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
    tf = converter_api.tensorflow()
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


def _dtype_name(enum: int) -> str:
    from tflite_tools.core import dtypes

    return dtypes.python_name(enum)


def _saved_model_signature(job: _Job, path: str):
    """The chosen SignatureDef of a SavedModel (read without TensorFlow)."""
    from tflite_tools.formats import loaders
    from tflite_tools.freeze.freeze_graph import meta_graph_for_tags

    meta = meta_graph_for_tags(loaders.load(path).saved_model, job.options.saved_model_tags)
    signatures = meta.signature_def
    key = job.options.signature_key or (DEFAULT_SIGNATURE if DEFAULT_SIGNATURE in signatures or
                                         len(signatures) != 1 else next(iter(signatures)))
    if key not in signatures:
        raise unknown_name_error("signature", key, [k for k in signatures if not k.startswith("__")],
                                 "--signature_key")
    job.options.signature_key = key
    return signatures[key]


def _signature_inputs(job: _Job, signature) -> None:
    """Representative-data names, shapes and dtypes from a SignatureDef (sorted by key, as TFLite does)."""
    job.rep_names = sorted(signature.inputs)
    infos = [signature.inputs[k] for k in job.rep_names]
    job.rep_shapes = [[d.size for d in i.tensor_shape.dim] for i in infos]
    job.rep_dtypes = [_dtype_name(i.dtype) for i in infos]


def _saved_model_v1_plan(job: _Job, path: str):
    _signature_inputs(job, _saved_model_signature(job, path))
    return converter_api.from_saved_model_v1(path, list(job.options.saved_model_tags),
                                             job.options.signature_key)


def _saved_model_v2_plan(job: _Job, path: str):
    if job.input_arrays or job.output_arrays:
        raise UsageError("a TF2 SavedModel's inputs and outputs come from its signature; choose it "
                         "with --signature_key instead of --input_arrays/--output_arrays.")
    _signature_inputs(job, _saved_model_signature(job, path))
    job.rep_as_dict = True
    if not job.input_shapes:
        return converter_api.from_saved_model(path, list(job.options.saved_model_tags),
                                              job.options.signature_key)
    tf = converter_api.tensorflow()
    loaded = tf.saved_model.load(path, tags=list(job.options.saved_model_tags))
    function = loaded.signatures[job.options.signature_key]
    specs = function.structured_input_signature[1]
    names = sorted(specs)
    shapes = _input_shapes(job, names)
    fixed = {n: tf.TensorSpec(s, specs[n].dtype, name=n) for n, s in zip(names, shapes)}
    concrete = tf.function(lambda **kw: function(**kw)).get_concrete_function(**fixed)
    job.report.steps.append("fixed input shapes through a concrete function")
    plan = converter_api.from_concrete_functions([concrete], loaded)
    return plan


# --- Keras -------------------------------------------------------------------------

def _keras_file_plan(job: _Job, path: str):
    from tflite_tools.formats import loaders

    if job.input_arrays or job.output_arrays:
        raise UsageError("a Keras model's inputs and outputs are its own; --input_arrays/--output_arrays "
                         "do not apply (convert a frozen graph to choose tensors).")
    config = loaders.load(path).keras_config or {}
    unsafe = converter_api.unsafe_keras_layers(config)
    if unsafe and not job.options.unsafe_deserialization:
        raise UsageError(f"'{path}' has {', '.join(unsafe)}: loading it runs code stored in or imported "
                         "by the file; pass --unsafe_deserialization only if you trust it.")
    model = converter_api.load_keras(path, job.options.unsafe_deserialization)
    package = type(model).__module__.split(".")[0]
    job.report.steps.append(f"loaded with {package} {importlib.import_module(package).__version__} "
                            "(compile=False)")
    return _keras_plan(job, model)


def _keras_plan(job: _Job, model):
    inputs = list(model.inputs)
    job.rep_names = [t.name for t in inputs]
    job.rep_shapes = [[-1 if d is None else d for d in t.shape] for t in inputs]
    job.rep_dtypes = [str(getattr(t.dtype, "name", t.dtype)) for t in inputs]
    if not job.input_shapes:
        return converter_api.from_keras_model(model)
    shapes = _input_shapes(job, job.rep_names)
    job.rep_shapes = shapes
    job.report.steps.append("fixed input shapes by calling the model on new fixed-shape Keras inputs")
    return converter_api.from_keras_model(converter_api.with_fixed_shapes(model, shapes, job.rep_dtypes))


# --- live objects ------------------------------------------------------------------

def _convert_live(job: _Job, source) -> bytes:
    tf = converter_api.tensorflow()
    job.report.tensorflow_version = tf.__version__
    kind = type(source).__module__ + "." + type(source).__qualname__
    job.report.source.CopyFrom(common_pb2.Source(path=f"<{kind}>", format=_live_format(tf, source)))
    if isinstance(source, tf.compat.v1.Session):
        return _run(job, _session_plan(job, source))
    if _is_keras_model(source):
        return _run(job, _keras_plan(job, source))
    if hasattr(source, "structured_input_signature") and hasattr(source, "graph"):
        return _run(job, converter_api.from_concrete_functions([source]))
    if isinstance(source, tf.Module):
        return _run(job, converter_api.from_concrete_functions([_module_function(source)], source))
    raise UsageError(f"cannot convert a {kind}; pass a path, a tf.compat.v1.Session, a keras.Model, "
                     "a tf.Module or a concrete function.")


def _live_format(tf, source) -> str:
    if isinstance(source, tf.compat.v1.Session):
        return "SESSION"
    if _is_keras_model(source):
        return "KERAS_MODEL"
    if hasattr(source, "structured_input_signature"):
        return "CONCRETE_FUNCTION"
    return "TF_MODULE"


def _is_keras_model(source) -> bool:
    return any(c.__name__ == "Model" and c.__module__.split(".")[0] in ("keras", "tf_keras")
               for c in type(source).__mro__)


def _session_plan(job: _Job, sess):
    if not job.input_arrays or not job.output_arrays:
        raise UsageError("converting a Session needs its input and output tensors (or names): pass "
                         "input_arrays=[...] and output_arrays=[...].")
    graph = sess.graph

    def tensors(items, kind, flag):
        found = []
        for item in items:
            if not isinstance(item, str):
                found.append(item)
                continue
            try:
                found.append(graph.get_tensor_by_name(item if ":" in item else item + ":0"))
            except (KeyError, ValueError):
                raise unknown_name_error(kind, item, [op.name for op in graph.get_operations()],
                                         flag) from None
        return found

    inputs = tensors(job.input_arrays, "input", "input_arrays")
    outputs = tensors(job.output_arrays, "output", "output_arrays")
    for tensor, shape in zip(inputs, job.input_shapes or []):
        tensor.set_shape(shape)
    job.rep_names = [t.op.name for t in inputs]
    job.rep_shapes = [[-1 if d is None else d for d in t.shape.as_list()] for t in inputs]
    job.rep_dtypes = [t.dtype.name for t in inputs]
    return converter_api.from_session(sess, inputs, outputs)


def _module_function(module):
    """The concrete function of a tf.Module's tf.function that has an input signature."""
    for attribute in ("__call__", "serve", "serving_default", "call"):
        function = getattr(module, attribute, None)
        if getattr(function, "input_signature", None):
            return function.get_concrete_function()
    raise UsageError("the tf.Module has no tf.function with an input_signature (looked at __call__, "
                     "serve, call); decorate one with @tf.function(input_signature=[...]).")


# --- running, reading the result ----------------------------------------------------

def _run(job: _Job, plan) -> bytes:
    dataset = _representative_dataset(job) if job.options.representative_data else None
    converter_api.apply_options(
        plan.converter, quantize=job.options.quantize, representative_dataset=dataset,
        inference_input_type=job.options.inference_input_type,
        inference_output_type=job.options.inference_output_type,
        allow_select_tf_ops=job.options.allow_select_tf_ops, allow_custom_ops=job.options.allow_custom_ops)
    job.report.converter_entry_point = plan.entry_point
    started = time.perf_counter()
    flatbuffer = converter_api.run(plan)
    job.report.timings.convert_ms = (time.perf_counter() - started) * 1000
    return flatbuffer


def _representative_dataset(job: _Job):
    """A generator over the .npz samples, in the converter's input order."""
    import numpy as np

    path = job.options.representative_data
    try:
        data = np.load(path)
        arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read --representative_data '{path}': {exc}; pass an .npz written "
                         "by numpy.savez with one array per input name.") from exc
    ordered = []
    for i, name in enumerate(job.rep_names):
        key = _npz_key(name, arrays, len(job.rep_names))
        if key is None:
            raise unknown_name_error("representative data for input", name, list(arrays),
                                     "--representative_data")
        array = arrays[key]
        rank = len(job.rep_shapes[i]) if i < len(job.rep_shapes) else array.ndim - 1
        if array.ndim == rank:
            samples = [array[j:j + 1] for j in range(array.shape[0])]
        elif array.ndim == rank + 1:
            samples = list(array)
        else:
            raise UsageError(f"--representative_data array '{key}' has shape {array.shape}; give "
                             f"[samples, ...] matching the input of rank {rank}.")
        dtype = job.rep_dtypes[i] if i < len(job.rep_dtypes) else "float32"
        ordered.append([np.asarray(s, dtype=dtype) for s in samples])
    count = min(len(s) for s in ordered) if ordered else 0

    def generate():
        for j in range(count):
            if job.rep_as_dict:
                yield {name: ordered[i][j] for i, name in enumerate(job.rep_names)}
            else:
                yield [ordered[i][j] for i in range(len(ordered))]

    return generate


def _npz_key(name, arrays, n_inputs):
    for key in arrays:
        if key == name or node_name(key) == node_name(name):
            return key
    if n_inputs == 1 and len(arrays) == 1:
        return next(iter(arrays))
    return None


def _display_name(item) -> str:
    return item if isinstance(item, str) else getattr(item, "name", str(item))


def read_ops(flatbuffer: bytes) -> list:
    """OpUsage per op in the flatbuffer (builtin / select_tf / custom), most used first."""
    import tflite

    model = tflite.Model.GetRootAs(flatbuffer, 0)
    builtin_names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    codes = []
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == tflite.BuiltinOperator.CUSTOM:
            name = (code.CustomCode() or b"").decode("utf-8", "replace")
            codes.append((name[4:], "select_tf") if name.startswith("Flex") else (name, "custom"))
        else:
            codes.append((builtin_names.get(builtin, str(builtin)), "builtin"))
    counts: dict = {}
    for s in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(s)
        for o in range(subgraph.OperatorsLength()):
            key = codes[subgraph.Operators(o).OpcodeIndex()]
            counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [conversion_pb2.OpUsage(op=op, kind=kind, count=n) for (op, kind), n in ordered]


def read_io(flatbuffer: bytes):
    """(inputs, outputs) of the main subgraph as TensorSpecs (shape_signature, -1 dynamic)."""
    import tflite

    model = tflite.Model.GetRootAs(flatbuffer, 0)
    subgraph = model.Subgraphs(0)
    type_names = {v: k.lower() for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}

    def spec(index):
        tensor = subgraph.Tensors(index)
        shape = tensor.ShapeSignatureAsNumpy() if tensor.ShapeSignatureLength() else tensor.ShapeAsNumpy()
        dims = [] if isinstance(shape, int) else [int(d) for d in shape]
        return common_pb2.TensorSpec(name=tensor.Name().decode(), dtype=type_names.get(tensor.Type(), ""),
                                     shape=dims, index=int(index))

    inputs = [spec(subgraph.Inputs(i)) for i in range(subgraph.InputsLength())]
    outputs = [spec(subgraph.Outputs(i)) for i in range(subgraph.OutputsLength())]
    return inputs, outputs


def _verify(job: _Job, report, output_file, flatbuffer) -> None:
    from tflite_tools.verify.verification import verify_conversion

    if report.source.format == "TFLITE":
        report.warnings.append("--verify skipped: the input is the .tflite itself, there is no "
                               "TensorFlow model to compare with")
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tflite-tools-") as tmp:
        # Checked before it is written, under the name it will have.
        path = os.path.join(tmp, os.path.basename(output_file or "model.tflite"))
        with open(path, "wb") as f:
            f.write(flatbuffer)
        kwargs = {}
        if job.tf_inputs:
            kwargs.update(input_arrays=job.tf_inputs, output_arrays=job.tf_outputs,
                          input_shapes=job.rep_shapes)
        if report.options.signature_key:
            kwargs.update(signature_key=report.options.signature_key,
                          saved_model_tags=list(report.options.saved_model_tags))
        report.verification.CopyFrom(verify_conversion(report.source.path, path, **kwargs))
    report.verification.tflite_path = output_file or ""
    report.timings.verify_ms = (time.perf_counter() - started) * 1000


def _mismatch_status():
    from tflite_tools.proto import verification_pb2

    return verification_pb2.VerificationStatus.Value("MISMATCH")


def check_compatibility(path: str, **options) -> summary_pb2.TfliteCompatibility:
    """Trial conversions of `path` (nothing written): builtins only, then with
    select TF ops, listing the ops that need select TF ops or custom ops.

    `options` go to `convert` (input_arrays, input_shapes, ...). A graph
    with no input Placeholder is tried cut at the tensors `inspect` suggests.
    """
    compatibility = summary_pb2.TfliteCompatibility(checked=True)
    try:
        try:
            convert(path, **options)
        except NoInputError as err:
            if not err.candidates:
                raise
            options = dict(options, input_arrays=err.candidates)
            convert(path, **options)
        compatibility.convertible_with_builtins = True
        return compatibility
    except ConversionError as err:
        first = err
    except (UsageError, InputError) as err:
        compatibility.message = str(err)
        return compatibility
    try:
        convert(path, **dict(options, allow_select_tf_ops=True))
        compatibility.select_tf_ops.extend(first.ops)
    except ConversionError as err:
        custom = [op for op in err.ops if op not in first.ops] or err.ops
        compatibility.select_tf_ops.extend(op for op in first.ops if op not in custom)
        compatibility.custom_ops.extend(custom)
        if not err.ops:
            compatibility.message = str(err)
    return compatibility


def format_text(report: conversion_pb2.ConversionReport) -> str:
    """The report as a short block for the terminal."""
    lines = [f"Converted {report.source.path} ({report.source.format})"]
    if report.output_path:
        lines[0] += f" -> {report.output_path}"
    lines.append(f"  converter: {report.converter_entry_point} (TensorFlow {report.tensorflow_version})")
    for step in report.steps:
        lines.append(f"  step:      {step}")
    for kind, tensors in (("input", report.inputs), ("output", report.outputs)):
        for t in tensors:
            shape = ",".join(str(d) for d in t.shape)
            lines.append(f"  {(kind + ':').ljust(11)}{t.name} {t.dtype}[{shape}]")
    if report.options.quantize and report.options.quantize != "none":
        lines.append(f"  quantize:  {report.options.quantize}")
    ops = ", ".join(f"{o.op}{'' if o.kind == 'builtin' else ' (' + o.kind + ')'} x{o.count}"
                    for o in report.ops)
    lines.append(f"  ops:       {ops}")
    lines.append(f"  size:      {report.output_size_bytes} bytes, sha256 {report.output_sha256[:16]}")
    for warning in report.warnings:
        lines.append(f"  warning:   {warning}")
    if report.HasField("verification"):
        from tflite_tools.proto import verification_pb2

        status = verification_pb2.VerificationStatus.Name(report.verification.status)
        lines.append(f"  verify:    {status}{': ' + report.verification.message if report.verification.message else ''}")
    lines.append(f"  time:      {report.timings.total_ms:.0f} ms")
    return "\n".join(lines) + "\n"
