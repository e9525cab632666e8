"""Judge the .tflite's outputs against TensorFlow's: `compare_all` maps the
outputs, records an OutputComparison for each and sets the report's status
and message.

How outputs are judged:
  * float models: |tflite - tf| <= atol + rtol * |tf| for every element,
    or, where a deep model's float32 rounding exceeds that, an error within
    a thousandth of the output's range at an SNR of 60 dB or more (unless
    atol/rtol were given);
  * quantized models (integer I/O, integer or float16 weights): the SNR of
    the TFLite output against TensorFlow's, and argmax agreement over the
    last axis; integer outputs are dequantized with their scale/zero point
    first, and float inputs are quantized for integer-input models;
  * integer outputs (ids, counts) of float models: exact equality.
A name-matched output that fails but matches another source output is
reported as such (swapped names).
"""

from __future__ import annotations

import math
import os

import numpy as np

from tflite_tools.proto import verification_pb2
from tflite_tools.verify.mapping import map_outputs, tensor_mapping

_S = verification_pb2.VerificationStatus

# Float tolerances. TFLite's kernels (XNNPACK, fused activations, other
# summation orders) round differently from TensorFlow's, so float32 results
# differ by a few ulps per op; over a few dozen ops that stays well under
# 1e-4 relative, while any real conversion fault (wrong weights, layout,
# missing op) is orders of magnitude larger. atol covers values near zero,
# where relative error means nothing (e.g. softmax tails, relu edges).
FLOAT_ATOL = 1e-5
FLOAT_RTOL = 1e-4
# Deeper models go past that without any fault: basic-pitch's SavedModel and
# the .tflite its authors ship beside it differ by up to 3e-4 on [0, 1]
# outputs (68-84 dB), exactly as our conversion does. So an output that fails
# the elementwise check still passes when every error stays within
# FLOAT_RANGE_FRACTION of max |tf| and the SNR is at least FLOAT_MIN_SNR_DB:
# a wrong weight, layout or op errs by a sizeable part of the range, and even
# a single wrong channel in a thousand brings the SNR down to ~30 dB.
FLOAT_RANGE_FRACTION = 1e-3
FLOAT_MIN_SNR_DB = 60.0
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
# Bins of the |tflite - tf| histogram each output keeps (the HTML report draws it).
ERROR_BINS = 24


def compare_all(report, sources, tflite, source_out, tflite_out, atol, rtol, signature):
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
            errors(c, expected, actual, 0.0)
        return c
    explicit = atol is not None or rtol is not None
    atol = FLOAT_ATOL if atol is None else atol
    rtol = FLOAT_RTOL if rtol is None else rtol
    errors(c, expected, actual, atol)
    c.agreement = _agreement(expected, actual)
    if quantization != "none" and not explicit:
        c.criterion = "snr+argmax"
        c.min_snr_db = MIN_SNR_DB[quantization]
        c.min_agreement = MIN_AGREEMENT
        c.passed = c.snr_db >= c.min_snr_db and c.agreement >= c.min_agreement
    else:
        c.criterion = "allclose"
        c.atol, c.rtol = atol, rtol
        c.passed = bool(np.all(np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)))
        if not c.passed and not explicit and not c.nonfinite_mismatches and _within_range(c, expected):
            c.criterion = "range+snr"
            c.min_snr_db = FLOAT_MIN_SNR_DB
            c.passed = True
    return c


def _within_range(c, expected) -> bool:
    """Whether the errors in `c` are float32 rounding of a deep model: all
    within FLOAT_RANGE_FRACTION of max |tf|, at FLOAT_MIN_SNR_DB or more."""
    finite = np.abs(expected[np.isfinite(expected)])
    scale = float(finite.max()) if finite.size else 0.0
    return c.max_abs_error <= FLOAT_RANGE_FRACTION * scale and c.snr_db >= FLOAT_MIN_SNR_DB


def errors(c, expected, actual, atol):
    """Max/mean absolute error, max relative error (|tf| floored at atol so
    values near zero do not blow it up), the |tflite - tf| histogram from 0
    to the max, and SNR in dB, over the elements
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
    if diff.size:
        counts, edges = np.histogram(diff, bins=ERROR_BINS, range=(0.0, c.max_abs_error or 1.0))
        c.abs_error_counts.extend(int(n) for n in counts)
        c.abs_error_edges.extend(float(x) for x in edges)
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
