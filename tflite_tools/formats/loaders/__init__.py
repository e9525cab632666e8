"""Load any TensorFlow artifact into a `LoadedModel`, without TensorFlow.

    >>> from tflite_tools.formats import load
    >>> model = load("train_dir")   # detect, then one loader
    >>> model.format_name, len(model.graph_def.node)
    ('CHECKPOINT', 42)

`load` detects the format once and dispatches to one loader module per
artifact kind; every loader has the signature
`load(found, path) -> LoadedModel`, takes what detection already parsed
from `found` (a `detect.Found`) instead of reading it again, and raises
InputError for files it cannot use.
"""

from __future__ import annotations

import importlib

from tflite_tools.formats.detect import detect_and_parse
from tflite_tools.model import LoadedModel
from tflite_tools.proto import summary_pb2

# ModelFormat -> loader module (tflite_tools.formats.loaders.<name>).
_LOADERS = {
    summary_pb2.FROZEN_GRAPH: "graph",
    summary_pb2.GRAPH_DEF: "graph",
    summary_pb2.CHECKPOINT: "checkpoint",
    summary_pb2.META_GRAPH: "checkpoint",
    summary_pb2.SAVED_MODEL_TF1: "saved_model",
    summary_pb2.SAVED_MODEL_TF2: "saved_model",
    summary_pb2.KERAS_H5: "keras",
    summary_pb2.KERAS_V3: "keras",
    summary_pb2.TFLITE: "tflite",
}


def load(path: str) -> LoadedModel:
    """Detect `path` and load it, parsing each file once.

    Raises InputError for a missing, unreadable or unrecognised artifact.
    """
    found = detect_and_parse(path)
    module = importlib.import_module(f"tflite_tools.formats.loaders.{_LOADERS[found.detection.format]}")
    return module.load(found, path)
