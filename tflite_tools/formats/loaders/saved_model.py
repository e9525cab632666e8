"""Loader for a SavedModel directory (TF1 builder or TF2 tf.saved_model.save).

`meta_graph` is the meta graph tagged "serve" (what the converter loads);
its GraphDef is `graph_def`. The variables checkpoint
(`variables/variables.index` and its data shards) must be complete.
"""

from __future__ import annotations

import os

from tflite_tools.formats.detect import read_saved_model, serving_meta_graph
from tflite_tools.formats.loaders.checkpoint import check_checkpoint
from tflite_tools.model import LoadedModel


def load(found, path: str) -> LoadedModel:
    detection = found.detection
    directory = os.path.dirname(detection.graph_path)
    saved_model = found.saved_model if found.saved_model is not None else read_saved_model(directory)
    meta = serving_meta_graph(saved_model)
    variables = os.path.join(directory, "variables", "variables")
    if os.path.isfile(variables + ".index"):
        check_checkpoint(variables)
    return LoadedModel(path=path, detection=detection, graph_def=meta.graph_def, meta_graph=meta,
                       saved_model=saved_model, saved_model_dir=directory)
