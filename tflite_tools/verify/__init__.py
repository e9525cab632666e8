"""`verify`: prove a .tflite computes what its TensorFlow source computes.

    >>> from tflite_tools.verify import verify
"""

from tflite_tools.verify.verification import format_text, verify

__all__ = ["format_text", "verify"]
