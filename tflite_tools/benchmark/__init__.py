"""`benchmark`: TensorFlow's and TFLite's benchmark_model, side by side.

    >>> from tflite_tools.benchmark import benchmark, format_text
"""

from tflite_tools.benchmark.side_by_side import benchmark
from tflite_tools.benchmark.text import format_text

__all__ = ["benchmark", "format_text"]
