"""Loader for a GraphDef file (frozen or still holding variables)."""

from __future__ import annotations

from tflite_tools.formats.graphdef_io import read_graph_def
from tflite_tools.model import LoadedModel
from tflite_tools.proto import tf_graph_pb2


def load(found, path: str) -> LoadedModel:
    if isinstance(found.graph, tf_graph_pb2.GraphDef):
        return LoadedModel(path=path, detection=found.detection, graph_def=found.graph, contents=found.contents)
    return LoadedModel(path=path, detection=found.detection, graph_def=read_graph_def(found.detection.graph_path)[0])
