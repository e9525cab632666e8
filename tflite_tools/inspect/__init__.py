"""`inspect`: what a TensorFlow artifact is and how to convert it.

    >>> from tflite_tools.inspect import inspect, format_text
"""

from tflite_tools.inspect.model_summary import inspect
from tflite_tools.inspect.text import format_text

__all__ = ["format_text", "inspect"]
