"""Loader for a Saver checkpoint with its graph, or a lone MetaGraph.

The graph comes from the MetaGraphDef (`.meta`) or GraphDef file that
detection found beside the checkpoint. The checkpoint's index is read and
every `.data` shard it names must exist, so a half-copied checkpoint is
reported here, not deep inside a later conversion.
"""

from __future__ import annotations

import os

from tflite_tools.errors import InputError
from tflite_tools.formats import tensor_bundle
from tflite_tools.formats.detect import parse_graph_file
from tflite_tools.model import LoadedModel
from tflite_tools.proto import tf_saved_model_pb2


def load(found, path: str) -> LoadedModel:
    detection = found.detection
    if detection.checkpoint_prefix:
        check_checkpoint(detection.checkpoint_prefix)
    model = LoadedModel(path=path, detection=detection)
    if detection.graph_path:
        message = found.graph if found.graph is not None else parse_graph_file(detection.graph_path)[1]
        if isinstance(message, tf_saved_model_pb2.MetaGraphDef):
            model.meta_graph = message
            model.graph_def = message.graph_def
        else:
            model.graph_def = message
    return model


def check_checkpoint(prefix: str) -> tensor_bundle.Bundle:
    """Read `<prefix>.index`; raise InputError naming a missing data shard."""
    bundle = tensor_bundle.read(prefix)
    missing = bundle.missing_shards()
    if missing:
        raise InputError(
            f"checkpoint {prefix} is incomplete: {os.path.basename(missing[0])} is missing"
            + (f" (and {len(missing) - 1} more shard(s))" if len(missing) > 1 else "")
            + "; copy every .data-* file of the checkpoint beside its .index.")
    return bundle
