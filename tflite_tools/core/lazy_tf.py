"""Lazy, quiet access to TensorFlow.

TensorFlow takes seconds to import, so no module imports it at the top:
call `tensorflow()` inside the function that needs it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

from tflite_tools.errors import UsageError


class TensorFlowMissing(UsageError, ImportError):
    """No TensorFlow importable: the jobs that run it (exit 2) say so in one sentence."""


@contextlib.contextmanager
def quiet_native_stderr():
    """Send fd 2 to a temp file while TensorFlow's C++ side starts.

    TensorFlow's absl logging prints start-up chatter (CUDA probing, oneDNN
    notices) before TF_CPP_MIN_LOG_LEVEL takes effect. What was written is
    replayed if the import fails, so real errors are never hidden.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            os.write(2, sink.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def tensorflow():
    """Import and return the `tensorflow` module with its C++ logging quiet."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    try:
        with quiet_native_stderr():
            import tensorflow as tf  # noqa: PLC0415 (deliberately lazy)
    except ModuleNotFoundError as exc:
        if exc.name != "tensorflow":
            raise
        raise TensorFlowMissing("TensorFlow is not installed; this command runs it: install the one your "
                                "model needs (pip install tensorflow, tensorflow-cpu or tf-nightly, or "
                                "tflite-tools[tensorflow]); inspect, summarize, parse and doctor work "
                                "without it.") from None
    tf.get_logger().setLevel("ERROR")
    return tf
