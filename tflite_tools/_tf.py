"""Lazy, quiet access to TensorFlow.

TensorFlow takes seconds to import, so no module imports it at the top:
call `tensorflow()` inside the function that needs it.
"""

from __future__ import annotations

import os


def tensorflow():
    """Import and return the `tensorflow` module with its C++ logging quiet."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import tensorflow as tf  # noqa: PLC0415 (deliberately lazy)

    tf.get_logger().setLevel("ERROR")
    return tf
