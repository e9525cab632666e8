"""TensorFlow's `summarize_graph` tool, reproduced without TensorFlow: the
same flags and the same text, byte for byte (tensor and shape text, the
libstdc++ sort of the op counts, TF's human-readable numbers).

    >>> from tflite_tools.summarize_graph import summarize, format_summary
"""

from tflite_tools.summarize_graph.summarize import format_summary, summarize

__all__ = ["format_summary", "summarize"]
