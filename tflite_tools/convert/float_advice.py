"""`verify --layers` on a quantized model below its SNR: which layers to keep in float.

`verify_with_advice` runs `verify_layers`; when the model is int8 or
dynamic-range and its output SNR is under the minimum, the source is
converted again in the same mode (int8: with the same calibration data,
`--representative_data`, else random inputs in `--input_range`; dynamic: no
data), first as is (the baseline), then with each of the worst layers kept
in float (convert.keep_float), one at a time, each verified. The worst
layers are those that lose the most SNR against their own inputs, among the
layers with a quantized output (int8) or with int8 weights (dynamic). The
suggestion is the single layer that brings the output SNR over the minimum
with the most to spare, else the trial layers added by gain until it does.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from tflite_tools.convert import keep_float
from tflite_tools.convert.conversion import convert
from tflite_tools.errors import UsageError, VerificationMismatch
from tflite_tools.formats import tflite_flatbuffer
from tflite_tools.proto import verification_pb2
from tflite_tools.runners import tf_runner
from tflite_tools.runners.tf_runner import SourceTensor
from tflite_tools.verify.layers import layer_verification
from tflite_tools.verify.samples import parse_range, random_samples
from tflite_tools.verify.verification import verify_conversion

# Layers tried in float one at a time.
MAX_TRIALS = 4
# Random calibration samples when no --representative_data is given.
CALIBRATION_SAMPLES = 16
_CONVERT_KEYS = ("input_arrays", "output_arrays", "input_shapes", "signature_key", "saved_model_tags")
_S = verification_pb2.VerificationStatus


def verify_with_advice(source, tflite_path: str, *, representative_data: str | None = None,
                       **kwargs) -> verification_pb2.VerificationReport:
    """`verify_layers` plus keep-float trials for an int8 or dynamic-range model below its SNR.

    Takes `verify`'s keyword arguments; raises VerificationMismatch (the
    report attached) when an output is out of tolerance.
    """
    model = tf_runner.load(source)
    report = layer_verification(model, tflite_path, **kwargs)
    layers = report.layer_report
    if (report.quantization in keep_float.MODES and layers.criterion == "snr"
            and layers.output_snr_db < layers.min_snr_db):
        weighted = None
        if report.quantization == "dynamic":
            with open(tflite_path, "rb") as handle:
                weighted = tflite_flatbuffer.quantized_weight_outputs(tflite_flatbuffer.read_model(handle.read()))
        _trials(model, report, representative_data, kwargs, weighted)
    if report.status == _S.MISMATCH:
        raise VerificationMismatch(report.message, result=report)
    return report


def worst_layers(layers: verification_pb2.LayerReport, count: int = MAX_TRIALS, weighted=None) -> list:
    """Names (as --keep_float takes them) of the quantized layers that lose
    the most SNR against their inputs, worst first.

    Quantized layers are those with an output scale (int8 models), or, when
    `weighted` (the .tflite tensor indices written by ops with int8 weights,
    tflite_flatbuffer.quantized_weight_outputs) is given, those it holds
    (dynamic-range models, whose outputs are float).
    """
    by_step = {c.step: c for c in layers.layers}
    losses = []
    for c in layers.layers:
        quantized = c.tflite_index in weighted if weighted is not None else bool(c.scale)
        if not quantized or c.op in ("QUANTIZE", "DEQUANTIZE"):
            continue
        inputs = [by_step[s].snr_db for s in c.input_steps if s in by_step]
        losses.append((min(inputs, default=layers.min_snr_db * 2) - c.snr_db, c.step, c.tflite_tensor))
    names = []
    for _, _, tensor in sorted(losses, key=lambda x: (-x[0], x[1])):
        name = tensor.split(";")[0]
        if name not in names:
            names.append(name)
    return names[:count]


def _trials(model, report, representative_data, kwargs, weighted=None) -> None:
    layers = report.layer_report
    options = {key: kwargs[key] for key in _CONVERT_KEYS if kwargs.get(key)}
    verify_options = {key: value for key, value in kwargs.items() if key != "input_shapes"}
    with tempfile.TemporaryDirectory(prefix="tflite-tools-keep-float-") as tmp:
        if report.quantization == "int8":
            options.update(quantize="int8",
                           representative_data=representative_data or _calibration_file(report, kwargs, tmp))
        else:
            options.update(quantize=report.quantization)  # dynamic-range: weights only, no data

        def measure(keep) -> float:
            path = os.path.join(tmp, "trial.tflite")
            convert(model.path, path, keep_float=keep, verify=False, **options)
            trial = verify_conversion(model, path, **verify_options)
            return min((c.snr_db for c in trial.outputs), default=0.0)

        layers.baseline_output_snr_db = measure([])
        for name in worst_layers(layers, weighted=weighted):
            try:
                snr = measure([name])
            except UsageError:
                continue  # a tensor the converter names differently before quantizing
            layers.trials.add(name=name, output_snr_db=snr, gain_db=snr - layers.baseline_output_snr_db)
        ranked = sorted(layers.trials, key=lambda t: -t.output_snr_db)
        if ranked and ranked[0].output_snr_db >= layers.min_snr_db:
            layers.suggested_keep_float.append(ranked[0].name)
            layers.suggested_output_snr_db = ranked[0].output_snr_db
            return
        chosen = []
        for trial in (t for t in ranked if t.gain_db > 0):
            chosen.append(trial.name)
            if len(chosen) == 1:
                continue  # measured already, and not enough
            snr = measure(chosen)
            if snr >= layers.min_snr_db:
                layers.suggested_keep_float.extend(chosen)
                layers.suggested_output_snr_db = snr
                return


def _calibration_file(report, kwargs, directory: str) -> str:
    """Random calibration inputs (in verify's --input_range) as an .npz with a
    leading sample axis, keyed by source input name."""
    sources = [SourceTensor(spec.name, np.dtype(spec.dtype), tuple(spec.shape)) for spec in report.inputs]
    shapes = {spec.name: list(spec.shape) for spec in report.inputs}
    low, high = parse_range(kwargs.get("input_range", (0.0, 1.0)))
    samples = random_samples(sources, shapes, low, high, kwargs.get("seed", 0) + 1, CALIBRATION_SAMPLES)
    path = os.path.join(directory, "calibration.npz")
    np.savez(path, **{s.name: np.stack([sample[s.name] for sample in samples]) for s in sources})
    return path
