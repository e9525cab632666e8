"""Small real TensorFlow artifacts of every kind tflite-tools reads.

Each `build_*(directory)` writes one artifact into `directory` with real
TensorFlow (fixed seeds, tf.compat.v1 for TF1 artifacts) and returns an
`Artifact` saying where it is and what a correct tool should find in it.
`tests/conftest.py` builds each once per test session; tests use the
fixtures, never these functions directly, unless they need a private copy.

Expected tensors use tflite-tools' conventions: dtype names as TensorFlow
spells them (float32, int32, ...), -1 for an unknown dimension; for
SavedModels and Keras files `name` is the signature key / layer name.
"""

from __future__ import annotations

import dataclasses
import os
import warnings

import numpy as np

from tflite_tools.core.lazy_tf import tensorflow

SEED = 7
# The small CNN shared by frozen_graph, checkpoint_graph and tflite_model.
CNN_INPUT_SHAPE = (1, 8, 8, 3)
CNN_CLASSES = 5
CHECKPOINT_STEP = 100


@dataclasses.dataclass(frozen=True)
class Tensor:
    """An expected input or output."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    op: str = ""


@dataclasses.dataclass(frozen=True)
class Artifact:
    """One built artifact.

    Attributes:
      kind: the fixture name (frozen_graph, checkpoint_graph, ...).
      path: what a user would pass on the command line.
      directory: the directory holding all its files.
      format: the expected `summary_pb2.ModelFormat` name for `path`.
      inputs, outputs: what inspect should report.
      files: role -> path of every file written (pb, pbtxt, meta, index,
        data, checkpoint_state, prefix, ...).
      variables: variable name -> shape, for artifacts with variables.
    """

    kind: str
    path: str
    directory: str
    format: str
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    files: dict = dataclasses.field(default_factory=dict)
    variables: dict = dataclasses.field(default_factory=dict)

    @property
    def input_names(self) -> list[str]:
        return [t.name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [t.name for t in self.outputs]


def _write_graph(graph_def, directory: str, stem: str) -> dict:
    """Write `graph_def` as <stem>.pb (binary) and <stem>.pbtxt (text)."""
    from google.protobuf import text_format

    pb = os.path.join(directory, stem + ".pb")
    pbtxt = os.path.join(directory, stem + ".pbtxt")
    with open(pb, "wb") as f:
        f.write(graph_def.SerializeToString())
    with open(pbtxt, "w") as f:
        f.write(text_format.MessageToString(graph_def))
    return {"pb": pb, "pbtxt": pbtxt}


def _cnn(tf, images, weights):
    """conv 3x3x3x4 -> bias -> relu -> flatten -> dense -> softmax "output".

    `weights` maps conv/kernel, conv/bias, dense/kernel, dense/bias to
    tensors (variables or constants), so the frozen and checkpoint graphs
    compute the same function.
    """
    conv = tf.nn.conv2d(images, weights["conv/kernel"], strides=1, padding="SAME", name="conv/Conv2D")
    conv = tf.nn.bias_add(conv, weights["conv/bias"], name="conv/BiasAdd")
    relu = tf.nn.relu(conv, name="conv/Relu")
    flat = tf.reshape(relu, [-1, 8 * 8 * 4], name="flatten/Reshape")
    logits = tf.nn.bias_add(tf.matmul(flat, weights["dense/kernel"], name="dense/MatMul"),
                            weights["dense/bias"], name="dense/BiasAdd")
    return tf.nn.softmax(logits, name="output")


CNN_SHAPES = {
    "conv/kernel": (3, 3, 3, 4),
    "conv/bias": (4,),
    "dense/kernel": (8 * 8 * 4, CNN_CLASSES),
    "dense/bias": (CNN_CLASSES,),
}
CNN_INPUTS = (Tensor("input", "float32", CNN_INPUT_SHAPE, "Placeholder"),)
CNN_OUTPUTS = (Tensor("output", "float32", (1, CNN_CLASSES), "Softmax"),)


def _cnn_values() -> dict:
    rng = np.random.default_rng(SEED)
    return {name: rng.normal(0, 0.3, shape).astype(np.float32) for name, shape in CNN_SHAPES.items()}


def build_checkpoint_graph(directory: str) -> Artifact:
    """The CNN with VariableV2 variables, saved the way slim/MobileNet training does.

    Writes model.ckpt-100.{index,data-00000-of-00001,meta}, the `checkpoint`
    state file, and the (unfrozen) GraphDef as graph.pb and graph.pbtxt.
    """
    tf = tensorflow()
    values = _cnn_values()
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, CNN_INPUT_SHAPE, name="input")
        weights = {
            name: tf.compat.v1.get_variable(
                name, initializer=tf.constant_initializer(values[name]), shape=CNN_SHAPES[name],
                dtype=tf.float32, use_resource=False)
            for name in CNN_SHAPES
        }
        _cnn(tf, images, weights)
        tf.compat.v1.train.get_or_create_global_step()
        init = tf.compat.v1.global_variables_initializer()
        saver = tf.compat.v1.train.Saver(write_version=tf.compat.v1.train.SaverDef.V2)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(init)
            prefix = saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=CHECKPOINT_STEP)
        files = _write_graph(graph.as_graph_def(), directory, "graph")
    files.update(
        prefix=prefix,
        index=prefix + ".index",
        data=prefix + ".data-00000-of-00001",
        meta=prefix + ".meta",
        checkpoint_state=os.path.join(directory, "checkpoint"),
    )
    variables = dict(CNN_SHAPES, global_step=())
    return Artifact("checkpoint_graph", directory, directory, "CHECKPOINT", CNN_INPUTS, CNN_OUTPUTS,
                    files, variables)


def build_frozen_graph(directory: str) -> Artifact:
    """The CNN with its weights as Const nodes: graph.pb and graph.pbtxt."""
    tf = tensorflow()
    values = _cnn_values()
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, CNN_INPUT_SHAPE, name="input")
        _cnn(tf, images, {name: tf.constant(value, name=name) for name, value in values.items()})
    files = _write_graph(graph.as_graph_def(), directory, "frozen")
    return Artifact("frozen_graph", files["pb"], directory, "FROZEN_GRAPH", CNN_INPUTS, CNN_OUTPUTS,
                    files)


def build_tflite_model(directory: str, frozen: Artifact) -> Artifact:
    """The frozen CNN converted by tf.lite's frozen-graph converter."""
    tf = tensorflow()
    converter = tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(
        frozen.files["pb"], frozen.input_names, frozen.output_names)
    path = os.path.join(directory, "model.tflite")
    with open(path, "wb") as f:
        f.write(converter.convert())
    return Artifact("tflite_model", path, directory, "TFLITE", (Tensor("input", "float32", CNN_INPUT_SHAPE),),
                    (Tensor("output", "float32", (1, CNN_CLASSES), "SOFTMAX"),), {"tflite": path})


def build_saved_model_tf1(directory: str) -> Artifact:
    """A TF1 SavedModel (SavedModelBuilder, tag "serve") with a
    `serving_default` signature x:[-1,4] float32 -> y:[-1,3] float32."""
    tf = tensorflow()
    export_dir = os.path.join(directory, "saved_model_tf1")
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(SEED)
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
        w = tf.compat.v1.get_variable("dense/kernel", [4, 3], use_resource=False)
        b = tf.compat.v1.get_variable("dense/bias", [3], initializer=tf.zeros_initializer(),
                                      use_resource=False)
        y = tf.nn.softmax(tf.matmul(x, w) + b, name="y")
        signature = tf.compat.v1.saved_model.predict_signature_def({"x": x}, {"y": y})
        builder = tf.compat.v1.saved_model.Builder(export_dir)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            builder.add_meta_graph_and_variables(
                sess, [tf.compat.v1.saved_model.tag_constants.SERVING],
                signature_def_map={"serving_default": signature})
            builder.save()
    return Artifact(
        "saved_model_tf1", export_dir, export_dir, "SAVED_MODEL_TF1",
        (Tensor("x", "float32", (-1, 4)),), (Tensor("y", "float32", (-1, 3)),),
        {"saved_model_pb": os.path.join(export_dir, "saved_model.pb")},
        {"dense/kernel": (4, 3), "dense/bias": (3,)})


def build_saved_model_tf2(directory: str) -> Artifact:
    """A TF2 SavedModel (tf.Module + tf.function) with a `serving_default`
    signature x:[-1,4] float32 -> y:[-1,3] float32."""
    tf = tensorflow()
    export_dir = os.path.join(directory, "saved_model_tf2")
    rng = np.random.default_rng(SEED)

    class Dense(tf.Module):
        def __init__(self):
            super().__init__(name="dense")
            self.kernel = tf.Variable(rng.normal(0, 0.5, (4, 3)).astype(np.float32), name="kernel")
            self.bias = tf.Variable(np.zeros(3, np.float32), name="bias")

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
        def serve(self, x):
            return {"y": tf.nn.softmax(tf.matmul(x, self.kernel) + self.bias)}

    module = Dense()
    tf.saved_model.save(module, export_dir, signatures={"serving_default": module.serve})
    return Artifact(
        "saved_model_tf2", export_dir, export_dir, "SAVED_MODEL_TF2",
        (Tensor("x", "float32", (-1, 4)),), (Tensor("y", "float32", (-1, 3)),),
        {"saved_model_pb": os.path.join(export_dir, "saved_model.pb")},
        {"kernel": (4, 3), "bias": (3,)})


def _keras_model():
    tensorflow()  # quiet logging before Keras imports TensorFlow
    import keras

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input(shape=(4,), name="features")
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="probs")(hidden)
    return keras.Model(inputs, outputs, name="small_mlp")


KERAS_INPUTS = (Tensor("features", "float32", (-1, 4)),)
KERAS_OUTPUTS = (Tensor("probs", "float32", (-1, 3)),)
KERAS_VARIABLES = {"hidden/kernel": (4, 8), "hidden/bias": (8,), "probs/kernel": (8, 3), "probs/bias": (3,)}


def build_keras_files(directory: str) -> tuple[Artifact, Artifact]:
    """The same Keras 3 model saved as model.h5 and model.keras."""
    model = _keras_model()
    h5 = os.path.join(directory, "model.h5")
    v3 = os.path.join(directory, "model.keras")
    with warnings.catch_warnings():  # Keras' own numpy-2 and "legacy HDF5" warnings
        warnings.simplefilter("ignore")
        model.save(h5)
        model.save(v3)
    return (
        Artifact("keras_h5", h5, directory, "KERAS_H5", KERAS_INPUTS, KERAS_OUTPUTS, {"h5": h5},
                 KERAS_VARIABLES),
        Artifact("keras_v3", v3, directory, "KERAS_V3", KERAS_INPUTS, KERAS_OUTPUTS, {"keras": v3},
                 KERAS_VARIABLES),
    )


SLIM_BATCH = 2


def build_slim_dataset_graph(directory: str) -> Artifact:
    """A slim-style training graph + checkpoint fed by a tf.data iterator.

    No Placeholder: images and labels come from IteratorGetNext
    (outputs 0: float32 [2,8,8,3], 1: int64 [2]); resource variables
    (VarHandleOp), a GradientDescent train op, a Saver. Writes graph.pbtxt
    (as slim's train_dir does), model.ckpt-1.* and `checkpoint`.
    """
    tf = tensorflow()
    rng = np.random.default_rng(SEED)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(SEED)
        images = rng.random((6, 8, 8, 3)).astype(np.float32)
        labels = rng.integers(0, CNN_CLASSES, 6).astype(np.int64)
        dataset = tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(
            SLIM_BATCH, drop_remainder=True)
        batch_images, batch_labels = tf.compat.v1.data.make_one_shot_iterator(dataset).get_next()
        with tf.compat.v1.variable_scope("MobilenetTiny"):
            weights = {
                name: tf.compat.v1.get_variable(name, shape, use_resource=True)
                for name, shape in CNN_SHAPES.items()
            }
        conv = tf.nn.relu(tf.nn.conv2d(batch_images, weights["conv/kernel"], 1, "SAME") + weights["conv/bias"])
        logits = tf.matmul(tf.reshape(conv, [-1, 8 * 8 * 4]), weights["dense/kernel"]) + weights["dense/bias"]
        tf.nn.softmax(logits, name="predictions")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=batch_labels, logits=logits),
                              name="loss")
        tf.compat.v1.summary.scalar("loss", loss)
        global_step = tf.compat.v1.train.get_or_create_global_step()
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(
            loss, global_step=global_step, name="train_op")
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            sess.run(train_op)
            prefix = saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=1)
        graph_pbtxt = os.path.join(directory, "graph.pbtxt")
        tf.io.write_graph(graph.as_graph_def(), directory, "graph.pbtxt", as_text=True)
    return Artifact(
        "slim_dataset_graph", directory, directory, "CHECKPOINT", (),
        (Tensor("predictions", "float32", (SLIM_BATCH, CNN_CLASSES), "Softmax"),),
        {"pbtxt": graph_pbtxt, "prefix": prefix, "index": prefix + ".index", "meta": prefix + ".meta",
         "data": prefix + ".data-00000-of-00001",
         "checkpoint_state": os.path.join(directory, "checkpoint")},
        dict({f"MobilenetTiny/{name}": shape for name, shape in CNN_SHAPES.items()}, global_step=()))


def _frozen(directory: str, kind: str, build) -> dict:
    """Run `build(tf)` in a fresh graph and write it as <kind>.pb/.pbtxt."""
    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        build(tf)
    return _write_graph(graph.as_graph_def(), directory, kind)


def build_multi_io_graph(directory: str) -> Artifact:
    """Frozen: inputs image float32 [1,4] and ids int32 [1,4];
    outputs scores float32 [1,4] (Softmax) and total int32 [1] (Sum)."""
    def build(tf):
        image = tf.compat.v1.placeholder(tf.float32, [1, 4], name="image")
        ids = tf.compat.v1.placeholder(tf.int32, [1, 4], name="ids")
        tf.nn.softmax(image * 2.0 + tf.cast(ids, tf.float32), name="scores")
        tf.reduce_sum(ids, axis=1, name="total")

    files = _frozen(directory, "multi_io", build)
    return Artifact(
        "multi_io_graph", files["pb"], directory, "FROZEN_GRAPH",
        (Tensor("image", "float32", (1, 4), "Placeholder"), Tensor("ids", "int32", (1, 4), "Placeholder")),
        (Tensor("scores", "float32", (1, 4), "Softmax"), Tensor("total", "int32", (1,), "Sum")),
        files)


def build_dynamic_batch_graph(directory: str) -> Artifact:
    """Frozen: x float32 [-1,4] -> dense (Const weights) -> y float32 [-1,2]."""
    def build(tf):
        rng = np.random.default_rng(SEED)
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
        kernel = tf.constant(rng.normal(0, 0.5, (4, 2)).astype(np.float32), name="kernel")
        tf.identity(tf.nn.relu(tf.matmul(x, kernel)), name="y")

    files = _frozen(directory, "dynamic_batch", build)
    return Artifact(
        "dynamic_batch_graph", files["pb"], directory, "FROZEN_GRAPH",
        (Tensor("x", "float32", (-1, 4), "Placeholder"),), (Tensor("y", "float32", (-1, 2), "Identity"),),
        files)


# Checked with TF 2.21's converter: Cumprod is not a TFLite builtin but is
# a select TF op (converts with SELECT_TF_OPS; the plain LiteRT interpreter
# cannot run it without the Flex delegate). Erfinv and Digamma, by
# contrast, are neither (custom ops).
SELECT_TF_OP = "Cumprod"


def build_select_ops_graph(directory: str) -> Artifact:
    """Frozen: input float32 [1,4] -> Cumprod -> output; needs SELECT_TF_OPS."""
    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [1, 4], name="input")
        tf.identity(tf.math.cumprod(x * 0.5 + 1.0, axis=1), name="output")

    files = _frozen(directory, "select_ops", build)
    return Artifact(
        "select_ops_graph", files["pb"], directory, "FROZEN_GRAPH",
        (Tensor("input", "float32", (1, 4), "Placeholder"),), (Tensor("output", "float32", (1, 4), "Identity"),),
        files)


def build_flex_tflite(directory: str, select_ops: Artifact) -> str:
    """select_ops_graph converted with SELECT_TF_OPS by TF's own converter:
    a .tflite holding FlexCumprod, which LiteRT without Flex cannot run."""
    tf = tensorflow()
    converter = tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(
        select_ops.path, select_ops.input_names, select_ops.output_names)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    path = os.path.join(directory, "flex.tflite")
    with open(path, "wb") as f:
        f.write(converter.convert())
    return path


def hostile_mlp(keras, width: int, spread: float, rng):
    """features -> dense1 (relu; units 0 and 1 equal) -> hostile -> dense3
    (relu) -> logits (4), as a Keras model. hostile reads units 0 and 1 with
    weights 500.3 and -500, which cancel to 0.3 * u0 in float; int8 gives
    each of the two 127 steps and the small weights round away to zero."""
    inputs = keras.Input((width,), name="features")
    dense1 = keras.layers.Dense(width, activation="relu", name="dense1")
    hostile = keras.layers.Dense(width // 2, name="hostile")
    x = keras.layers.Dense(width // 2, activation="relu", name="dense3")(hostile(dense1(inputs)))
    model = keras.Model(inputs, keras.layers.Dense(4, name="logits")(x))
    kernel = rng.normal(0, spread, (width, width)).astype(np.float32)
    kernel[:, 1] = kernel[:, 0]
    dense1.set_weights([kernel, np.full(width, 0.1, np.float32)])
    kernel = rng.normal(0, 0.05, (width, width // 2)).astype(np.float32)
    kernel[0] += 500.3
    kernel[1] -= 500.0
    hostile.set_weights([kernel, np.zeros(width // 2, np.float32)])
    return model
