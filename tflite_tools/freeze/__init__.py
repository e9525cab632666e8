"""`freeze`: TensorFlow's freeze_graph (checkpoint variables become Const
nodes), with the same flags and fewer ways to fail.

    >>> from tflite_tools.freeze import freeze
"""

from tflite_tools.freeze.freeze_graph import freeze
from tflite_tools.freeze.text import format_text

__all__ = ["format_text", "freeze"]
