"""The one Keras file loader of convert, verify and benchmark.

A legacy .h5 saved by Keras 2 is loaded with tf_keras when it is installed
(the Keras that wrote it); everything else with Keras 3. Always for
inference (compile=False), refusing code-running layers unless
`unsafe_deserialization`. The model is kept on the LoadedModel, so the next
job of the same command (convert's verify) does not load it again.
"""

from __future__ import annotations

from typing import Callable

from tflite_tools.core.captured_output import captured_output
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import InputError
from tflite_tools.model import LoadedModel


def keras_model(model: LoadedModel, unsafe_deserialization: bool = False):
    """The Keras model of a .h5/.keras LoadedModel (loaded once)."""
    if model.keras_model is None:
        model.keras_model = load_keras(model.detection.graph_path or model.path, unsafe_deserialization)
    return model.keras_model


def load_keras(path: str, unsafe_deserialization: bool = False):
    """Load a Keras .keras or .h5 file for inference; InputError when it does not load."""
    tensorflow()  # quiet logs before Keras imports TensorFlow
    loader = _keras_loader(path)
    try:
        with captured_output():
            model = loader(path, unsafe_deserialization)
    except Exception as exc:  # noqa: BLE001 - Keras raises many types for one cause
        text = str(exc).strip()
        first = text.splitlines()[0].rstrip(".") if text else type(exc).__name__
        raise InputError(f"Keras could not load '{path}': {first}; if it uses custom "
                         "layers, save it as a SavedModel (model.export(dir)) and convert that.") from exc
    try:
        model.output
    except (AttributeError, ValueError):
        # A Sequential from a tf_keras .h5 read by Keras 3 is built but was
        # never called, so it has no symbolic outputs: call it on its inputs.
        import keras  # noqa: PLC0415

        inputs = model.inputs
        model = keras.Model(inputs, model(inputs[0] if len(inputs) == 1 else inputs))
    return model


def _keras_loader(path: str) -> Callable:
    import keras  # noqa: PLC0415

    # tf_keras only beside Keras 3: with Keras 2 (TF 2.15) the file's own Keras is
    # keras, and a process that mixes tf_keras and Keras 2.15 models can spin forever
    # in reconstruct_from_config (their registries clash).
    if keras.__version__.startswith("3.") and path.endswith((".h5", ".hdf5")) and _saved_by_keras2(path):
        try:
            import tf_keras  # noqa: PLC0415

            return lambda p, unsafe: tf_keras.models.load_model(p, compile=False, safe_mode=not unsafe)
        except ImportError:
            pass

    return lambda p, unsafe: keras.saving.load_model(p, compile=False, safe_mode=not unsafe)


def _saved_by_keras2(path: str) -> bool:
    import h5py  # noqa: PLC0415

    with h5py.File(path, "r") as f:
        version = f.attrs.get("keras_version", b"")
    version = version.decode() if isinstance(version, bytes) else str(version)
    return version.startswith("2.")
