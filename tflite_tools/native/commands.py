"""The CLI commands run by the native engine, from their parsed flags.

Each command has `needs(args)`: the native tools it would run for these
flags (raising `Unsupported` when the input is one the native tools cannot
take), and `run(tools, args, **routed)`: the job, returning the same message
the Python engine returns. `tflite_tools.native.engine.native_result` picks
between them and the Python engine.
"""

from __future__ import annotations

import os

from tflite_tools.core.dtypes import python_name
from tflite_tools.errors import UsageError
from tflite_tools.native import (
    benchmark_model,
    classic_convert,
    freeze_graph,
    summarize_graph,
)
from tflite_tools.native.tools import NativeTools
from tflite_tools.proto import summary_pb2

_GRAPH_FORMATS = ("FROZEN_GRAPH", "GRAPH_DEF", "CHECKPOINT", "META_GRAPH")
NATIVE_INSPECT_NOTE = "inputs, op counts, const parameters and control edges from summarize_graph (native)"


class Unsupported(UsageError):
    """The native tools cannot do this job (auto then uses the Python engine)."""


def _format(path: str) -> str:
    from tflite_tools.formats.detect import detect  # noqa: PLC0415

    return summary_pb2.ModelFormat.Name(detect(path).format)


# --- summarize ---------------------------------------------------------------

def summarize_needs(args) -> list[str]:
    return ["summarize_graph"]


def summarize(tools: NativeTools, args):
    if not args.in_graph:
        raise UsageError("--in_graph is required: pass the GraphDef to summarize, "
                         "e.g. --in_graph=model.pb.")
    return summarize_graph.summarize(tools, args.in_graph, print_structure=args.print_structure)


# --- inspect -------------------------------------------------------------------

def inspect_needs(args) -> list[str]:
    from tflite_tools.formats.detect import detect  # noqa: PLC0415

    detection = detect(args.model)
    fmt = summary_pb2.ModelFormat.Name(detection.format)
    if fmt not in _GRAPH_FORMATS or (detection.graph_path or args.model).endswith(".meta"):
        what = "a MetaGraphDef" if fmt in _GRAPH_FORMATS else fmt.lower().replace("_", " ")
        raise Unsupported(f"inspect --engine native reads GraphDefs with summarize_graph; "
                          f"'{args.model}' is {what}: use --engine python.")
    return ["summarize_graph"]


def inspect(tools: NativeTools, args) -> summary_pb2.ModelSummary:
    """Python inspect (format, detection, outputs without sinks, variables), graph facts from summarize_graph.

    Inputs, op counts (in ModelSummary's order: most frequent first, ties by
    name), const parameters and control edges come from the native tool; a
    note says so. Variable parameters stay the Python engine's (the
    checkpoint's or the graph's variable shapes): summarize_graph counts them
    from a `value` attr variables never have, so it prints 0 for them.
    """
    from tflite_tools.inspect.model_summary import inspect as python_inspect  # noqa: PLC0415

    summary = python_inspect(args.model, check=args.check)
    graph = summary.detection.graph_path or args.model
    native = summarize_graph.summarize(tools, graph)
    del summary.inputs[:]
    for index, node in enumerate(native.inputs):
        summary.inputs.add(name=node.name, dtype=python_name(node.type_enum) if node.type_enum else "",
                           op="Placeholder", tensor_name=node.name + ":0", index=index,
                           **_shape(node.shape))
    del summary.op_counts[:]
    summary.op_counts.extend(sorted(native.op_counts, key=lambda count: (-count.count, count.op)))
    summary.const_parameters = native.const_parameters
    summary.control_edges = native.control_edges
    summary.notes.append(NATIVE_INSPECT_NOTE)
    return summary


def _shape(text: str) -> dict:
    """TensorSpec shape fields from summarize_graph's [1,?,3] / <unknown> / None."""
    if not text.startswith("["):
        return {"unknown_rank": True}
    dims = text[1:-1].split(",") if text != "[]" else []
    return {"shape": [-1 if d == "?" else int(d) for d in dims]}


# --- freeze ----------------------------------------------------------------------

def freeze_needs(args) -> list[str]:
    return ["freeze_graph"]


def freeze(tools: NativeTools, args, *, input_graph: str, input_meta_graph: str,
           input_saved_model_dir: str, input_checkpoint: str):
    """freeze_graph with the command's flags; output names default to inspect's outputs."""
    outputs = args.output_node_names
    if not outputs:
        from tflite_tools.inspect.model_summary import inspect as python_inspect  # noqa: PLC0415

        source = input_graph or input_meta_graph or input_saved_model_dir
        outputs = ",".join(spec.name for spec in python_inspect(source).outputs)
    if not input_checkpoint and not input_saved_model_dir and (input_graph or input_meta_graph):
        from tflite_tools.freeze.sources import model_sources  # noqa: PLC0415

        input_checkpoint = model_sources(input_graph or input_meta_graph).checkpoint
    return freeze_graph.freeze(
        tools, input_graph=input_graph, input_checkpoint=input_checkpoint,
        output_node_names=outputs, output_graph=args.output_graph,
        input_meta_graph=input_meta_graph, input_saved_model_dir=input_saved_model_dir,
        saved_model_tags=args.saved_model_tags, input_saver=args.input_saver,
        clear_devices=args.clear_devices, initializer_nodes=args.initializer_nodes,
        variable_names_allowlist=args.variable_names_allowlist,
        variable_names_denylist=args.variable_names_denylist,
        checkpoint_version=args.checkpoint_version)


# --- benchmark ---------------------------------------------------------------------

def _benchmark_model(args) -> str:
    return args.model or args.graph or ""


def benchmark_needs(args) -> list[str]:
    from tflite_tools.benchmark.side_by_side import is_tflite  # noqa: PLC0415

    model = _benchmark_model(args)
    if args.tflite or args.compare_tf:
        raise Unsupported("side-by-side benchmarks (--tflite, --compare_tf) run in the Python "
                          "engine only: use --engine python.")
    if not model or not os.path.exists(model):
        raise Unsupported(f"no model at '{model}'; pass MODEL or --graph=MODEL.")
    if is_tflite(model):
        return ["tflite_benchmark_model"]
    if _format(model) != "FROZEN_GRAPH":
        raise Unsupported(f"TF's benchmark_model takes a frozen GraphDef and '{model}' is not one; "
                          "freeze it first (tflite-tools freeze) or use --engine python.")
    return ["tf_benchmark_model"]


# Flags of the benchmark command that each tool takes, by tool.
_TFLITE_FLAGS = ("num_runs", "min_secs", "max_secs", "warmup_min_secs", "run_delay", "num_threads",
                 "warmup_runs", "input_layer", "input_layer_shape", "input_layer_value_range",
                 "input_layer_value_files", "use_xnnpack", "enable_op_profiling")
_TF_FLAGS = ("input_layer", "input_layer_shape", "input_layer_type", "input_layer_values",
             "output_layer", "max_num_runs", "max_time", "inference_delay", "inter_benchmark_delay",
             "num_threads", "warmup_runs", "show_flops")


def benchmark(tools: NativeTools, args):
    """benchmark_model of the model's runtime; TF's input/output layers default to the graph's."""
    from tflite_tools.proto import benchmark_pb2  # noqa: PLC0415

    model = _benchmark_model(args)
    runtime = "tflite" if benchmark_needs(args) == ["tflite_benchmark_model"] else "tensorflow"
    names = _TFLITE_FLAGS if runtime == "tflite" else _TF_FLAGS
    flags = {name: getattr(args, name, None) for name in names}
    if runtime == "tensorflow" and not flags["input_layer"]:
        flags.update(_graph_layers(model, flags))
    return benchmark_pb2.BenchmarkResult(runs=[benchmark_model.benchmark(tools, runtime, model, flags)])


def _graph_layers(model: str, flags: dict) -> dict:
    """The benchmark arguments summarize_graph suggests for `model`, for flags not given."""
    from tflite_tools.summarize_graph.summarize import summarize as python_summarize  # noqa: PLC0415

    hint = python_summarize(model).benchmark_hint
    suggested = {"input_layer": hint.input_layer, "input_layer_type": hint.input_layer_type,
                 "input_layer_shape": hint.input_layer_shape, "output_layer": hint.output_layer}
    return {name: value for name, value in suggested.items() if flags.get(name) is None and value}


# --- convert ---------------------------------------------------------------------

def convert_needs(args) -> list[str]:
    model = args.models[0]
    fmt = _format(model)
    if fmt not in _GRAPH_FORMATS:
        raise Unsupported(f"convert --engine native runs freeze_graph and summarize_graph, which "
                          f"take TensorFlow graphs; '{model}' is {fmt.lower().replace('_', ' ')}: "
                          "use --engine python.")
    frozen = fmt == "FROZEN_GRAPH" and len(args.models) == 1
    return ["summarize_graph"] if frozen else ["freeze_graph", "summarize_graph"]


def convert(tools: NativeTools, args, *, model: str, checkpoint, **options):
    return classic_convert.convert(tools, model, args.output_file, checkpoint=checkpoint,
                                   report_file=args.report or None, **options)


COMMANDS = {
    "summarize": (summarize_needs, summarize),
    "inspect": (inspect_needs, inspect),
    "freeze": (freeze_needs, freeze),
    "benchmark": (benchmark_needs, benchmark),
    "convert": (convert_needs, convert),
}
