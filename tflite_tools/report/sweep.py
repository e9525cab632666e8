"""The quantization sweep: every --quantize mode of one model, converted and
verified on the same inputs (verify's seeded random inputs), sized and timed.

int8 and int16x8 calibrate on random samples of the inputs' shapes written
to an .npz, unless the caller gave --representative_data.
"""

from __future__ import annotations

import os

from tflite_tools.errors import ConversionError, VerificationMismatch
from tflite_tools.proto import report_pb2, verification_pb2

MODES = ("none", "dynamic", "float16", "int8", "int16x8")
CALIBRATED = ("int8", "int16x8")
CALIBRATION_SAMPLES = 16
_TIMING = dict(num_runs=30, min_secs=0.1, warmup_runs=2, warmup_min_secs=0.0)


def run(model: str, conversion, directory: str, options: dict) -> list[report_pb2.QuantizePoint]:
    """One QuantizePoint per mode; `conversion` (the plain one) gives the inputs."""
    representative_data = options.get("representative_data")
    options = {k: v for k, v in options.items() if k not in ("quantize", "representative_data", "keep_float", "verify_layers")}
    # Only the integer modes calibrate (given data would turn dynamic into int8).
    calibration = dict(options, representative_data=representative_data or _calibration_data(
        conversion.inputs, directory))
    return [_point(model, mode, os.path.join(directory, f"sweep-{mode}.tflite"),
                   calibration if mode in CALIBRATED else options) for mode in MODES]


def _point(model, mode, path, options) -> report_pb2.QuantizePoint:
    from tflite_tools.benchmark.side_by_side import benchmark  # noqa: PLC0415
    from tflite_tools.convert.conversion import convert  # noqa: PLC0415 (imports TensorFlow)

    point = report_pb2.QuantizePoint(quantize=mode)
    try:
        conversion = convert(model, path, quantize=mode, verify=True, **options)
    except VerificationMismatch as mismatch:
        conversion = mismatch.result
    except ConversionError as error:
        point.error = str(error)
        return point
    outputs = conversion.verification.outputs
    point.size_bytes = conversion.output_size_bytes
    point.passed = conversion.verification.status == verification_pb2.PASSED
    point.snr_db = min((c.snr_db for c in outputs), default=0.0)
    point.agreement = min((c.agreement for c in outputs), default=0.0)
    point.max_abs_error = max((c.max_abs_error for c in outputs), default=0.0)
    if os.path.exists(path):
        point.latency_avg_us = benchmark(path, **_TIMING).runs[0].inference.avg
    return point


def _calibration_data(inputs, directory: str) -> str:
    """An .npz of seeded uniform [0, 1) samples, one array per input name."""
    import numpy as np  # noqa: PLC0415

    rng = np.random.default_rng(0)
    arrays = {}
    for spec in inputs:
        shape = [CALIBRATION_SAMPLES] + [max(d, 1) for d in list(spec.shape)[1:]]
        values = rng.random(shape)
        arrays[spec.name] = values.astype(spec.dtype if spec.dtype.startswith("float") else "int32")
    path = os.path.join(directory, "calibration.npz")
    np.savez(path, **arrays)
    return path
