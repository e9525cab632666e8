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
SavedModels (their serving signature) and Keras files are timed as the
graph-mode concrete function a user would time (`GraphFunction`; never the
eager Keras call, about 10x slower), named in the run's engine; their
with-stats phase and FLOPs use that function frozen and inlined into a graph.
An unknown batch dimension is benchmarked as 1, with a note. The with-stats phase (FULL_TRACE) feeds
StatSummarizer's tables (benchmark.step_stats). Unlike the C++ tool,
unset `--input_layer`, `--input_layer_type`, `--input_layer_shape` and
`--output_layer` default to what the model says (Placeholders / signature
inputs, unconsumed nodes / signature outputs).
"""

from __future__ import annotations

import glob
import os
import time
from typing import Mapping, Optional

import numpy as np

from tflite_tools.benchmark import common, step_stats
from tflite_tools.benchmark.flops import estimate_flops
from tflite_tools.benchmark.graph_session import GraphFunction, GraphSession, first_line
from tflite_tools.benchmark.stat import Stat
from tflite_tools.benchmark.tf_flags import TfFlags, feeds
from tflite_tools.core.human_number import human_readable_num
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.core.names import node_name, strip_index
from tflite_tools.errors import InputError, UsageError, unknown_name_error
from tflite_tools.graph.analysis import VARIABLE_OPS
from tflite_tools.proto import benchmark_pb2

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
    from tflite_tools.freeze.freeze_graph import freeze_to_graph_def  # noqa: PLC0415
    from tflite_tools.freeze.sources import model_sources  # noqa: PLC0415
    from tflite_tools.model import LoadedModel  # noqa: PLC0415
    from tflite_tools.proto import summary_pb2, tf_graph_pb2  # noqa: PLC0415

    sources = model_sources(model.path, detection=model.detection)
    if not sources.checkpoint:
        raise InputError(f"{model.path} has variables but no checkpoint beside it, so they have no "
                         "values; give the directory holding the graph and its checkpoint, or a "
                         "graph frozen with 'tflite-tools freeze'")
    outputs = [node_name(n) for n in common.split_names(flags.output_layer)] or None
    frozen = freeze_to_graph_def(sources.graph or None, sources.checkpoint or None, outputs,
                                 input_meta_graph=sources.meta_graph or None, model=model)
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
    """Benchmark the TensorFlow model at `path` (any kind tflite_tools.runners.tf_runner runs).

    Args:
      inputs: values by input layer name to use instead of zeros (side by side).
      progress: called after every run (see benchmark.common.Progress).
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
        result, timed = _run_phases(tf, model, runner, flags, inputs, progress)
    finally:
        runner.close()
    result.model_path, result.model_size_bytes, result.init_us = path, model_size(path), init_us
    result.output_layers.extend(output_names)
    result.engine = f"tensorflow {tf.__version__} ({timed}" + (
        ", frozen on the way)" if frozen_on_the_way else ")")
    result.memory.CopyFrom(memory.finish())
    return result


def _run_phases(tf, model, runner, flags: TfFlags, inputs, progress):
    """(BenchmarkRun, what was timed): warmup, no-stat and with-stat phases
    (and FLOPs) on an open runner; Keras and SavedModels as a GraphFunction."""
    layers, values = feeds(runner, flags, inputs)
    timed = runner if isinstance(runner, GraphSession) else _graph_function(tf, model, runner, values)
    invoke = timed.invoker(values)
    notes = []
    try:
        warmup = time_multiple_runs(invoke, flags.warmup_runs, -1.0, 0.0, "warmup", progress) \
            if flags.warmup_runs > 0 else Stat()
        common.sleep(flags.inter_benchmark_delay)
        inference = time_multiple_runs(invoke, flags.max_num_runs, flags.max_time,
                                       flags.inference_delay, "inference", progress)
    except tf.errors.OpError as exc:
        raise UsageError(f"TensorFlow failed to run the model: {first_line(exc)}; "
                         "check the input layers, types and shapes") from None
    tracer, traced_values = _tracer(tf, timed, values, flags, notes)
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
            notes.append(f"FLOPs calculation failed with {first_line(exc)}" if with_stats
                         else f"Detailed stat logging failed with {first_line(exc)}")
        finally:
            if tracer is not timed:
                tracer.close()

    result = benchmark_pb2.BenchmarkRun(
        runtime="tensorflow", warmup=warmup.to_proto(), inference=inference.to_proto(),
        num_threads=flags.num_threads, input_layers=[l.name for l in layers],
        input_shapes=[",".join(map(str, l.shape)) for l in layers], input_types=[l.dtype for l in layers],
        notes=[l.note for l in layers if l.note])
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
    return result, timed.kind


def _graph_function(tf, model, runner, values) -> GraphFunction:
    try:
        return GraphFunction(tf, model, runner, values)
    except (ValueError, TypeError, tf.errors.OpError) as exc:
        raise UsageError(f"TensorFlow could not trace the model into a graph-mode function: "
                         f"{first_line(exc)}; check the input layers, types and shapes") from None


def _tracer(tf, timed, values, flags: TfFlags, notes: list):
    """(GraphSession, feeds) for the with-stats phase and FLOPs, or (None, None)
    with a note when a SavedModel/Keras function cannot be frozen into a graph."""
    if isinstance(timed, GraphSession):
        return timed, values
    try:
        return timed.session(values, flags.num_threads)
    except (ValueError, TypeError, KeyError, tf.errors.OpError) as exc:
        notes.append(f"Detailed stats and FLOPs are unavailable: the model's function could not be "
                     f"frozen into a graph ({str(exc).strip().splitlines()[0]})")
        return None, None
