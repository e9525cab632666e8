"""Prove a .tflite computes what its TensorFlow source computes.

`verify(source, tflite_path)` feeds TensorFlow (tflite_tools.tf_runner) and
the LiteRT interpreter (tflite_tools.tflite_runner) the same inputs, maps
every TFLite tensor back to the source tensor it stands for, and compares
outputs. It returns a `VerificationReport` and raises `VerificationMismatch`
(exit 4, the report attached) when an output is out of tolerance.

    >>> report = verify("frozen.pb", "model.tflite", output_arrays=["output"])
    >>> verification_pb2.VerificationStatus.Name(report.status)
    'PASSED'

How TFLite tensors are matched to the source's (TensorMapping.method):
  * "name": the .tflite name is the source name (":0" ignored), an alias
    (Keras output_N) or the graph tensor behind a signature entry;
  * "signature": a key of the .tflite's SignatureDef is the source name;
  * "order": the only remaining source tensor of that dtype and shape
    (inputs: the next one by position);
  * "numeric": several fit, and the values decide: outputs go to the source
    output with the smallest error; inputs are permuted when the first
    assignment does not verify.
A name-matched output that fails but matches another source output is
reported as such (swapped names).

How outputs are judged:
  * float models: |tflite - tf| <= atol + rtol * |tf| for every element;
  * quantized models (integer I/O, integer or float16 weights): the SNR of
    the TFLite output against TensorFlow's, and argmax agreement over the
    last axis; integer outputs are dequantized with their scale/zero point
    first, and float inputs are quantized for integer-input models;
  * integer outputs (ids, counts) of float models: exact equality.
A .tflite with select TF ops (Flex) or other custom ops cannot run here: it
gets status NOT_RUNNABLE with the structural checks that were made, and is
never reported as numerically verified.
"""

from __future__ import annotations

import math
import os
from typing import Optional, Sequence, Union

import numpy as np

from tflite_tools.errors import UsageError, VerificationMismatch
from tflite_tools.model import LoadedModel
from tflite_tools.proto import common_pb2, verification_pb2
from tflite_tools.runners import tf_runner
from tflite_tools.runners.tflite_runner import TfliteModel
from tflite_tools.verify.mapping import (
    Mismatch,
    compatible,
    default_graph_names,
    input_assignments,
    keys,
    map_inputs,
    map_outputs,
    match_names,
    tensor_mapping,
    tflite_signature,
)
from tflite_tools.verify.samples import (
    load_samples,
    parse_range,
    random_samples,
    resolve_shapes,
    run_source,
    run_tflite,
)

_S = verification_pb2.VerificationStatus

# Float tolerances. TFLite's kernels (XNNPACK, fused activations, other
# summation orders) round differently from TensorFlow's, so float32 results
# differ by a few ulps per op; over a few dozen ops that stays well under
# 1e-4 relative, while any real conversion fault (wrong weights, layout,
# missing op) is orders of magnitude larger. atol covers values near zero,
# where relative error means nothing (e.g. softmax tails, relu edges).
FLOAT_ATOL = 1e-5
FLOAT_RTOL = 1e-4
# Quantized models: minimum signal-to-noise ratio of the TFLite output
# against TensorFlow's. Every integer mode keeps int8 weights, and they
# dominate the error: bench/bench_quantize.py measures 37-42 dB for small
# CNNs in dynamic, int8 and int16x8 modes, while wrong weights or scales land
# near 0 dB. 20 dB (noise power 1% of the signal) leaves room for deeper
# models. float16 weights keep ~11 bits (68 dB measured): 40 dB.
MIN_SNR_DB = {"float16": 40.0, "dynamic": 20.0, "int8": 20.0, "int16x8": 20.0}
# Minimum fraction of positions whose argmax over the last axis agrees.
MIN_AGREEMENT = 0.9
# SNR reported for identical outputs (zero noise), to keep JSON finite.
SNR_CAP_DB = 200.0


def verify(source: Union[str, LoadedModel], tflite_path: str, *, input_data: Optional[str] = None,
           input_range: Sequence[float] = (0.0, 1.0), seed: int = 0, num_samples: int = 1,
           atol: Optional[float] = None, rtol: Optional[float] = None,
           input_arrays: Optional[Sequence[str]] = None, output_arrays: Optional[Sequence[str]] = None,
           input_shapes=None, signature_key: Optional[str] = None,
           saved_model_tags: Optional[Sequence[str]] = None) -> verification_pb2.VerificationReport:
    """Run `source` in TensorFlow and `tflite_path` in LiteRT on the same inputs and compare.

    Args:
      source: the TensorFlow model (a path any loader recognises, or a LoadedModel).
      tflite_path: the .tflite to check.
      input_data: an .npz keyed by source input name (a leading axis on
        every array: that many samples); default random inputs.
      input_range: (low, high) of the random inputs (integers for integer inputs).
      seed, num_samples: random inputs: the seed and how many batches to run.
      atol, rtol: float tolerances; given for a quantized model, they replace
        the SNR/argmax criterion.
      input_arrays, output_arrays: source tensors (graphs: node names; by
        default the .tflite's input/output names found in the graph).
      input_shapes: "1,8,8,3:1,4" or [[1,8,8,3],[1,4]], one per input, for
        inputs with unknown dimensions (default: the .tflite's shape, else 1).
      signature_key, saved_model_tags: which SavedModel signature/MetaGraph.

    Returns:
      The report; status PASSED or NOT_RUNNABLE.

    Raises:
      VerificationMismatch: an output is out of tolerance or the I/O do not
        correspond (the report is `err.result`).
      InputError, UsageError: unreadable models, unknown names, bad flags.
    """
    report = verify_conversion(
        source, tflite_path, input_data=input_data, input_range=input_range, seed=seed,
        num_samples=num_samples, atol=atol, rtol=rtol, input_arrays=input_arrays,
        output_arrays=output_arrays, input_shapes=input_shapes, signature_key=signature_key,
        saved_model_tags=saved_model_tags)
    if report.status == _S.MISMATCH:
        raise VerificationMismatch(report.message, result=report)
    return report


def verify_conversion(source: Union[str, LoadedModel], tflite_path: str, *,
                      input_arrays: Optional[Sequence[str]] = None,
                      output_arrays: Optional[Sequence[str]] = None, input_shapes=None,
                      signature_key: Optional[str] = None,
                      saved_model_tags: Optional[Sequence[str]] = None,
                      input_data: Optional[str] = None, input_range: Sequence[float] = (0.0, 1.0),
                      seed: int = 0, num_samples: int = 1, atol: Optional[float] = None,
                      rtol: Optional[float] = None) -> verification_pb2.VerificationReport:
    """What `convert --verify` calls: `verify` without the raise.

    Pass the source (path or the LoadedModel convert already has), the
    .tflite just written, and the names/shapes convert resolved (graph node
    names for graphs; signature key and tags for SavedModels; nothing for
    Keras). Returns the report whatever its status: on MISMATCH the caller
    raises `VerificationMismatch(report.message, result=...)` with its own
    result (e.g. a ConversionReport whose `verification` is this report).
    """
    if num_samples < 1:
        raise UsageError(f"--num_samples must be at least 1, got {num_samples}.")
    low, high = parse_range(input_range)
    tflite = TfliteModel.from_path(tflite_path)
    model = tf_runner.load(source)
    input_arrays, output_arrays = default_graph_names(model, tflite, input_arrays, output_arrays)
    runner = tf_runner.make_runner(model, input_arrays=input_arrays, output_arrays=output_arrays,
                                   signature_key=signature_key, saved_model_tags=saved_model_tags)
    report = verification_pb2.VerificationReport(
        source_path=model.path, tflite_path=tflite_path, quantization=tflite.quantization,
        quantized=tflite.quantization != "none", flex_ops=tflite.flex_ops)
    signature = tflite_signature(tflite, signature_key)
    try:
        inputs = map_inputs(runner.inputs, tflite, signature)
        report.input_mapping.extend(tensor_mapping(runner.inputs[s], tflite.inputs[t], m) for s, t, m in inputs)
        shapes = resolve_shapes(runner.inputs, tflite, inputs, input_shapes)
        report.inputs.extend(
            common_pb2.TensorSpec(name=t.name, dtype=t.dtype.name, shape=shapes[t.name], tensor_name=t.tensor_name,
                                  index=i) for i, t in enumerate(runner.inputs))
        if not tflite.runnable or tflite.custom_ops:
            return _structural_report(report, runner, tflite, inputs, signature)
        samples = load_samples(input_data, runner.inputs, shapes) if input_data else \
            random_samples(runner.inputs, shapes, low, high, seed, num_samples)
        report.input_data = input_data or f"random(seed={seed}, range=[{low:g},{high:g}])"
        report.num_samples = len(samples)
        source_out = run_source(runner, samples)
        invoke = tflite.make_runner()
        first = None
        for assignment in input_assignments(runner.inputs, inputs):
            attempt = verification_pb2.VerificationReport()
            attempt.CopyFrom(report)
            del attempt.input_mapping[:]
            attempt.input_mapping.extend(tensor_mapping(runner.inputs[s], tflite.inputs[t], m)
                                         for s, t, m in assignment)
            tflite_out = run_tflite(invoke, tflite, runner.inputs, assignment, samples)
            _compare_all(attempt, runner.outputs, tflite, source_out, tflite_out, atol, rtol, signature)
            first = first or attempt
            if attempt.status == _S.PASSED:
                return attempt
        return first
    except Mismatch as mismatch:
        report.status = _S.MISMATCH
        report.message = str(mismatch)
        return report
    finally:
        runner.close()


# --- comparing ---------------------------------------------------------------------------------------


def _compare_all(report, sources, tflite, source_out, tflite_out, atol, rtol, signature):
    outputs = sorted(map_outputs(sources, tflite, source_out, tflite_out, signature))  # in source order
    report.output_mapping.extend(tensor_mapping(sources[s], tflite.outputs[t], m) for s, t, m in outputs)
    failures = []
    mapped = {s for s, _, _ in outputs}
    for s, src in enumerate(sources):
        if s not in mapped:
            failures.append(f"source output {src.name} has no counterpart in the .tflite")
    for s, t, _ in outputs:
        src, tensor = sources[s], tflite.outputs[t]
        comparison = _compare(src, tensor, source_out[src.name], tflite_out[tensor.index],
                              report.quantization, atol, rtol)
        report.outputs.append(comparison)
        if not comparison.passed:
            failures.append(_failure(comparison) + _better_match(sources, s, tensor, source_out, tflite_out,
                                                                 report.quantization, atol, rtol))
    tflite_name = os.path.basename(report.tflite_path)
    source_name = os.path.basename(report.source_path.rstrip(os.sep))
    if failures:
        report.status = _S.MISMATCH
        report.message = f"{tflite_name} does not compute what {source_name} computes: {'; '.join(failures)}."
    else:
        report.status = _S.PASSED
        report.message = (f"{tflite_name} computes what {source_name} computes: {len(report.outputs)} "
                          f"output(s) within tolerance on {report.num_samples} sample(s).")


def _better_match(sources, s, tensor, source_out, tflite_out, quantization, atol, rtol) -> str:
    """When a .tflite output fails against the source output it was mapped
    to but passes against another, say so: the mapping, not the math, is off."""
    for other, src in enumerate(sources):
        if other != s and np.shape(source_out[src.name]) == np.shape(tflite_out[tensor.index]):
            if _compare(src, tensor, source_out[src.name], tflite_out[tensor.index], quantization,
                        atol, rtol).passed:
                return (f" (but {tensor.name} matches source output {src.name}: are the output names "
                        "swapped?)")
    return ""


def _failure(c) -> str:
    if c.nonfinite_mismatches:
        return f"output {c.source_name} has {c.nonfinite_mismatches} NaN/inf value(s) where the other side differs"
    if c.criterion == "allclose":
        return (f"output {c.source_name} differs by up to {c.max_abs_error:.3g} "
                f"(atol {c.atol:g}, rtol {c.rtol:g})")
    if c.criterion == "snr+argmax":
        return (f"output {c.source_name} has SNR {c.snr_db:.1f} dB (min {c.min_snr_db:g}) and argmax "
                f"agreement {c.agreement:.0%} (min {c.min_agreement:.0%})")
    if c.criterion == "shape":
        return f"output {c.source_name} has shape {list(c.shape)} in TensorFlow but another in the .tflite"
    return f"output {c.source_name} differs in {1 - c.agreement:.0%} of its values (expected identical)"


def _compare(src, tensor, expected, actual, quantization, atol, rtol) -> verification_pb2.OutputComparison:
    c = verification_pb2.OutputComparison(source_name=src.name, tflite_name=tensor.name,
                                          shape=np.shape(expected)[1:], dtype=src.dtype.name)
    if np.shape(expected) != np.shape(actual):
        c.criterion = "shape"
        return c
    numeric = np.issubdtype(expected.dtype, np.number) and not np.issubdtype(expected.dtype, np.complexfloating)
    if not numeric or not np.issubdtype(expected.dtype, np.floating):
        c.criterion = "exact"
        c.agreement = float(np.mean(expected == actual)) if expected.size else 1.0
        c.passed = bool(np.array_equal(expected, actual))
        if numeric:
            _errors(c, expected, actual, 0.0)
        return c
    explicit = atol is not None or rtol is not None
    c.atol = FLOAT_ATOL if atol is None else atol
    c.rtol = FLOAT_RTOL if rtol is None else rtol
    _errors(c, expected, actual, c.atol)
    c.agreement = _agreement(expected, actual)
    if quantization != "none" and not explicit:
        c.criterion = "snr+argmax"
        c.min_snr_db = MIN_SNR_DB[quantization]
        c.min_agreement = MIN_AGREEMENT
        c.passed = c.snr_db >= c.min_snr_db and c.agreement >= c.min_agreement
    else:
        c.criterion = "allclose"
        c.passed = bool(np.all(np.isclose(actual, expected, rtol=c.rtol, atol=c.atol, equal_nan=True)))
    return c


def _errors(c, expected, actual, atol):
    """Max/mean absolute error, max relative error (|tf| floored at atol so
    values near zero do not blow it up) and SNR in dB, over the elements
    where both sides are finite or equal; the others are counted in
    `nonfinite_mismatches` (and make the SNR -SNR_CAP_DB)."""
    e, a = np.asarray(expected, np.float64).ravel(), np.asarray(actual, np.float64).ravel()
    with np.errstate(invalid="ignore"):
        same = (e == a) | (np.isnan(e) & np.isnan(a))  # equal infinities, NaN on both sides
        diff = np.where(same, 0.0, np.abs(a - e))
    comparable = np.isfinite(diff)
    c.nonfinite_mismatches = int(diff.size - comparable.sum())
    diff, e = diff[comparable], np.where(np.isfinite(e[comparable]), e[comparable], 0.0)
    c.max_abs_error = float(diff.max()) if diff.size else 0.0
    c.mean_abs_error = float(diff.mean()) if diff.size else 0.0
    c.max_rel_error = float((diff / np.maximum(np.abs(e), max(atol, 1e-12))).max()) if diff.size else 0.0
    signal, noise = float(np.sum(np.square(e))), float(np.sum(np.square(diff)))
    if c.nonfinite_mismatches or (signal == 0.0 and noise > 0.0):
        c.snr_db = -SNR_CAP_DB
    elif noise == 0.0:
        c.snr_db = SNR_CAP_DB
    else:
        c.snr_db = max(-SNR_CAP_DB, min(SNR_CAP_DB, 10.0 * math.log10(signal / noise)))


def _agreement(expected, actual) -> float:
    """Fraction of positions where TFLite's argmax over the last axis picks
    the same class as TensorFlow's. A flip between two TensorFlow values
    closer than the output's RMS error is a tie the model's precision cannot
    resolve, so it counts as agreement; SNR judges the error itself."""
    if expected.ndim < 2 or expected.shape[-1] < 2:
        return 1.0
    e = expected.reshape(-1, expected.shape[-1]).astype(np.float64)
    a = actual.reshape(-1, actual.shape[-1]).astype(np.float64)
    rms = float(np.sqrt(np.mean(np.square(a - e))))
    top_e, top_a = e.argmax(axis=1), a.argmax(axis=1)
    rows = np.arange(len(e))
    agree = (top_e == top_a) | (e[rows, top_e] - e[rows, top_a] <= rms)
    return float(agree.mean())


# --- models that cannot run here ---------------------------------------------------------------------

def _structural_report(report, runner, tflite: TfliteModel, inputs, signature):
    """NOT_RUNNABLE (or MISMATCH when the I/O do not correspond): what could
    be checked without running the .tflite."""
    checks, problems = [], []
    if tflite.flex_ops:
        checks.append(f"the .tflite needs {len(tflite.flex_ops)} select TF op(s) ({', '.join(tflite.flex_ops)}), "
                      "which run only with the Flex delegate")
    if tflite.custom_ops:
        checks.append(f"the .tflite needs custom op(s) {', '.join(tflite.custom_ops)}, whose kernels are "
                      "not registered here")
    for s, t, method in inputs:
        checks.append(_io_check("input", runner.inputs[s], tflite.inputs[t], method, problems))
    outputs = _map_outputs_structurally(runner.outputs, tflite, signature)
    report.output_mapping.extend(tensor_mapping(runner.outputs[s], tflite.outputs[t], m) for s, t, m in outputs)
    for s, t, method in outputs:
        checks.append(_io_check("output", runner.outputs[s], tflite.outputs[t], method, problems))
    unmatched = {s for s, _, _ in outputs} ^ set(range(len(runner.outputs)))
    problems.extend(f"source output {runner.outputs[s].name} has no counterpart in the .tflite"
                    for s in sorted(unmatched))
    report.checks.extend(checks)
    name = os.path.basename(report.tflite_path)
    if problems:
        report.status = _S.MISMATCH
        report.message = f"{name} does not match its source: {'; '.join(problems)}."
    else:
        report.status = _S.NOT_RUNNABLE
        needs = "select TF ops (Flex delegate)" if tflite.flex_ops else "custom ops"
        report.message = (f"{name} was NOT numerically verified: it needs {needs}, which neither "
                          "ai-edge-litert nor the pip TensorFlow interpreter can run; only its structure "
                          "was checked.")
    return report


def _map_outputs_structurally(sources, tflite, signature) -> list:
    matched = match_names(sources, tflite.outputs, keys(signature, "outputs"))
    used = {s for s, _ in matched.values()}
    for t in tflite.outputs:
        if t.position not in matched:
            candidates = [s for s, src in enumerate(sources) if s not in used and compatible(src, t)]
            if candidates:
                matched[t.position] = (candidates[0], "order")
                used.add(candidates[0])
    return [(s, t, m) for t, (s, m) in sorted(matched.items())]


def _io_check(kind, source, tensor, method, problems) -> str:
    shape = list(source.shape) if source.shape is not None else "unknown rank"
    line = (f"{kind} {source.name} ({source.dtype.name} {shape}) <-> {tensor.name} "
            f"({tensor.dtype.name} {list(tensor.shape_signature)}) by {method}")
    if compatible(source, tensor):
        return line + ": dtype and shape match"
    problems.append(f"{kind} {source.name} is {source.dtype.name} {shape} but the .tflite's "
                    f"{tensor.name} is {tensor.dtype.name} {list(tensor.shape_signature)}")
    return line + ": dtype or shape DIFFER"
