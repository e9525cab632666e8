"""The Keras packages of the installed TensorFlow, for tests that build Keras 2
files: tf_keras beside Keras 3 (TF >= 2.16), or Keras 2 itself as tf.keras
(TF 2.15, which has no Keras 3)."""

from __future__ import annotations

import importlib

import pytest


def keras2():
    """The Keras 2 module: tf_keras, or keras when it is Keras 2."""
    from tflite_tools.core.lazy_tf import tensorflow

    tensorflow()
    try:
        return importlib.import_module("tf_keras")
    except ImportError:
        keras = importlib.import_module("keras")
        assert keras.__version__.startswith("2."), f"neither tf_keras nor Keras 2 (keras {keras.__version__})"
        return keras


def keras3():
    """Keras 3; skips on TensorFlow 2.15, whose Keras is 2 (a TF version fact, not a missing feature)."""
    keras = importlib.import_module("keras")
    if not keras.__version__.startswith("3."):
        pytest.skip(f"Keras {keras.__version__}: this TensorFlow has no Keras 3")
    return keras


def major() -> str:
    """The installed keras' major version, "2" or "3"."""
    return importlib.import_module("keras").__version__.split(".")[0]
