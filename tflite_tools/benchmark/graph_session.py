"""The Session TF's benchmark_model runs a graph in (`GraphSession`), the
graph-mode function a SavedModel or Keras model is timed as (`GraphFunction`,
frozen into a GraphSession for the with-stats phase), and the line of a
TensorFlow error worth showing."""

from __future__ import annotations

import re

import numpy as np

from tflite_tools.core.names import strip_index, tensor_name
from tflite_tools.errors import InputError, UsageError
from tflite_tools.formats.saved_model import SERVING_SIGNATURE


class GraphSession:
    """What the C++ tool runs: one Session over a variable-free GraphDef,
    configured with --num_threads, fed and fetched by tensor name.

    Has the runner interface tf_flags.feeds uses (`inputs`, `outputs` as
    tf_runner.SourceTensor) plus a positional fast path for the timed loop
    and a FULL_TRACE run for the with-stats phase.
    """

    kind = "graph"

    def __init__(self, tf, graph_def, input_names: list, output_names: list, num_threads: int,
                 *, fetchable_only: bool = False):
        from tflite_tools.runners.tf_runner import SourceTensor  # noqa: PLC0415

        for node in graph_def.node:
            node.device = ""  # as freeze_graph's --clear_devices: run wherever this machine can
        self.graph_def = graph_def
        graph = tf.Graph()
        try:
            with graph.as_default():
                tf.compat.v1.import_graph_def(graph_def, name="")
        except (ValueError, tf.errors.OpError) as exc:
            raise InputError(f"TensorFlow cannot load the graph: {first_line(exc)}; check it "
                             "with 'tflite-tools summarize'") from None
        config = tf.compat.v1.ConfigProto()
        if num_threads > 0:
            # As the current C++ tool: intra- and inter-op pools both get num_threads.
            config.intra_op_parallelism_threads = num_threads
            config.inter_op_parallelism_threads = num_threads
        self.session = tf.compat.v1.Session(graph=graph, config=config)

        def tensor(name):
            t = graph.get_tensor_by_name(tensor_name(name))
            shape = None if t.shape.rank is None else tuple(t.shape.as_list())
            try:
                dtype = np.dtype(t.dtype.base_dtype.as_numpy_dtype)
            except (KeyError, TypeError):  # resource, variant: fetchable, not feedable
                dtype = np.dtype(object)
            return SourceTensor(strip_index(name), dtype, shape, t.name)

        self.inputs = [tensor(n) for n in input_names]
        if fetchable_only:  # default outputs: dataset/iterator handles cannot be fetched
            output_names = [n for n in output_names if graph.get_tensor_by_name(
                tensor_name(n)).dtype.base_dtype not in (tf.resource, tf.variant)]
        if not output_names:
            raise UsageError("the graph has no outputs that can be fetched; give --output_layer")
        self.outputs = [tensor(n) for n in output_names]
        self._options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
        self._run_metadata = tf.compat.v1.RunMetadata
        self._callable = self.session.make_callable([t.tensor_name for t in self.outputs],
                                                    feed_list=[t.tensor_name for t in self.inputs],
                                                    accept_options=True)

    def invoker(self, values: dict):
        """A no-argument function running the graph once on `values` (by input name)."""
        args = [values[t.name] for t in self.inputs]
        run = self._callable
        return lambda: run(*args)

    def traced_invoker(self, values: dict, collected: list):
        """Like `invoker`, with FULL_TRACE; each run's StepStats go to `collected`."""
        args = [values[t.name] for t in self.inputs]

        def run():
            metadata = self._run_metadata()
            self._callable(*args, options=self._options, run_metadata=metadata)
            collected.append(metadata.step_stats)

        return run

    def close(self) -> None:
        self.session.close()


def _concrete_function(tf, model, specs):
    """(function, what it is): the graph-mode function a SavedModel signature
    or a Keras model runs, for `specs`."""
    if model.format_name in ("KERAS_H5", "KERAS_V3"):
        from tflite_tools.runners.keras_loader import keras_model as load  # noqa: PLC0415

        keras_model = load(model)
        function = tf.function(lambda *xs: keras_model(list(xs) if len(xs) > 1 else xs[0],
                                                       training=False)).get_concrete_function(*specs)
        return function, "Keras model as a graph-mode concrete function"
    loaded = tf.saved_model.load(model.saved_model_dir)
    keys = list(loaded.signatures.keys())
    key = SERVING_SIGNATURE if SERVING_SIGNATURE in keys or len(keys) != 1 else keys[0]
    function = loaded.signatures[key]
    function._tflite_tools_owner = loaded  # the signature holds its variables weakly
    return function, f"SavedModel signature '{key}' as a graph-mode concrete function"


class GraphFunction:
    """A SavedModel's signature or a Keras model's call as one graph-mode
    concrete function, as a user times it (`f(x)` in a loop, never the eager
    Keras call): what the warmup and no-stats phases run. `session()` freezes
    the same function into a GraphSession for the with-stats phase and FLOPs.
    """

    def __init__(self, tf, model, runner, values: dict):
        self.inputs = list(runner.inputs)
        specs = [tf.TensorSpec(values[t.name].shape, tf.as_dtype(values[t.name].dtype))
                 for t in self.inputs]
        self._tf = tf
        self.function, self.kind = _concrete_function(tf, model, specs)
        self._by_keyword = not model.format_name.startswith("KERAS")

    def invoker(self, values: dict):
        """A no-argument function running the function once on `values` (by input name)."""
        tensors = [self._tf.constant(values[t.name]) for t in self.inputs]
        function = self.function
        if self._by_keyword:
            keywords = {t.name: tensor for t, tensor in zip(self.inputs, tensors)}
            return lambda: function(**keywords)
        return lambda: function(*tensors)

    def session(self, values: dict, num_threads: int):
        """(GraphSession, its feeds) over the function with variables frozen and
        calls inlined: top-level nodes hold the ops, as in the frozen graphs the
        C++ tool traces and counts FLOPs on."""
        from tensorflow.python.framework.convert_to_constants import (  # noqa: PLC0415
            convert_variables_to_constants_v2,
        )

        frozen = convert_variables_to_constants_v2(self.function)
        session = GraphSession(self._tf, frozen.graph.as_graph_def(), [t.name for t in frozen.inputs],
                               [t.name for t in frozen.outputs], num_threads)
        ordered = [values[t.name] for t in self.inputs]
        return session, {t.name: v for t, v in zip(session.inputs, ordered)}

    def close(self) -> None:
        self.function = None


def first_line(exc) -> str:
    """The line of a TensorFlow error that says what went wrong (session errors
    open with "Graph execution error:" and a Python traceback of the node)."""
    message = getattr(exc, "message", None) or str(exc)
    noise = ("Graph execution error:", "Detected at node", "File \"", "Node:", "Traceback")
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(noise) and not line.startswith("[")]
    line = (useful or lines or [type(exc).__name__])[0]
    # TF <= 2.17 wraps import errors: "Converting GraphDef to Graph has failed with an error: '<why>' The binary ..."
    wrapped = re.match(r"Converting GraphDef to Graph has failed with an error: '(.*)' The binary", line)
    return wrapped.group(1) if wrapped else line
