"""A LayerReport as per-node values for a graph overlay (a heat map of the
error on the model's graph, e.g. in Model Explorer or the HTML report)."""

from __future__ import annotations

from tflite_tools.errors import UsageError
from tflite_tools.proto import verification_pb2

FIGURES = ("snr_db", "max_abs_error", "mean_abs_error")


def overlay_values(report: verification_pb2.LayerReport, figure: str = "snr_db") -> dict:
    """TFLite tensor name, and TF node name, -> the layer's `figure` (one of
    FIGURES) for every compared layer. The TF node names key a TensorFlow
    graph's view; the tensor names a .tflite's (its ops' output tensors)."""
    if figure not in FIGURES:
        raise UsageError(f"{figure!r} is not a layer figure; use one of {', '.join(FIGURES)}.")
    values = {}
    for c in report.layers:
        value = getattr(c, figure)
        values[c.tflite_tensor] = value
        if c.tf_tensor:
            values.setdefault(c.tf_tensor.rsplit(":", 1)[0], value)
    return values
