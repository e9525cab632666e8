"""`LoadedModel`: what every loader returns, whatever the artifact kind.

Loaders (tflite_tools.formats.loaders) fill the fields their format has and leave the
rest None; nothing here imports TensorFlow. `detection` says what the
artifact is and which files make it up.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Union

from tflite_tools.proto import summary_pb2, tf_graph_pb2, tf_saved_model_pb2


@dataclasses.dataclass
class LoadedModel:
    """One TensorFlow artifact, parsed without TensorFlow.

    Attributes:
      path: the path the user gave.
      detection: format, evidence, encoding, graph_path, checkpoint_prefix, tags.
      graph_def: the GraphDef (frozen graph, graph beside a checkpoint, the
        MetaGraph's graph, a TF1 SavedModel's graph); None for Keras/.tflite.
      meta_graph: the MetaGraphDef of a .meta file or of the SavedModel's
        chosen tag set.
      saved_model: the whole SavedModel message (SavedModel formats).
      saved_model_dir: the SavedModel directory (SavedModel formats).
      keras_config: the model config dict of a Keras file.
      tflite_bytes: the flatbuffer of a .tflite file.
      contents: the bytes of the graph file at `detection.graph_path`, as
        loading read them (memory-mapped), for jobs that would read it again.
      keras_model: the Keras model, once a job has loaded it
        (runners.keras_loader), for the next job of the same command.
    """

    path: str
    detection: summary_pb2.Detection
    graph_def: Optional[tf_graph_pb2.GraphDef] = None
    meta_graph: Optional[tf_saved_model_pb2.MetaGraphDef] = None
    saved_model: Optional[tf_saved_model_pb2.SavedModel] = None
    saved_model_dir: Optional[str] = None
    keras_config: Optional[dict[str, Any]] = None
    tflite_bytes: Optional[bytes] = None
    keras_model: Any = None
    contents: Optional[Union[bytes, memoryview]] = None

    @property
    def format(self) -> int:
        """The detected `summary_pb2.ModelFormat` value."""
        return self.detection.format

    @property
    def format_name(self) -> str:
        return summary_pb2.ModelFormat.Name(self.detection.format)
