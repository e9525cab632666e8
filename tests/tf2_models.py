"""Models exported the ways TF2 users export them, for the tests that check
tflite-tools against TensorFlow's own view of them.

    build_tf2_frozen(directory, kind) -> Tf2Frozen   # convert_variables_to_constants_v2
    build_keras3_saved_model(directory) -> str       # tf.saved_model.save of a Keras 3 model
"""

from __future__ import annotations

import dataclasses
import os

from tflite_tools.core.lazy_tf import tensorflow

SEED = 7


@dataclasses.dataclass(frozen=True)
class Tf2Frozen:
    """A frozen graph and the oracle: the frozen concrete function's own
    input/output tensors as (node name, dtype name, shape)."""

    path: str
    inputs: tuple
    outputs: tuple


def _keras():
    tensorflow()  # quiet logging before Keras imports TensorFlow
    import keras

    keras.utils.set_random_seed(SEED)
    return keras


def _mobilenet_v2(keras):
    """keras.applications.MobileNetV2, untrained, at 32x32 and width 0.35 (fast)."""
    return keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None)


def _two_heads(keras):
    """A small CNN with two named outputs (class probabilities and a box)."""
    image = keras.Input((16, 16, 3), name="image")
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(image)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    probs = keras.layers.Dense(5, activation="softmax", name="probs")(x)
    box = keras.layers.Dense(4, name="box")(x)
    return keras.Model(image, {"probs": probs, "box": box}, name="two_heads")


MODELS = {"mobilenet_v2": (_mobilenet_v2, (1, 32, 32, 3)), "two_heads": (_two_heads, (1, 16, 16, 3))}


def build_tf2_frozen(directory: str, kind: str) -> Tf2Frozen:
    """MODELS[kind] frozen the usual TF2 way: a tf.function's concrete function
    through convert_variables_to_constants_v2, written as <kind>.pb."""
    tf = tensorflow()
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    build, shape = MODELS[kind]
    model = build(_keras())
    spec = tf.TensorSpec(shape, tf.float32, name="input")
    frozen = convert_variables_to_constants_v2(
        tf.function(lambda x: model(x, training=False)).get_concrete_function(spec))
    path = os.path.join(directory, kind + ".pb")
    with open(path, "wb") as f:
        f.write(frozen.graph.as_graph_def().SerializeToString())

    def described(tensors):
        return tuple((t.name.split(":")[0], t.dtype.name, tuple(t.shape.as_list())) for t in tensors)

    return Tf2Frozen(path, described(frozen.inputs), described(frozen.outputs))


def build_keras3_saved_model(directory: str) -> str:
    """A Keras 3 conv + batch norm + dense model saved with tf.saved_model.save:
    TF's from_saved_model leaves its weights as VAR_HANDLE/READ_VARIABLE ops."""
    keras = _keras()
    image = keras.Input((8, 8, 3), name="image")
    x = keras.layers.Conv2D(4, 3, name="conv")(image)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(image, keras.layers.Dense(3, activation="softmax", name="probs")(x))
    path = os.path.join(directory, "keras3_saved_model")
    tensorflow().saved_model.save(model, path)
    return path
