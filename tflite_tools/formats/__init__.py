"""What is this file: format detection, one loader per artifact kind, and
the readers of TensorFlow's files (GraphDef, checkpoint bundle, SavedModel,
.tflite flatbuffer). No TensorFlow.

    >>> from tflite_tools.formats import detect, load
    >>> detect("train_dir").format == summary_pb2.CHECKPOINT
    True
"""

from tflite_tools.formats.detect import detect
from tflite_tools.formats.loaders import load

__all__ = ["detect", "load"]
