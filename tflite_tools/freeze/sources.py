"""What to freeze: the files an artifact path stands for, and the outputs to
keep when the user names none.

    >>> sources = model_sources("train_dir")   # graph or .meta, and the checkpoint beside it
    >>> default_outputs(graph_def)             # the inference outputs inspect reports
"""

from __future__ import annotations

import dataclasses
from typing import Optional

from tflite_tools.core.names import node_name
from tflite_tools.errors import InputError
from tflite_tools.formats.detect import detect
from tflite_tools.formats.saved_model import serving_signature
from tflite_tools.graph import analysis
from tflite_tools.proto import summary_pb2


def default_outputs(graph_def, meta_graph=None) -> list[str]:
    """The output nodes a user would freeze or convert at, as `inspect` reports them.

    With `meta_graph` (a SavedModel's): the graph nodes behind its serving
    signature's outputs (sorted by key); else the graph's sinks that are not
    training or bookkeeping machinery (`graph.analysis.outputs`). May be empty.
    """
    if meta_graph is not None:
        chosen = serving_signature(meta_graph)
        if chosen is None:
            return []
        outputs = chosen[1].outputs
        return [node_name(outputs[key].name or key) for key in sorted(outputs)]
    return [node_name(spec.name) for spec in analysis.outputs(analysis.index(graph_def))[0]]


@dataclasses.dataclass
class ModelSources:
    """The freeze inputs one artifact path stands for (fields empty when absent)."""

    graph: str = ""
    meta_graph: str = ""
    saved_model_dir: str = ""
    checkpoint: str = ""


def model_sources(path: str, checkpoint: Optional[str] = None,
                  detection: Optional[summary_pb2.Detection] = None) -> ModelSources:
    """Split an artifact path (as `inspect` takes it) into freeze inputs, by its detected format.

    `checkpoint`, when given, replaces the checkpoint found beside the graph;
    `detection`, when given, is `path`'s (it is not detected again).

    Raises:
      InputError: the artifact is not a graph that can be frozen.
    """
    detection = detection if detection is not None else detect(path)
    fmt = summary_pb2.ModelFormat.Name(detection.format)
    if fmt in ("SAVED_MODEL_TF1", "SAVED_MODEL_TF2"):
        return ModelSources(saved_model_dir=path)
    if fmt in ("CHECKPOINT", "GRAPH_DEF", "META_GRAPH") or (fmt == "FROZEN_GRAPH" and checkpoint):
        graph = detection.graph_path or path
        checkpoint = checkpoint or detection.checkpoint_prefix
        if graph.endswith(".meta"):
            return ModelSources(meta_graph=graph, checkpoint=checkpoint)
        return ModelSources(graph=graph, checkpoint=checkpoint)
    if fmt == "FROZEN_GRAPH":
        raise InputError(f"'{path}' is a frozen graph already: there is nothing to freeze; "
                         "convert it directly with `tflite-tools convert`.")
    raise InputError(f"'{path}' is {fmt.lower().replace('_', ' ')}, not a TensorFlow graph with a "
                     "checkpoint; freeze takes a graph + checkpoint, a .meta or a SavedModel.")
