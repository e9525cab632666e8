"""Loader for a TensorFlow Lite flatbuffer (.tflite)."""

from __future__ import annotations

from tflite_tools.errors import InputError
from tflite_tools.model import LoadedModel


def load(found, path: str) -> LoadedModel:
    detection = found.detection
    try:
        with open(detection.graph_path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise InputError(f"cannot read '{detection.graph_path}': {exc.strerror}.") from exc
    return LoadedModel(path=path, detection=detection, tflite_bytes=data)
