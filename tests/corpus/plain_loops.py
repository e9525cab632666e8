"""Plain timing loops, the oracle of benchmark's numbers, and the
TensorFlow-side check run in a process of its own.

    python tests/corpus/plain_loops.py KIND PATH ORACLE_JSON

prints (last line, JSON) benchmark's TensorFlow p50 over the plain loop's, for
3 rounds. A fresh process times what a user's does: in the test process, after
hundreds of models, calling a loaded signature costs up to 1.7x more than the
graph's run.

The plain loop runs interleaved with the tool's timed runs (`Interleaved`):
this machine's speed drifts up to 2x within seconds, so loops timed one after
the other disagree by that much while interleaved ones agree within 10%.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np


def keras_that_wrote(path: str):
    """tf_keras for an .h5 whose keras_version attribute says Keras 2 wrote it
    (fer's), else Keras 3: the model a user of that file runs."""
    if path.endswith((".h5", ".hdf5")):
        import h5py

        with h5py.File(path, "r") as f:
            version = f.attrs.get("keras_version", b"")
        if (version.decode() if isinstance(version, bytes) else str(version)).startswith("2."):
            import tf_keras

            return tf_keras
    import keras

    return keras


def plain_tf_loop(kind: str, path: str, oracle: dict, value: np.ndarray):
    """The model timed the plain TensorFlow way, as a graph: a concrete
    function, a signature, or a Session over the graph."""
    import tensorflow as tf

    if kind in ("keras", "h5", ".hdf5"):
        model = keras_that_wrote(path).models.load_model(path, compile=False)
        function = tf.function(lambda x: model(x, training=False)).get_concrete_function(
            tf.TensorSpec(value.shape, tf.float32))
        x = tf.constant(value)
        return lambda: function(x)
    if kind in ("saved_model_tf2", "keras_export", "tf1_saved_model", "nmp"):
        loaded = tf.saved_model.load(path)
        signature = loaded.signatures["serving_default"]
        key = oracle["inputs"][0]["name"]
        x = tf.constant(value)
        return lambda: (loaded, signature(**{key: x}))
    outputs = [o["name"] for o in oracle["outputs"]]
    if kind == "tf1_checkpoint":  # frozen by TensorFlow's own graph_util, as TF's tool needs
        with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as session:
            prefix = tf.train.latest_checkpoint(path)
            tf.compat.v1.train.import_meta_graph(prefix + ".meta").restore(session, prefix)
            graph_def = tf.compat.v1.graph_util.convert_variables_to_constants(
                session, graph.as_graph_def(), outputs)
    else:
        with open(path, "rb") as f:
            graph_def = tf.compat.v1.GraphDef.FromString(f.read())
    graph = tf.Graph()
    session = tf.compat.v1.Session(graph=graph)
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    run = session.make_callable([name + ":0" for name in outputs], [oracle["inputs"][0]["name"] + ":0"])
    return lambda: run(value)


def plain_tflite_loop(path: str):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in interpreter.get_input_details():
        interpreter.set_tensor(d["index"], rng.uniform(-0.5, 0.5, d["shape"]).astype(d["dtype"]))
    return interpreter.invoke


class Interleaved:
    """benchmark's progress callback that runs a plain loop once after each of
    the tool's timed runs; the k-th plain loop goes with the k-th timed phase
    (side by side: TensorFlow's, then the interpreter's)."""

    def __init__(self, *invokes):
        self.invokes = invokes
        self.samples: list[list[float]] = []

    def __call__(self, phase: str, runs: int, seconds: float) -> None:
        if phase != "inference":
            return
        if runs == 1:
            self.samples.append([])
        invoke = self.invokes[len(self.samples) - 1]
        begin = time.perf_counter_ns()
        invoke()
        self.samples[-1].append((time.perf_counter_ns() - begin) / 1e3)

    def medians(self) -> list[float]:
        return [statistics.median(samples) for samples in self.samples]


def benchmark_ratios(path: str, invoke, rounds: int = 3, **flags) -> list[float]:
    """benchmark's p50 of `path` (run with `flags`) over the interleaved plain
    loop's, per round (each round loads the model again, as a user's run does)."""
    from tflite_tools.benchmark.side_by_side import benchmark

    ratios = []
    for _ in range(rounds):
        plain = Interleaved(invoke)
        tool = benchmark(path, progress=plain, **flags).runs[0].inference.p50
        ratios.append(tool / plain.medians()[0])
    return ratios


def tf_side_ratios(kind: str, path: str, oracle: dict) -> list[float]:
    """benchmark_ratios of the model's TensorFlow side against a plain graph-mode loop."""
    shape = [1 if d < 0 else d for d in oracle["inputs"][0]["shape"]]
    invoke = plain_tf_loop(kind, path, oracle, np.zeros(shape, np.float32))
    invoke()  # traces the function, as the tool's warm-up runs do
    return benchmark_ratios(path, invoke, max_num_runs=30)


if __name__ == "__main__":
    print(json.dumps(tf_side_ratios(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))))
