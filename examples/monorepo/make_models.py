"""Write the example workspace's small TensorFlow models into models/.

One model of each kind the BUILD file converts: a frozen GraphDef, an
unfrozen graph with its Saver checkpoint, a TF2 SavedModel and a Keras .h5,
plus calibration inputs for int8 and a graph that needs select TF ops
(failures/BUILD). Weights come from fixed seeds, so every run
writes the same models (byte for byte where the format allows). Existing
models are kept unless --force is given: rewriting a SavedModel changes its
bytes and would make Bazel convert everything again.

    .venv/bin/python examples/monorepo/make_models.py [--force]
"""

from __future__ import annotations

import argparse
import os
import shutil

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
FEATURES, HIDDEN, CLASSES = 8, 16, 3


def _weights(seed: int):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((FEATURES, HIDDEN)).astype(np.float32) * 0.5,
            rng.standard_normal((HIDDEN, CLASSES)).astype(np.float32) * 0.5)


def _mlp_graph(tf, w1, w2, variables: bool):
    """x[1,8] -> dense+relu -> dense -> softmax `probs`, in a tf.compat.v1 graph."""
    make = tf.compat.v1.Variable if variables else tf.constant
    x = tf.compat.v1.placeholder(tf.float32, [1, FEATURES], name="x")
    hidden = tf.nn.relu(tf.matmul(x, make(w1, name="w1")))
    tf.nn.softmax(tf.matmul(hidden, make(w2, name="w2")), name="probs")


def write_frozen_graph(tf, directory: str) -> None:
    w1, w2 = _weights(1)
    graph = tf.Graph()
    with graph.as_default():
        _mlp_graph(tf, w1, w2, variables=False)
    tf.io.write_graph(graph.as_graph_def(), directory, "mlp.pb", as_text=False)
    rng = np.random.default_rng(7)
    np.savez(os.path.join(directory, "calibration.npz"),
             x=rng.random((8, 1, FEATURES), dtype=np.float32))


def write_select_ops_graph(tf, directory: str) -> None:
    """A frozen graph with Cumprod, which TFLite has only as a select TF op."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 4], name="x")
        tf.identity(tf.math.cumprod(x * 0.5 + 1.0, axis=1), name="y")
    tf.io.write_graph(graph.as_graph_def(), directory, "cumprod.pb", as_text=False)


def write_checkpoint_graph(tf, directory: str) -> None:
    w1, w2 = _weights(2)
    graph = tf.Graph()
    with graph.as_default():
        _mlp_graph(tf, w1, w2, variables=True)
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, os.path.join(directory, "model.ckpt"),
                       write_meta_graph=False, write_state=False)
    tf.io.write_graph(graph.as_graph_def(), directory, "graph.pbtxt", as_text=True)


def write_saved_model(tf, directory: str) -> None:
    w1, w2 = _weights(3)

    class Classifier(tf.Module):
        def __init__(self):
            super().__init__()
            self.w1, self.w2 = tf.Variable(w1), tf.Variable(w2)

        @tf.function(input_signature=[tf.TensorSpec([1, FEATURES], tf.float32, name="x")])
        def serve(self, x):
            return {"probs": tf.nn.softmax(tf.matmul(tf.nn.relu(tf.matmul(x, self.w1)), self.w2))}

    module = Classifier()
    tf.saved_model.save(module, directory, signatures={"serving_default": module.serve})


def write_keras(directory: str) -> None:
    import warnings

    import tf_keras as keras

    warnings.filterwarnings("ignore", message="You are saving your model as an HDF5 file")
    w1, w2 = _weights(4)
    x = keras.Input((FEATURES,), batch_size=1, name="x")
    hidden = keras.layers.Dense(HIDDEN, activation="relu", use_bias=False)
    output = keras.layers.Dense(CLASSES, activation="softmax", use_bias=False)
    model = keras.Model(x, output(hidden(x)))
    hidden.set_weights([w1])
    output.set_weights([w2])
    model.save(os.path.join(directory, "classifier.h5"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rewrite models that exist")
    args = parser.parse_args(argv)
    from tflite_tools.core.lazy_tf import tensorflow

    writers = {
        "frozen": write_frozen_graph,
        "checkpoint": write_checkpoint_graph,
        "saved_model": write_saved_model,
        "keras": lambda _tf, directory: write_keras(directory),
        "select_ops": write_select_ops_graph,
    }
    tf = None
    for kind, write in writers.items():
        directory = os.path.join(MODELS, kind)
        if os.path.isdir(directory) and not args.force:
            continue
        tf = tf or tensorflow()
        staging = directory + ".partial"
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        write(tf, staging)
        shutil.rmtree(directory, ignore_errors=True)
        os.rename(staging, directory)  # a half-written model never looks complete
        print(f"wrote {os.path.relpath(directory)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
