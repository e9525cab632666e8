"""SavedModel files without TensorFlow: find, parse, and pick a MetaGraph or signature.

    >>> saved_model = read_saved_model("export/1")
    >>> meta = meta_graph_for_tags(saved_model, ["serve"])
    >>> key, signature = serving_signature(meta)
"""

from __future__ import annotations

import os

from google.protobuf import message as _message
from google.protobuf import text_format

from tflite_tools.errors import InputError, UsageError
from tflite_tools.proto import tf_saved_model_pb2

SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
SERVING_SIGNATURE = "serving_default"


def saved_model_path(directory: str) -> str:
    for name in SAVED_MODEL_FILES:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    raise InputError(f"'{directory}' has no saved_model.pb or saved_model.pbtxt; pass a SavedModel "
                     "directory.")


def read_saved_model(directory: str) -> tf_saved_model_pb2.SavedModel:
    """Parse the SavedModel proto of `directory` (binary or text)."""
    pb = saved_model_path(directory)
    saved_model = tf_saved_model_pb2.SavedModel()
    try:
        with open(pb, "rb") as f:
            data = f.read()
        if pb.endswith(".pbtxt"):
            # Our SavedModel messages hold only what tflite-tools reads: skip the rest.
            text_format.Parse(data.decode("utf-8"), saved_model, allow_unknown_field=True,
                              allow_unknown_extension=True)
        else:
            saved_model.ParseFromString(data)
    except (OSError, UnicodeDecodeError, text_format.ParseError, _message.DecodeError) as exc:
        raise InputError(f"'{pb}' cannot be read as a SavedModel ({exc}); it may be truncated: "
                         "export or copy the SavedModel again.") from exc
    if not saved_model.meta_graphs:
        raise InputError(f"'{pb}' holds no meta graph; export the SavedModel again.")
    return saved_model


def serving_meta_graph(saved_model) -> tf_saved_model_pb2.MetaGraphDef:
    """The meta graph tagged "serve" (what converters load), else the first."""
    for meta in saved_model.meta_graphs:
        if "serve" in meta.meta_info_def.tags:
            return meta
    return saved_model.meta_graphs[0]


def saves_a_keras3_model(meta_graph) -> bool:
    """Whether the MetaGraph's root object is a Keras 3 model (saved with
    tf.saved_model.save): Keras 3 layers track `_build_shapes_dict`."""
    nodes = meta_graph.object_graph_def.nodes
    return bool(nodes) and any(child.local_name == "_build_shapes_dict" for child in nodes[0].children)


def meta_graph_for_tags(saved_model, tags):
    """The MetaGraphDef of `saved_model` whose tag set is exactly `tags`.

    Raises UsageError listing the tag sets there are.
    """
    for meta in saved_model.meta_graphs:
        if set(meta.meta_info_def.tags) == set(tags):
            return meta
    available = "; ".join(",".join(m.meta_info_def.tags) for m in saved_model.meta_graphs) or "none"
    raise UsageError(f"the SavedModel has no MetaGraph with tags '{','.join(tags)}' (it has: "
                     f"{available}); pass one of those to --saved_model_tags.")


def serving_signature(meta_graph) -> tuple[str, tf_saved_model_pb2.SignatureDef] | None:
    """(key, SignatureDef) a user means when naming none: serving_default, else
    the first callable signature by key; None when there is none."""
    keys = sorted(k for k in meta_graph.signature_def if not k.startswith("__"))
    if not keys:
        return None
    key = SERVING_SIGNATURE if SERVING_SIGNATURE in keys else keys[0]
    return key, meta_graph.signature_def[key]
