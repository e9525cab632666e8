"""Run a TensorFlow source with any of its intermediate tensors fetched.

`open_graph(model, inputs)` returns an `IntermediateGraph`: the GraphDef the
intermediate tensors live in and a `run(feeds, fetches)` that feeds the
source inputs (keyed by SourceTensor name, as `tf_runner` names them) and
fetches graph tensors by name ("conv/Relu:0").

  * graphs, checkpoints, MetaGraphs (and TF1 SavedModels named by tensors):
    the Session `tf_runner` restores, fetched by node name;
  * SavedModels: the signature's concrete function, its variables folded
    into constants (as the TFLite converter does before converting), run
    in a Session;
  * Keras: the model traced in a graph at the sample shapes, its variables
    captured. The converter traces the same layers, so the node names
    ("functional_1/conv1_1/convolution") are the ones it writes into the
    .tflite's tensor names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.formats.saved_model import SERVING_SIGNATURE
from tflite_tools.model import LoadedModel
from tflite_tools.runners import tf_runner


@dataclasses.dataclass
class IntermediateGraph:
    """`graph_def` holds every node a fetch may name; `fetch` runs them."""

    graph_def: object
    graph: object  # the tf.Graph the tensors live in
    feeds: dict  # source input name -> graph tensor name
    outputs: list  # graph tensor names of the source outputs, in the runner's order
    _run: Callable[[dict, list], list]  # ({tensor name: value}, [tensor names]) -> values
    _close: Callable[[], None]

    def fetch(self, samples: list, fetches: list) -> tuple[dict, dict]:
        """tensor name -> its values over all samples (stacked on a new
        leading axis) for the fetches TensorFlow can run; and fetch -> why
        not for the others (not in the graph, inside a loop body, ...)."""
        tf = tensorflow()
        failed = {}
        for name in fetches:
            try:
                self.graph.get_tensor_by_name(name)
            except (KeyError, ValueError) as exc:
                failed[name] = str(exc).splitlines()[0]
        names = [name for name in fetches if name not in failed]
        values = {name: [] for name in names}
        for sample in samples:
            feeds = {self.feeds[name]: value for name, value in sample.items()}
            try:
                results = dict(zip(names, self._run(feeds, names)))
            except (tf.errors.OpError, ValueError):  # one bad fetch fails them all: fetch each alone
                results = {}
                for name in names:
                    try:
                        results[name] = self._run(feeds, [name])[0]
                    except (tf.errors.OpError, ValueError) as exc:
                        failed[name] = (getattr(exc, "message", None) or str(exc)).splitlines()[0]
            for name, value in results.items():
                values[name].append(np.asarray(value))
        return {name: np.stack(v) for name, v in values.items() if v and name not in failed}, failed

    def close(self) -> None:
        self._close()


def open_graph(model: LoadedModel, runner: tf_runner.SourceRunner, samples: list, *,
               signature_key: str | None = None, saved_model_tags=None) -> IntermediateGraph:
    """The source as a graph whose intermediate tensors can be fetched.

    `runner` is the source runner verify made (its inputs/outputs name what
    is fed and compared); `samples` give Keras models their traced shapes.
    """
    tf = tensorflow()
    if runner.kind == "graph":
        graph, session = tf_runner.graph_session(model, saved_model_tags)
        return IntermediateGraph(graph.as_graph_def(), graph, {t.name: t.tensor_name for t in runner.inputs},
                                 [t.tensor_name for t in runner.outputs], _session_run(session), session.close)
    if runner.kind == "saved_model":
        loaded = tf.saved_model.load(model.saved_model_dir, tags=list(saved_model_tags or model.detection.tags)
                                     or None)
        keys = list(loaded.signatures.keys())
        key = signature_key or (SERVING_SIGNATURE if SERVING_SIGNATURE in keys or len(keys) != 1 else keys[0])
        function = loaded.signatures[key]
        input_names = sorted(function.structured_input_signature[1])
        output_names = sorted(function.structured_outputs)
        return _frozen(tf, function, input_names, output_names, runner)
    return _keras_graph(tf, runner, samples)


def _session_run(session) -> Callable:
    return lambda feeds, fetches: session.run(fetches, feeds)


def _keras_graph(tf, runner, samples) -> IntermediateGraph:
    """The runner's Keras model traced in a graph (tf.compat.v1.wrap_function)
    at the first sample's shapes, its variables captured, not folded: each
    fetch set runs as the pruned function computing it."""
    keras_model = runner.keras_model
    structure = keras_model.input
    names = [t.name for t in runner.inputs]

    def call(*args):
        if isinstance(structure, dict):
            by_name = dict(zip(names, args))
            packed = {key: by_name[tf_runner.keras_name(t)] for key, t in structure.items()}
        elif isinstance(structure, (list, tuple)):
            packed = list(args)
        else:
            packed = args[0]
        result = keras_model(packed, training=False)
        if isinstance(result, dict):
            return [result[key] for key in sorted(result)]  # the runner's order
        return list(result) if isinstance(result, (list, tuple)) else [result]

    specs = [tf.TensorSpec(np.shape(samples[0][t.name]), t.dtype, name=t.name) for t in runner.inputs]
    wrapped = tf.compat.v1.wrap_function(call, specs)
    graph = wrapped.graph
    feeds = [t.name for t in wrapped.inputs[:len(specs)]]
    pruned = {}

    def run(values: dict, fetches: list) -> list:
        key = tuple(fetches)
        if key not in pruned:
            pruned[key] = wrapped.prune(feeds=[graph.get_tensor_by_name(n) for n in feeds],
                                        fetches=[graph.get_tensor_by_name(n) for n in fetches])
        return [v.numpy() for v in pruned[key](*(tf.constant(values[n]) for n in feeds))]

    return IntermediateGraph(graph.as_graph_def(), graph, dict(zip(names, feeds)),
                             [t.name for t in wrapped.outputs], run, pruned.clear)


def _frozen(tf, function, input_names, output_names, runner) -> IntermediateGraph:
    """`function` with its variables as constants, imported into a Session."""
    from tensorflow.python.framework.convert_to_constants import (  # noqa: PLC0415 (TF, lazy)
        convert_variables_to_constants_v2,
    )

    frozen = convert_variables_to_constants_v2(function)
    graph_def = frozen.graph.as_graph_def()
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    session = tf.compat.v1.Session(graph=graph)
    feeds = dict(zip(input_names, (t.name for t in frozen.inputs)))
    # Signature outputs flatten in sorted key order.
    by_key = dict(zip(output_names, (t.name for t in frozen.outputs)))
    return IntermediateGraph(graph_def, graph, feeds, [by_key[t.name] for t in runner.outputs],
                             _session_run(session), session.close)
