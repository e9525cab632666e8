"""`verify`: prove a .tflite computes what its TensorFlow source computes.

    >>> from tflite_tools.verify import verify
"""

from tflite_tools.verify.text import format_text
from tflite_tools.verify.verification import verify

__all__ = ["format_text", "verify"]
