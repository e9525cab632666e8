"""Any TensorFlow artifact (or live model) to a .tflite, with a report.

    report = convert("train_dir", "model.tflite", verify=True)
    report = convert(keras_model, "model.tflite", quantize="dynamic")
    report = convert(sess, "model.tflite", input_arrays=[x], output_arrays=[y])

The path is loaded once (tflite_tools.formats: detected and parsed), then
one plan per artifact kind builds the converter (converter_api picks the
entry point):
  * graphs, checkpoints, MetaGraphs, TF1 SavedModels cut by name: graph_plan;
  * SavedModels: saved_model_plan; Keras files and models: keras_plan;
  * Sessions, tf.Modules, concrete functions: live_plan;
  * a .tflite: copied as is (no options may be given).
The flatbuffer is read back (ops, I/O), verified against TensorFlow when
asked (tflite_tools.verify) and only then written, atomically: nothing is
left on failure, the inputs are only read, and the same input and options
give the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
import time
from typing import Optional

from tflite_tools.convert import converter_api, graph_plan, keras_plan, live_plan, representative_data, \
    saved_model_plan
from tflite_tools.convert import keep_float as keep_float_mod
from tflite_tools.convert.job import DEFAULT_TAGS, Job, display_name
from tflite_tools.core import fileio, helper_threads
from tflite_tools.core.names import split_names
from tflite_tools.core.shapes import parse_input_shapes
from tflite_tools.errors import UsageError, VerificationMismatch
from tflite_tools.formats.loaders import load
from tflite_tools.formats.tflite_flatbuffer import READ_ERRORS, read_io, read_ops, unreadable
from tflite_tools.model import LoadedModel
from tflite_tools.proto import common_pb2, conversion_pb2, summary_pb2, verification_pb2

# Sources this big are hashed beside the conversion; smaller ones after it,
# beside the read-back and the write (measured on a 250 KB graph: hashed
# beside detection and parsing, it slowed them by 0.25-0.35 ms, about what it
# saved; after the conversion it hides behind the write).
_EARLY_HASH_BYTES = 1 << 20
# Ops of a .tflite that reads its weights from resource variables.
_RESOURCE_VARIABLE_OPS = frozenset({"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"})


def convert(source, output_file: Optional[str] = None, *, input_arrays=None, output_arrays=None,
            input_shapes=None, quantize: str = "none", representative_data: Optional[str] = None,
            inference_input_type: str = "", inference_output_type: str = "",
            allow_select_tf_ops: bool = False, allow_custom_ops: bool = False,
            unsafe_deserialization: bool = False, saved_model_tags=None, signature_key: str = "",
            checkpoint: Optional[str] = None, verify: Optional[bool] = None,
            report_file: Optional[str] = None, keep_float=None,
            verify_layers: bool = False) -> conversion_pb2.ConversionReport:
    """Convert `source` to TFLite and write it to `output_file` (if given).

    Args:
      source: a path `inspect` recognises, or a live tf.compat.v1.Session,
        keras.Model, tf.Module (with a tf.function taking an input_signature)
        or concrete function.
      output_file: where to write the .tflite (an existing directory: into
        it as <model>.tflite); None converts without writing.
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
        None (default): whenever there is a TensorFlow model to compare
        with (a path that is not a .tflite); True: required (UsageError
        when there is none); False: never.
      report_file: also write the report as JSON there.
      keep_float: with quantize="int8" or "dynamic", ops or tensors kept in float
        (convert.keep_float).
      verify_layers: with verify, compare every layer too (verify.layers).

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
        input_arrays=[display_name(a) for a in input_arrays],
        output_arrays=[display_name(a) for a in output_arrays],
        input_shapes=input_shapes if isinstance(input_shapes, str) else
        ":".join(",".join(str(d) for d in s) for s in input_shapes or []),
        quantize=quantize or "none", representative_data=representative_data or "",
        inference_input_type=inference_input_type or "", inference_output_type=inference_output_type or "",
        allow_select_tf_ops=allow_select_tf_ops, allow_custom_ops=allow_custom_ops,
        unsafe_deserialization=unsafe_deserialization,
        saved_model_tags=split_names(saved_model_tags) or list(DEFAULT_TAGS),
        signature_key=signature_key or "", engine="python",
        keep_float=split_names(keep_float) if isinstance(keep_float, str) else list(keep_float or []),
        verify_layers=verify_layers)
    keep_float_mod.check(options.quantize, options.keep_float)
    if verify_layers and verify is False:
        raise UsageError("--layers compares the layers of a verification; drop --no_verify.")
    if quantize not in converter_api.QUANTIZE_MODES:
        raise UsageError(f"--quantize {quantize} is not a mode; use one of "
                         f"{', '.join(converter_api.QUANTIZE_MODES)}.")
    report = conversion_pb2.ConversionReport(options=options)
    job = Job(report, input_arrays, output_arrays, parse_input_shapes(input_shapes), checkpoint)
    if verify and not isinstance(source, (str, os.PathLike)):
        raise UsageError("verify needs a model path (a live object cannot be re-run from disk); save "
                         "the model and convert the saved copy, or call tflite_tools.verify.verify.")
    output_file, step = output_path(source, output_file)
    report.steps.extend([step] if step else [])
    # The digests run on a helper thread (file reads and hashlib release the
    # GIL): a big source's beside the conversion, the rest beside reading the
    # output back and writing it.
    digester = helper_threads.executor("digest")
    model = source_digest = None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if _size(path) >= _EARLY_HASH_BYTES:
            source_digest = digester.submit(_digest, path)
        flatbuffer, model = _convert_path(job, path)
        if source_digest is None:
            # A graph file's bytes are in memory already, loading read them.
            source_digest = (digester.submit(_digest_contents, model.contents)
                             if model.contents is not None and model.detection.graph_path == path
                             else digester.submit(_digest, path))
    else:
        flatbuffer = _run(job, live_plan.plan(job, source))
    output_digest = digester.submit(hashlib.sha256, flatbuffer)

    def take_digests():
        if source_digest is not None:
            report.source.MergeFrom(common_pb2.Source(**source_digest.result()))
        report.output_sha256 = output_digest.result().hexdigest()

    report.output_size_bytes = len(flatbuffer)
    inputs, outputs = read_io(flatbuffer)
    report.inputs.extend(inputs)
    report.outputs.extend(outputs)
    if verify or (verify is None and model is not None):
        _verify(job, model, output_file, flatbuffer, required=bool(verify))
    elif verify is None:
        report.warnings.append("not verified: a live model cannot be re-run from disk (save it and "
                               "convert the saved copy, or call tflite_tools.verify)")
    if report.HasField("verification") and report.verification.status == verification_pb2.MISMATCH:
        # A failed check is a failed conversion: nothing is written.
        take_digests()
        report.timings.total_ms = (time.perf_counter() - started) * 1000
        raise VerificationMismatch(report.verification.message, result=report)
    if output_file:
        fileio.write_atomic(output_file, flatbuffer)
        report.output_path = output_file
    take_digests()
    report.timings.total_ms = (time.perf_counter() - started) * 1000
    if report_file:
        from tflite_tools import render

        fileio.write_atomic(report_file, render.render(report, "json"))
    return report


def _convert_path(job: Job, path: str) -> tuple[bytes, LoadedModel]:
    """Load the artifact at `path` once and run the plan for its kind."""
    load_started = time.perf_counter()
    model = load(path)
    job.report.source.CopyFrom(common_pb2.Source(path=path, format=model.format_name))
    job.report.timings.load_ms = (time.perf_counter() - load_started) * 1000
    if model.format == summary_pb2.TFLITE:
        return _copy_tflite(job, model, path), model  # a byte copy: TensorFlow is not imported
    job.report.tensorflow_version = converter_api.tf_version()
    return _run(job, _plan(job, model, path)), model


def output_path(source, output_file: Optional[str]) -> tuple[Optional[str], str]:
    """(`output_file`, or <model>.tflite inside it when it is an existing
    directory (<model>: the source's file or directory name); the step that
    says so, "" when the path is kept).

    Raises UsageError when that is the source itself (inputs are only read).
    """
    if not output_file or not os.path.isdir(output_file):
        resolved = output_file
    else:
        stem = "model"
        if isinstance(source, (str, os.PathLike)):
            path = os.path.normpath(os.path.abspath(os.fspath(source)))
            name = os.path.basename(path)
            if name in ("saved_model.pb", "saved_model.pbtxt"):
                name = os.path.basename(os.path.dirname(path))
            elif os.path.isfile(path):
                name = os.path.splitext(name)[0]
            elif not os.path.isdir(path):
                name = name.partition(".ckpt")[0]  # a checkpoint prefix
            stem = name
        resolved = os.path.join(output_file, (stem or "model") + ".tflite")
    if (resolved and isinstance(source, (str, os.PathLike)) and os.path.isfile(resolved)
            and os.path.exists(source) and os.path.samefile(source, resolved)):
        raise UsageError(f"the output {resolved} is the input model itself; write the .tflite elsewhere.")
    return resolved, "" if resolved == output_file else f"{output_file} is a directory: writing {resolved}"


def _size(path: str) -> int:
    """Bytes in the file, or in the directory's files."""
    if not os.path.isdir(path):
        return os.path.getsize(path) if os.path.isfile(path) else 0
    return sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(path) for name in names)


def _plan(job: Job, model: LoadedModel, path: str) -> converter_api.Plan:
    """The plan for the kind of `model` (loaded from `path`)."""
    if model.format in (summary_pb2.KERAS_H5, summary_pb2.KERAS_V3):
        return keras_plan.file_plan(job, model, path)
    if model.format_name.startswith("SAVED_MODEL"):
        # The user may name saved_model.pb or a directory of numbered exports.
        path = os.path.dirname(model.detection.graph_path)
    if model.format == summary_pb2.SAVED_MODEL_TF2:
        return saved_model_plan.plan_v2(job, model, path)
    if model.format == summary_pb2.SAVED_MODEL_TF1 and not (job.input_arrays or job.output_arrays
                                                             or job.input_shapes):
        return saved_model_plan.plan_v1(job, model, path)
    return graph_plan.plan(job, model, path)


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
            # Mapped, not read (hashlib drops the GIL for the whole of it, so
            # a hash on the background thread runs through the conversion).
            data = fileio.contents(f)
        sha.update(data)
        size += len(data)
    return {"sha256": sha.hexdigest(), "size_bytes": size}


def _digest_contents(data: bytes | memoryview) -> dict:
    """`_digest` of a file whose bytes are `data`."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data)}


def _copy_tflite(job: Job, model: LoadedModel, path: str) -> bytes:
    o = job.options
    if (job.input_arrays or job.output_arrays or job.input_shapes or o.quantize != "none"
            or o.inference_input_type or o.inference_output_type):
        raise UsageError(f"'{path}' is already a .tflite; conversion options cannot apply to it "
                         "(convert its TensorFlow source instead).")
    job.report.converter_entry_point = "copy (input is already TFLite)"
    job.report.steps.append("input is a .tflite flatbuffer: copied unchanged")
    try:
        job.report.ops.extend(read_ops(model.tflite_bytes))
        read_io(model.tflite_bytes)  # (read again for the report) a corrupt file stops here, in one sentence
    except READ_ERRORS as exc:
        raise unreadable(exc, path) from exc
    return model.tflite_bytes


def _run(job: Job, plan) -> bytes:
    dataset = representative_data.dataset(job) if job.options.representative_data else None
    converter_api.apply_options(
        plan.converter, quantize=job.options.quantize, representative_dataset=dataset,
        inference_input_type=job.options.inference_input_type,
        inference_output_type=job.options.inference_output_type,
        allow_select_tf_ops=job.options.allow_select_tf_ops, allow_custom_ops=job.options.allow_custom_ops)
    job.report.converter_entry_point = plan.entry_point
    started = time.perf_counter()
    if job.options.keep_float:
        flatbuffer = keep_float_mod.run(plan, list(job.options.keep_float), dataset,
                                        job.options.inference_input_type in ("int8", "uint8"),
                                        quantize=job.options.quantize)
    else:
        flatbuffer = converter_api.run(plan)
    job.report.timings.convert_ms = (time.perf_counter() - started) * 1000
    ops = read_ops(flatbuffer)
    variable_ops = sorted({o.op for o in ops if o.op in _RESOURCE_VARIABLE_OPS})
    if variable_ops and plan.fallback is not None:
        # TF's from_saved_model on a Keras 3 model saved with tf.saved_model.save
        # leaves the weights as variables no runtime holds: every output NaN.
        job.report.steps.append(f"{plan.entry_point} left the weights as resource variables "
                                f"({', '.join(variable_ops)}); converted the signature's concrete "
                                "function instead")
        return _run(job, plan.fallback())
    if variable_ops:
        job.report.warnings.append(f"the .tflite keeps resource variables ({', '.join(variable_ops)}): "
                                   "its weights are not constants; an inference model should not need them")
    job.report.ops.extend(ops)
    return flatbuffer

def _verify(job: Job, model: Optional[LoadedModel], output_file, flatbuffer, required: bool) -> None:
    """Fill `report.verification`: the flatbuffer (not yet written) against `model`."""
    from tflite_tools.verify.layers import layer_verification  # noqa: PLC0415 (numpy, LiteRT)
    from tflite_tools.verify.verification import verify_conversion  # noqa: PLC0415

    report = job.report
    if report.source.format == "TFLITE":
        if required:
            raise UsageError(f"{report.source.path} is already a .tflite: there is no TensorFlow model "
                             "to verify it against; verify it against the model it was converted "
                             f"from: tflite-tools verify SOURCE_MODEL {report.source.path}.")
        report.steps.append("not verified: the input is the .tflite itself")
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
        check = layer_verification if report.options.verify_layers else verify_conversion
        report.verification.CopyFrom(check(_with_checkpoint(model, job.checkpoint), path, **kwargs))
    report.verification.tflite_path = output_file or ""
    report.timings.verify_ms = (time.perf_counter() - started) * 1000


def _with_checkpoint(model: LoadedModel, checkpoint: Optional[str]) -> LoadedModel:
    """`model` with the checkpoint given apart from it (TensorFlow restores from it)."""
    if not checkpoint:
        return model
    detection = summary_pb2.Detection()
    detection.CopyFrom(model.detection)
    detection.checkpoint_prefix = checkpoint
    return dataclasses.replace(model, detection=detection)
