"""Loader for a GraphDef file (frozen or still holding variables)."""

from __future__ import annotations

from tflite_tools.formats.graphdef_io import read_graph_def
from tflite_tools.model import LoadedModel


def load(detection, path: str) -> LoadedModel:
    graph_def, _ = read_graph_def(detection.graph_path)
    return LoadedModel(path=path, detection=detection, graph_def=graph_def)
