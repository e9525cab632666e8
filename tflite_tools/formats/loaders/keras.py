"""Loader for Keras files: HDF5 (.h5) and Keras 3 zip (.keras).

Only the model config is read (h5py for the `model_config` attribute,
zipfile for config.json); Keras and TensorFlow are not imported.
"""

from __future__ import annotations

import json
import zipfile

from tflite_tools.errors import InputError
from tflite_tools.model import LoadedModel
from tflite_tools.proto import summary_pb2


def load(found, path: str) -> LoadedModel:
    detection = found.detection
    reader = _h5_config if detection.format == summary_pb2.KERAS_H5 else _zip_config
    return LoadedModel(path=path, detection=detection, keras_config=reader(detection.graph_path))


def _h5_config(path: str) -> dict:
    import h5py  # noqa: PLC0415 (only Keras files need it)

    try:
        with h5py.File(path, "r") as f:
            raw = f.attrs.get("model_config")
    except OSError as exc:
        raise InputError(f"'{path}' cannot be opened as HDF5 ({exc}); it may be truncated: save or "
                         "copy it again.") from exc
    if raw is None:
        raise InputError(f"'{path}' is an HDF5 file without a model_config attribute (weights only?); "
                         "save the whole model with model.save('model.h5').")
    return _json(raw.decode("utf-8") if isinstance(raw, bytes) else raw, path)


def _zip_config(path: str) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read("config.json").decode("utf-8")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise InputError(f"'{path}' has no readable config.json ({exc}); save the model again with "
                         "model.save('model.keras').") from exc
    return _json(raw, path)


def _json(text: str, path: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the model config in '{path}' is not valid JSON ({exc}); save the model "
                         "again.") from exc
