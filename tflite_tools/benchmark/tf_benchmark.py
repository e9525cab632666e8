"""Benchmark a TensorFlow model like TF's benchmark_model (tensorflow/tools/benchmark).

`run(path, TfFlags(...)) -> benchmark_pb2.BenchmarkRun`. The sequence is the
tool's: create the session (init time), `warmup_runs` runs, sleep
`inter_benchmark_delay`, then up to `max_num_runs` runs until the summed
inference time passes `max_time` (`max_num_runs <= 0`: until max_time;
`max_time <= 0`: no time limit), then the same again with detailed stats. Inputs are zeros, with the first values set
from `--input_layer_values`. `show_flops` estimates FLOPs of Conv2D, MatMul,
DepthwiseConv2dNative (and their quantized forms) from shapes seen in a run.

Every TF artifact works. Graphs (frozen .pb/.pbtxt; a graph + checkpoint or
.meta, frozen on the way with tflite_tools.freeze as the C++ tool needs) run
in a `GraphSession`: a Session sized by --num_threads, as the C++ tool's.
SavedModels (through their serving signature) and Keras files run through
tflite_tools.tf_runner; their with-stats phase and FLOPs use the function
frozen and inlined into a graph. The with-stats phase (FULL_TRACE) feeds
StatSummarizer's tables (tflite_tools._step_stats). Unlike the C++ tool,
unset `--input_layer`, `--input_layer_type`, `--input_layer_shape` and
`--output_layer` default to what the model says (Placeholders / signature
inputs, unconsumed nodes / signature outputs).
"""

from __future__ import annotations

import dataclasses
import glob
import os
import time
from typing import Mapping, Optional

import numpy as np

from tflite_tools.benchmark import common, step_stats
from tflite_tools.benchmark.stat import Stat
from tflite_tools.core import dtypes
from tflite_tools.core.human_number import human_readable_num
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.core.names import node_name, strip_index, tensor_name
from tflite_tools.errors import InputError, UsageError, unknown_name_error
from tflite_tools.graph.analysis import VARIABLE_OPS
from tflite_tools.proto import benchmark_pb2

# Ops the C++ tool counts FLOPs for (CalculateFlops).
_CONV_OPS = ("Conv2D", "QuantizedConv2D")
_MATMUL_OPS = ("MatMul", "QuantizedMatMul")
_DEPTHWISE_OPS = ("DepthwiseConv2dNative",)


@dataclasses.dataclass
class TfFlags(step_stats.Options):
    """TF benchmark_model's flags (the --show_* / --*_limit table flags come
    from step_stats.Options). Empty layer flags mean "what the graph says"."""

    input_layer: str = ""
    input_layer_type: str = ""
    input_layer_shape: str = ""
    input_layer_values: str = ""
    output_layer: str = ""
    max_num_runs: int = 1000
    max_time: float = 10.0
    warmup_runs: int = 1
    num_threads: int = -1
    show_flops: bool = False
    inference_delay: float = -1.0
    inter_benchmark_delay: float = -1.0

    def validate(self) -> None:
        if self.warmup_runs < 0:
            raise UsageError(f"--warmup_runs={self.warmup_runs} is negative; give 0 or more")
        common.check_non_negative(max_time=self.max_time)
        for name in ("run_order_limit", "time_limit", "memory_limit"):
            if getattr(self, name) < 0:
                raise UsageError(f"--{name}={getattr(self, name)} is negative; give 0 (every row) "
                                 "or more")
        if self.max_num_runs <= 0 and self.max_time <= 0:
            raise UsageError(f"--max_num_runs={self.max_num_runs} with --max_time={self.max_time} "
                             "would never stop; give --max_num_runs >= 1 or --max_time > 0")


@dataclasses.dataclass
class _Layer:
    """One fed input: the name the runner knows it by, numpy dtype name and shape."""

    name: str
    dtype: str
    shape: list[int]


_GRAPH_FORMATS = ("FROZEN_GRAPH", "GRAPH_DEF", "CHECKPOINT", "META_GRAPH")


def _graph_def_of(model):
    graph_def = model.graph_def
    if graph_def is None and model.meta_graph is not None:
        graph_def = model.meta_graph.graph_def
    return graph_def


def _graph_outputs(graph_def) -> list[str]:
    """The outputs `inspect` reports: unconsumed nodes minus bookkeeping sinks."""
    from tflite_tools.graph import analysis  # noqa: PLC0415

    kept, _ = analysis.outputs(analysis.index(graph_def))
    return [spec.name for spec in kept]


def _freeze_on_the_way(model, flags: TfFlags):
    """A graph + checkpoint (or .meta) frozen with tflite_tools.freeze, as a
    FROZEN_GRAPH LoadedModel: what TF's tool would be given after freeze_graph."""
    from tflite_tools.freeze import freeze_graph as freeze  # noqa: PLC0415
    from tflite_tools.model import LoadedModel  # noqa: PLC0415
    from tflite_tools.proto import summary_pb2, tf_graph_pb2  # noqa: PLC0415

    sources = freeze.model_sources(model.path)
    if not sources.checkpoint:
        raise InputError(f"{model.path} has variables but no checkpoint beside it, so they have no "
                         "values; give the directory holding the graph and its checkpoint, or a "
                         "graph frozen with 'tflite-tools freeze'")
    outputs = [node_name(n) for n in common.split_names(flags.output_layer)] or None
    frozen = freeze.freeze_to_graph_def(sources.graph or None, sources.checkpoint or None, outputs,
                                        input_meta_graph=sources.meta_graph or None)
    detection = summary_pb2.Detection()
    detection.CopyFrom(model.detection)
    detection.format = summary_pb2.ModelFormat.FROZEN_GRAPH
    graph_def = tf_graph_pb2.GraphDef.FromString(frozen.graph_def.SerializeToString())
    return LoadedModel(model.path, detection, graph_def=graph_def)


def _has_variables(model) -> bool:
    graph_def = _graph_def_of(model)
    return graph_def is not None and any(n.op in VARIABLE_OPS for n in graph_def.node)


def _check_names(names: list[str], known: list[str], kind: str, flag: str) -> None:
    for name in names:
        if strip_index(name) not in known and node_name(name) not in known:
            raise unknown_name_error(kind, name, known, flag)


class GraphSession:
    """What the C++ tool runs: one Session over a variable-free GraphDef,
    configured with --num_threads, fed and fetched by tensor name.

    Has the runner interface `_resolve_inputs` uses (`inputs`, `outputs` as
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
            raise InputError(f"TensorFlow cannot load the graph: {_first_line(exc)}; check it "
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


def _open(tf, model, flags: TfFlags):
    """(runner, output names): a GraphSession for graphs, tf_runner's runner otherwise."""
    from tflite_tools.runners import tf_runner  # noqa: PLC0415

    input_names = common.split_names(flags.input_layer)
    output_names = common.split_names(flags.output_layer)
    if model.format_name in _GRAPH_FORMATS:
        graph_def = _graph_def_of(model)
        nodes = [n.name for n in graph_def.node]
        _check_names(input_names, nodes, "input layer", "--input_layer")
        _check_names(output_names, nodes, "output layer", "--output_layer")
        defaults = not output_names
        output_names = output_names or _graph_outputs(graph_def)
        input_names = input_names or [n.name for n in graph_def.node if n.op == "Placeholder"]
        tf_graph_def = tf.compat.v1.GraphDef.FromString(graph_def.SerializeToString())
        runner = GraphSession(tf, tf_graph_def, input_names, output_names, flags.num_threads,
                              fetchable_only=defaults)
        return runner, [t.name for t in runner.outputs]
    _set_eager_threads(tf, flags.num_threads)
    runner = tf_runner.make_runner(model)
    _check_names(input_names, [t.name for t in runner.inputs], "input layer", "--input_layer")
    _check_names(output_names, [t.name for t in runner.outputs], "output layer", "--output_layer")
    return runner, [strip_index(n) for n in output_names] or [t.name for t in runner.outputs]


def _set_eager_threads(tf, num_threads: int) -> None:
    """SavedModel/Keras functions run in TF's eager context, whose thread pools
    can only be sized before TensorFlow first runs anything."""
    if num_threads <= 0:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(num_threads)
        tf.config.threading.set_inter_op_parallelism_threads(num_threads)
    except RuntimeError:
        if tf.config.threading.get_intra_op_parallelism_threads() != num_threads:
            raise UsageError(f"--num_threads={num_threads} cannot be applied: TensorFlow already ran "
                             "in this process with other thread pools; run the benchmark in a "
                             "fresh process") from None


def _resolve_inputs(runner, flags: TfFlags) -> list[_Layer]:
    names = [strip_index(n) for n in common.split_names(flags.input_layer)] or [t.name for t in runner.inputs]
    types = common.split_names(flags.input_layer_type)
    shapes = common.parse_shapes(flags.input_layer_shape)
    for flag, items in (("--input_layer_type", types), ("--input_layer_shape", shapes)):
        if items and len(items) != len(names):
            raise UsageError(f"{flag} has {len(items)} items but there are {len(names)} input layers "
                             f"({', '.join(names)}); give one per input layer")
    known = {t.name: t for t in runner.inputs}
    layers = []
    for i, name in enumerate(names):
        tensor = known[name]
        # numpy holds TF strings as objects
        dtype = "string" if tensor.dtype == object else tensor.dtype.name
        if types:
            try:
                dtype = dtypes.python_name(dtypes.base_enum(dtypes.enum_from_name(types[i])))
            except KeyError:
                raise UsageError(f"--input_layer_type '{types[i]}' is not a TensorFlow type; use "
                                 "float, int32, uint8, int64, bool, ...") from None
        if dtype != "string" and not _numpy_type(dtype):
            raise UsageError(f"input layer '{name}' has type {dtype}, which cannot be fed from Python "
                             "here; use float, int32, uint8, int64, bool or string")
        shape = list(tensor.shape) if tensor.shape is not None else None
        if shapes:
            shape = shapes[i]
        elif shape is None or any(d is None or d < 0 for d in shape):
            shown = "of unknown rank" if shape is None else "[" + ",".join(
                "?" if d is None or d < 0 else str(d) for d in shape) + "]"
            raise UsageError(f"input layer '{name}' has shape {shown}; give the size to benchmark "
                             "with --input_layer_shape (one entry per input, ':' between inputs)")
        layers.append(_Layer(name, dtype, shape))
    missing = [t.name for t in runner.inputs if t.name not in names]
    if missing:
        raise UsageError(f"input layer(s) {', '.join(missing)} are not fed; list every input in "
                         "--input_layer")
    return layers


def _numpy_type(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def make_inputs(layers: list[_Layer], values: str) -> dict[str, np.ndarray]:
    """Zeros (empty strings), with the first k elements from --input_layer_values."""
    entries = values.split(":") if values else []
    if entries and len(entries) != len(layers):
        raise UsageError(f"--input_layer_values has {len(entries)} entries but there are "
                         f"{len(layers)} input layers; give one per input, ':' between inputs")
    inputs = {}
    for i, layer in enumerate(layers):
        array = np.zeros(layer.shape, dtype=object if layer.dtype == "string" else layer.dtype)
        if layer.dtype == "string":
            array[...] = b""
        if entries and entries[i]:
            if layer.dtype == "string":
                raise UsageError("--input_layer_values cannot fill string inputs")
            try:
                given = np.array([float(v) for v in entries[i].split(",")]).astype(array.dtype)
            except ValueError:
                raise UsageError(f"--input_layer_values entry '{entries[i]}' is not a comma "
                                 "separated list of numbers") from None
            if given.size > array.size:
                raise UsageError(f"--input_layer_values gives {given.size} values for input "
                                 f"'{layer.name}' of {array.size} elements")
            array.reshape(-1)[: given.size] = given
        inputs[layer.name] = array
    return inputs


def time_multiple_runs(invoke, num_runs: int, max_time: float, delay: float, phase: str,
                       progress: Optional[common.Progress]) -> Stat:
    """TimeMultipleRuns: up to num_runs (<= 0: unbounded) until the summed run time passes max_time."""
    clock = time.perf_counter_ns
    durations = []
    start = clock()
    total_us = 0
    runs = 0
    while num_runs <= 0 or runs < num_runs:
        begin = clock()
        invoke()
        elapsed_us = (clock() - begin) // 1000
        durations.append(elapsed_us)
        total_us += elapsed_us
        runs += 1
        if progress is not None:
            progress(phase, runs, (clock() - start) / 1e9)
        if max_time > 0 and total_us / 1e6 > max_time:
            break
        common.sleep(delay)
    return Stat(durations)


def _concrete_function(tf, model, specs):
    """The function a SavedModel signature or a Keras model runs, for `specs`."""
    if model.format_name in ("KERAS_H5", "KERAS_V3"):
        import keras  # noqa: PLC0415

        keras_model = keras.saving.load_model(model.path, compile=False, safe_mode=True)
        return tf.function(lambda *xs: keras_model(list(xs) if len(xs) > 1 else xs[0],
                                                   training=False)).get_concrete_function(*specs)
    loaded = tf.saved_model.load(model.saved_model_dir)
    keys = list(loaded.signatures.keys())
    key = "serving_default" if "serving_default" in keys or len(keys) != 1 else keys[0]
    function = loaded.signatures[key]
    function._tflite_tools_owner = loaded  # the signature holds its variables weakly
    return function


def _function_session(tf, model, runner, values: dict, num_threads: int):
    """(GraphSession, its feeds) over a SavedModel's or Keras model's function
    with variables frozen and calls inlined: top-level nodes hold the ops, as
    in the frozen graphs the C++ tool traces and counts FLOPs on."""
    from tensorflow.python.framework.convert_to_constants import (  # noqa: PLC0415
        convert_variables_to_constants_v2,
    )

    ordered = [values[t.name] for t in runner.inputs]
    specs = [tf.TensorSpec(v.shape, tf.as_dtype(v.dtype)) for v in ordered]
    frozen = convert_variables_to_constants_v2(_concrete_function(tf, model, specs))
    session = GraphSession(tf, frozen.graph.as_graph_def(), [t.name for t in frozen.inputs],
                           [t.name for t in frozen.outputs], num_threads)
    return session, {t.name: v for t, v in zip(session.inputs, ordered)}


def estimate_flops(session: GraphSession, feeds: dict) -> int:
    """CalculateFlops: Conv2D/MatMul/DepthwiseConv2dNative FLOPs of the top-level
    graph nodes, with shapes from one run on `feeds` (by input name)."""
    nodes = [n for n in session.graph_def.node if n.op in _CONV_OPS + _MATMUL_OPS + _DEPTHWISE_OPS]
    if not nodes:
        return 0
    wanted = sorted({tensor_name(i) for n in nodes for i in n.input[:2]}
                    | {tensor_name(n.name) for n in nodes})
    values = session.session.run(wanted, {t.tensor_name: feeds[t.name] for t in session.inputs})
    shapes = dict(zip(wanted, (np.shape(v) for v in values)))
    total = 0
    for node in nodes:
        out_elems = int(np.prod(shapes[tensor_name(node.name)], dtype=np.int64))
        if node.op in _MATMUL_OPS:
            a_shape = shapes[tensor_name(node.input[0])]
            k = a_shape[0] if node.attr["transpose_a"].b else a_shape[1]
            total += k * out_elems * 2
        else:
            filter_shape = shapes[tensor_name(node.input[1])]
            per_output = filter_shape[0] * filter_shape[1] * 2
            total += out_elems * per_output * (filter_shape[2] if node.op in _CONV_OPS else 1)
    return int(total)


def model_size(path: str) -> int:
    """Bytes of the file, of every file under a directory, or of a checkpoint prefix's files."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(root, f))
                   for root, _, files in os.walk(path) for f in files)
    return sum(os.path.getsize(f) for f in glob.glob(glob.escape(path) + ".*"))


def run(path: str, flags: Optional[TfFlags] = None, *,
        inputs: Optional[Mapping[str, np.ndarray]] = None,
        progress: Optional[common.Progress] = None) -> benchmark_pb2.BenchmarkRun:
    """Benchmark the TensorFlow model at `path` (any kind tflite_tools.tf_runner runs).

    Args:
      inputs: values by input layer name to use instead of zeros (side by side).
      progress: called after every run (see _bench_common.Progress).
    Raises:
      UsageError for bad flag values, unknown layer names or unknown shapes;
      InputError for a path that is not a runnable TensorFlow model.
    """
    from tflite_tools.runners import tf_runner  # noqa: PLC0415

    flags = flags or TfFlags()
    flags.validate()
    model = tf_runner.load(path)  # InputError for a path that is no model
    tf = tensorflow()
    frozen_on_the_way = model.format_name in _GRAPH_FORMATS and _has_variables(model)
    if frozen_on_the_way:
        model = _freeze_on_the_way(model, flags)
    memory = common.MemoryProbe.start()
    started = time.perf_counter_ns()
    runner, output_names = _open(tf, model, flags)
    init_us = (time.perf_counter_ns() - started) // 1000
    memory.mark_init()
    try:
        result = _run_phases(tf, model, runner, flags, inputs, progress)
    finally:
        runner.close()
    result.model_path, result.model_size_bytes, result.init_us = path, model_size(path), init_us
    result.output_layers.extend(output_names)
    result.engine = f"tensorflow {tf.__version__} ({runner.kind}" + (
        ", frozen on the way)" if frozen_on_the_way else ")")
    result.memory.CopyFrom(memory.finish())
    return result


def _feeds(runner, flags: TfFlags, inputs) -> tuple[list, dict]:
    layers = _resolve_inputs(runner, flags)
    values = make_inputs(layers, flags.input_layer_values)
    if inputs is not None:
        for name, value in common.match_inputs(inputs, list(values)).items():
            if tuple(value.shape) != values[name].shape:
                raise UsageError(f"the .tflite input for '{name}' has shape {list(value.shape)} but "
                                 f"TensorFlow's is {list(values[name].shape)}; give both the same "
                                 "--input_layer_shape")
            values[name] = np.asarray(value, dtype=values[name].dtype)
    return layers, values


def _run_phases(tf, model, runner, flags: TfFlags, inputs, progress) -> benchmark_pb2.BenchmarkRun:
    """Warmup, no-stat and with-stat phases (and FLOPs) on an open runner."""
    layers, values = _feeds(runner, flags, inputs)
    if isinstance(runner, GraphSession):
        invoke = runner.invoker(values)
    else:
        def invoke():
            runner(values)
    notes = []
    try:
        warmup = time_multiple_runs(invoke, flags.warmup_runs, -1.0, 0.0, "warmup", progress) \
            if flags.warmup_runs > 0 else Stat()
        common.sleep(flags.inter_benchmark_delay)
        inference = time_multiple_runs(invoke, flags.max_num_runs, flags.max_time,
                                       flags.inference_delay, "inference", progress)
    except tf.errors.OpError as exc:
        raise UsageError(f"TensorFlow failed to run the model: {_first_line(exc)}; "
                         "check the input layers, types and shapes") from None
    tracer, traced_values = _tracer(tf, model, runner, values, flags, notes)
    traces, with_stats, flops = [], None, None
    if tracer is not None:
        try:
            common.sleep(flags.inter_benchmark_delay)
            with_stats = time_multiple_runs(tracer.traced_invoker(traced_values, traces),
                                            flags.max_num_runs, flags.max_time,
                                            flags.inference_delay, "with stats", progress)
            if flags.show_flops:
                flops = estimate_flops(tracer, traced_values)
        except tf.errors.OpError as exc:
            # As the C++ tool: the timings stand, the failure is reported.
            notes.append(f"FLOPs calculation failed with {_first_line(exc)}" if with_stats
                         else f"Detailed stat logging failed with {_first_line(exc)}")
        finally:
            if tracer is not runner:
                tracer.close()

    result = benchmark_pb2.BenchmarkRun(
        runtime="tensorflow", warmup=warmup.to_proto(), inference=inference.to_proto(),
        num_threads=flags.num_threads, input_layers=[l.name for l in layers],
        input_shapes=[",".join(map(str, l.shape)) for l in layers], input_types=[l.dtype for l in layers])
    # The C++ tool divides int64 totals: its averages are whole microseconds.
    result.first_inference_us = warmup.samples[0] if warmup.count else inference.samples[0]
    result.warmup_avg_us = warmup.sum // warmup.count if warmup.count else 0
    result.inference_avg_us = inference.sum // inference.count
    if with_stats is not None:
        tables, summaries = step_stats.summarize(traces, flags)
        result.inference_with_stats.CopyFrom(with_stats.to_proto())
        result.with_stats_avg_us = with_stats.sum // with_stats.count
        result.tables.extend(tables)
        result.profile_summaries.extend(summaries)
    if flops is not None:
        result.flops, result.flops_text = flops, human_readable_num(flops)
        # Over the mean no-stat run time as a double: the golden logs' 238.34k
        # at avg=61.85 us give 3.85B (the truncated 61 us would give 3.90B).
        if inference.avg > 0:
            result.flops_per_second_text = human_readable_num(int(flops / (inference.avg / 1e6)))
    result.error = "\n".join(notes)
    return result


def _tracer(tf, model, runner, values, flags: TfFlags, notes: list):
    """(GraphSession, feeds) for the with-stats phase and FLOPs, or (None, None)
    with a note when a SavedModel/Keras function cannot be frozen into a graph."""
    if isinstance(runner, GraphSession):
        return runner, values
    try:
        return _function_session(tf, model, runner, values, flags.num_threads)
    except (ValueError, TypeError, KeyError, tf.errors.OpError) as exc:
        notes.append(f"Detailed stats and FLOPs are unavailable: the model's function could not be "
                     f"frozen into a graph ({str(exc).strip().splitlines()[0]})")
        return None, None


def _first_line(exc) -> str:
    """The line of a TensorFlow error that says what went wrong (session errors
    open with "Graph execution error:" and a Python traceback of the node)."""
    message = getattr(exc, "message", None) or str(exc)
    noise = ("Graph execution error:", "Detected at node", "File \"", "Node:", "Traceback")
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(noise) and not line.startswith("[")]
    return (useful or lines or [type(exc).__name__])[0]
