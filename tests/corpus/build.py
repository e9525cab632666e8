"""The corpus's own models: keras.applications architectures exported the ways
users export them, each with what TensorFlow itself says about it.

`build(case, directory)` writes one `Case` into `directory`: the artifact, and
`oracle.json` + `reference.npz` made by TensorFlow at build time (input and
output names, dtypes and shapes as the Keras model / SavedModel signature /
frozen function / graph says; one fixed input and TensorFlow's outputs on it).
Weights are random (weights=None) under a fixed seed; inputs are small.
"""

from __future__ import annotations

import contextlib
import io
import json
import os

import numpy as np

SEED = 11
# name -> (keras.applications constructor, keyword arguments, image size)
ARCHITECTURES = {
    "mobilenet_v2": ("MobileNetV2", {"alpha": 0.35}, 96),
    "efficientnet_b0": ("EfficientNetB0", {}, 64),
    "densenet121": ("DenseNet121", {}, 32),
    "inception_v3": ("InceptionV3", {}, 75),
    "nasnet_mobile": ("NASNetMobile", {}, 32),
    "multi_output": (None, {}, 64),  # MobileNetV2 trunk, two named heads
}
# How each export is made (see the _export_* functions).
EXPORTS = ("keras", "h5", "saved_model_tf2", "keras_export", "frozen_tf2", "frozen_tf2_dynamic",
           "tf1_checkpoint", "tf1_saved_model")


def _tensor(name, dtype, shape) -> dict:
    return {"name": name, "dtype": str(dtype), "shape": [-1 if d is None else int(d) for d in shape]}


def _keras_model(keras, architecture: str):
    """The architecture with random weights, in Keras 3 or tf_keras (`keras`)."""
    keras.utils.set_random_seed(SEED)
    constructor, kwargs, size = ARCHITECTURES[architecture]
    if constructor is not None:
        return getattr(keras.applications, constructor)(
            weights=None, input_shape=(size, size, 3), classes=10, **kwargs)
    trunk = keras.applications.MobileNetV2(weights=None, include_top=False, alpha=0.35,
                                           input_shape=(size, size, 3), pooling="avg")
    probs = keras.layers.Dense(5, activation="softmax", name="probs")(trunk.output)
    embedding = keras.layers.Dense(16, name="embedding")(trunk.output)
    return keras.Model(trunk.input, {"probs": probs, "embedding": embedding}, name="two_heads")


def _input_value(shape) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    return rng.uniform(-1, 1, [1, *shape[1:]]).astype(np.float32)


def _keras_outputs(model) -> list[tuple[str, object]]:
    """(name, KerasTensor) in the order the model returns them."""
    if isinstance(model.output, dict):
        return sorted(model.output.items())
    return list(zip(model.output_names, model.outputs))


def _write(directory, path, inputs, outputs, feeds, results, **extra) -> dict:
    np.savez(os.path.join(directory, "reference.npz"),
             **{f"in:{k}": v for k, v in feeds.items()}, **{f"out:{k}": np.asarray(v) for k, v in results.items()})
    oracle = {"path": os.path.relpath(path, directory), "inputs": inputs, "outputs": outputs, **extra}
    with open(os.path.join(directory, "oracle.json"), "w") as f:
        json.dump(oracle, f, indent=1)
    return oracle


def _export_keras_file(tf, architecture, directory, suffix):
    import keras  # noqa: PLC0415

    model = _keras_model(keras, architecture)
    path = os.path.join(directory, f"{architecture}.{suffix}")
    model.save(path)
    x = _input_value(model.inputs[0].shape)
    name = model.layers[0].name
    results = model(x, training=False)
    named = _keras_outputs(model)
    results = results if isinstance(results, dict) else {named[0][0]: results}
    return _write(directory, path, [_tensor(name, "float32", model.inputs[0].shape)],
                  [_tensor(n, "float32", t.shape) for n, t in named], {name: x},
                  {n: results[n] for n, _ in named})


def _signature_oracle(tf, directory, path, loaded_signature, x) -> dict:
    """Names, dtypes, shapes and outputs as the SavedModel's serving signature says."""
    specs = loaded_signature.structured_input_signature[1]
    (key, spec), = specs.items()
    outputs = loaded_signature(**{key: tf.constant(x)})
    structured = loaded_signature.structured_outputs
    return _write(directory, path, [_tensor(key, spec.dtype.name, spec.shape)],
                  [_tensor(k, s.dtype.name, s.shape) for k, s in sorted(structured.items())],
                  {key: x}, {k: v.numpy() for k, v in outputs.items()})


def _export_saved_model(tf, architecture, directory, how):
    import keras  # noqa: PLC0415

    model = _keras_model(keras, architecture)
    path = os.path.join(directory, "saved_model")
    if how == "keras_export":
        with contextlib.redirect_stdout(io.StringIO()):  # export prints the signature
            model.export(path)  # Keras 3's own SavedModel export
    else:
        tf.saved_model.save(model, path)  # the TF2 way (issue 10, item 9 for Keras 3 models)
    loaded = tf.saved_model.load(path)
    return _signature_oracle(tf, directory, path, loaded.signatures["serving_default"],
                             _input_value(model.inputs[0].shape))


def _export_frozen_tf2(tf, architecture, directory, dynamic: bool):
    """convert_variables_to_constants_v2 on a tf.function: how most frozen graphs are made today."""
    import keras  # noqa: PLC0415
    from tensorflow.python.framework.convert_to_constants import (  # noqa: PLC0415
        convert_variables_to_constants_v2,
    )

    model = _keras_model(keras, architecture)
    shape = [None if dynamic else 1, *model.inputs[0].shape[1:]]
    function = tf.function(lambda images: model(images, training=False))
    frozen = convert_variables_to_constants_v2(
        function.get_concrete_function(tf.TensorSpec(shape, tf.float32, name="images")))
    path = os.path.join(directory, "frozen.pb")
    tf.io.write_graph(frozen.graph.as_graph_def(), directory, "frozen.pb", as_text=False)
    x = _input_value(shape)
    values = frozen(tf.constant(x))
    names = [t.name.split(":")[0] for t in frozen.outputs]
    values = values if isinstance(values, (list, tuple)) else [values]
    return _write(directory, path, [_tensor(frozen.inputs[0].name.split(":")[0], "float32", shape)],
                  [_tensor(n, "float32", t.shape) for n, t in zip(names, frozen.outputs)],
                  {"images": x}, {n: v.numpy() for n, v in zip(names, values)})


def _tf1_graph(tf, architecture, session, batch):
    """tf_keras in a tf.compat.v1 Graph: a Placeholder "images" and the model's output tensor."""
    import tf_keras  # noqa: PLC0415

    constructor, kwargs, size = ARCHITECTURES[architecture]
    images = tf.compat.v1.placeholder(tf.float32, [batch, size, size, 3], name="images")
    tf.compat.v1.set_random_seed(SEED)
    model = getattr(tf_keras.applications, constructor)(
        weights=None, input_tensor=images, classes=10, **kwargs)
    probs = tf.identity(model.output, name="probs")
    session.run(tf.compat.v1.global_variables_initializer())
    return images, probs


def _export_tf1(tf, architecture, directory, how):
    """A tf.compat.v1 graph saved with tf.train.Saver (+ graph.pbtxt), or with SavedModelBuilder."""
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        batch = 1 if how == "tf1_checkpoint" else None
        images, probs = _tf1_graph(tf, architecture, session, batch)
        x = _input_value(images.shape.as_list())
        y = session.run(probs, {images: x})
        if how == "tf1_checkpoint":
            # relative paths in the `checkpoint` state file: the directory is renamed into the cache
            saver = tf.compat.v1.train.Saver(save_relative_paths=True)
            saver.save(session, os.path.join(directory, "model.ckpt"), global_step=1)
            tf.io.write_graph(graph.as_graph_def(), directory, "graph.pbtxt", as_text=True)
            path, names = directory, ("images", "probs")
        else:
            path = os.path.join(directory, "saved_model")
            builder = tf.compat.v1.saved_model.Builder(path)
            signature = tf.compat.v1.saved_model.predict_signature_def({"images": images}, {"probs": probs})
            builder.add_meta_graph_and_variables(session, ["serve"],
                                                 signature_def_map={"serving_default": signature})
            builder.save()
            names = ("images", "probs")
    return _write(directory, path, [_tensor(names[0], "float32", images.shape.as_list())],
                  [_tensor(names[1], "float32", probs.shape.as_list())], {"images": x}, {"probs": y})


def build(architecture: str, export: str, directory: str) -> dict:
    """Write `architecture` exported as `export` into `directory`; returns its oracle."""
    from tflite_tools.core.lazy_tf import tensorflow  # noqa: PLC0415

    tf = tensorflow()
    if export in ("keras", "h5"):
        return _export_keras_file(tf, architecture, directory, export)
    if export in ("saved_model_tf2", "keras_export"):
        return _export_saved_model(tf, architecture, directory, export)
    if export.startswith("frozen_tf2"):
        return _export_frozen_tf2(tf, architecture, directory, dynamic=export.endswith("dynamic"))
    return _export_tf1(tf, architecture, directory, export)
