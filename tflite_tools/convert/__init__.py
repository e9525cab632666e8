"""`convert`: any TensorFlow artifact (or live model) to a .tflite, with a report.

    >>> from tflite_tools.convert import convert
"""

from tflite_tools.convert.conversion import convert
from tflite_tools.convert.text import format_text

__all__ = ["convert", "format_text"]
