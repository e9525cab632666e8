"""`tflite-tools benchmark`: TF's and TFLite's benchmark_model, same flags, no build.

    tflite-tools benchmark model.tflite --num_runs=50 --use_xnnpack=false
    tflite-tools benchmark --graph=g.pb --show_flops --input_layer=input \\
        --input_layer_type=float --input_layer_shape=1,28,28,1 --output_layer=output
    tflite-tools benchmark frozen.pb --tflite model.tflite     # side by side
    tflite-tools benchmark saved_model/ --compare_tf           # convert, then side by side

Flags take `--name=value` or `--name value`; bool flags also take a bare
`--name`. `--engine native|auto` runs TF's own benchmark_model binaries
instead (tflite_tools.native), for one model at a time. A progress bar goes to stderr when it is a terminal and a phase runs
longer than a second.
"""

from __future__ import annotations

import argparse
import sys

from tflite_tools.commands.freeze import parse_bool
from tflite_tools.errors import UsageError
from tflite_tools.native import engine

_TFLITE = [
    ("--num_runs", int, "minimum number of runs (default 50); see --min_secs/--max_secs"),
    ("--min_secs", float, "keep running until this many seconds have passed (default 1)"),
    ("--max_secs", float, "start no run after this many seconds (default 150)"),
    ("--warmup_min_secs", float, "minimum warmup time in seconds (default 0.5)"),
    ("--run_delay", float, "seconds to sleep between runs (default -1: none)"),
    ("--input_layer_value_range", str,
     "value ranges for inputs, name,low,high:name2,low,high (inclusive; TFLite takes int "
     "inputs, we also take float ones; default random as TFLite)"),
    ("--input_layer_value_files", str,
     "raw input bytes from files, name:path,name2:path2 ('::' escapes ':' in a name)"),
]
_TF = [
    ("--input_layer_type", str, "input dtypes, comma separated (default: the graph's)"),
    ("--input_layer_values", str,
     "first values of each input, ',' between values, ':' between inputs (rest are 0)"),
    ("--output_layer", str, "tensors to fetch, comma separated (default: the graph's outputs)"),
    ("--max_num_runs", int, "maximum runs (default 1000; <= 0: until --max_time)"),
    ("--max_time", float, "stop after this many seconds of inference (default 10; 0: no limit)"),
    ("--inference_delay", float, "seconds to sleep between runs (default -1: none)"),
    ("--inter_benchmark_delay", float, "seconds to sleep before the timed runs (default -1: none)"),
]
_SHARED = [
    ("--num_threads", int, "threads for the runtime (default -1: the runtime's choice)"),
    ("--warmup_runs", int, "warmup runs (default 1)"),
    ("--input_layer", str, "input names, comma separated (default: the model's inputs)"),
    ("--input_layer_shape", str,
     "input shapes, ',' between dims, ':' between inputs, e.g. 1,224,224,3:1,20"),
]


def _add(group, flags) -> None:
    for name, kind, help_text in flags:
        group.add_argument(name, type=kind, default=None, help=help_text)


def _bool_value(value: str) -> bool:
    try:
        return parse_bool(value)
    except argparse.ArgumentTypeError:
        # `--show_flops model.pb` lands here: a bare bool flag took the model as its value.
        raise argparse.ArgumentTypeError(
            f"expected true or false, got '{value}'; put MODEL before bare bool flags or "
            "write --graph=MODEL") from None


def _add_bool(group, name: str, help_text: str) -> None:
    group.add_argument(name, nargs="?", const=True, default=None, type=_bool_value,
                       metavar="true|false", help=help_text)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", default=None,
                        help=".tflite, frozen .pb/.pbtxt, checkpoint directory, .meta, SavedModel "
                             "directory or Keras file (or --graph=MODEL)")
    parser.add_argument("--graph", default=None, help="the model, as the TF tools spell it")
    shared = parser.add_argument_group("flags of both benchmark_model tools")
    _add(shared, _SHARED)
    tflite = parser.add_argument_group("TFLite benchmark_model flags (.tflite)")
    _add(tflite, _TFLITE)
    _add_bool(tflite, "--use_xnnpack",
              "true: apply the XNNPACK delegate; false: run without the runtime's default "
              "delegates (XNNPACK is applied implicitly unless set to false)")
    _add_bool(tflite, "--enable_op_profiling",
              "NOT AVAILABLE from Python: ai_edge_litert's Interpreter has no profiler hook; run "
              "TFLite's C++ benchmark_model and read its log with 'tflite-tools parse'")
    tf = parser.add_argument_group("TensorFlow benchmark_model flags (TF models)")
    _add(tf, _TF)
    _add_bool(tf, "--show_flops", "estimate FLOPs of Conv2D, MatMul and DepthwiseConv2dNative")
    for table, title, default in (("run_order", "Run Order", 0),
                                  ("time", "Top by Computation Time", 10),
                                  ("memory", "Top by Memory Use", 10)):
        limit = f"{table}_limit"
        _add_bool(tf, f"--show_{table}", f"print the '{title}' table of the with-stats phase "
                  "(default true)")
        tf.add_argument(f"--{limit}", type=int, default=None,
                        help=f"rows of that table (default {default}; 0: all)")
    _add_bool(tf, "--show_type", "print the summary by node type (default true)")
    _add_bool(tf, "--show_summary", "print the per-run timings/memory summary (default true)")
    side = parser.add_argument_group("side by side")
    side.add_argument("--tflite", default=None, metavar="OUT.tflite",
                      help="a .tflite converted from MODEL: run both on the same inputs")
    _add_bool(side, "--compare_tf", "convert MODEL to a temporary .tflite and run both")
    engine.add_engine_flags(parser)


def _flag_names() -> list[str]:
    names = [name for name, _, _ in _TFLITE + _TF + _SHARED]
    return [n[2:] for n in names] + [
        "use_xnnpack", "enable_op_profiling", "show_flops", "show_run_order", "run_order_limit",
        "show_time", "time_limit", "show_memory", "memory_limit", "show_type", "show_summary"]


def run(args):
    from tflite_tools.benchmark.side_by_side import benchmark  # noqa: PLC0415

    if args.model and args.graph and args.model != args.graph:
        raise UsageError(f"two models given ({args.model} and --graph={args.graph}); give one")
    model = args.model or args.graph
    if not model:
        raise UsageError("no model given: pass MODEL or --graph=MODEL")
    native = engine.native_result("benchmark", args)  # --engine native|auto: TF's own tools
    if native is not None:
        return native
    flags = {name: getattr(args, name) for name in _flag_names()}
    progress = _TerminalProgress() if sys.stderr.isatty() else None
    try:
        return benchmark(model, tflite=args.tflite, compare_tf=bool(args.compare_tf),
                         progress=progress, **flags)
    finally:
        if progress is not None:
            progress.close()


class _TerminalProgress:
    """A rich progress line on stderr, shown once a phase has run for a second."""

    def __init__(self):
        self._progress = None
        self._task = None
        self._phase = None
        self._shown_at = 0.0

    def __call__(self, phase: str, runs: int, elapsed: float) -> None:
        if self._progress is None:
            if elapsed < 1.0:
                return
            from rich.console import Console  # noqa: PLC0415
            from rich.progress import (
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                      TimeElapsedColumn(), console=Console(file=sys.stderr),
                                      transient=True)
            self._progress.start()
        if phase != self._phase:
            self._phase = phase
            self._task = self._progress.add_task(phase, total=None)
        # Updating a few times a second is plenty; the loop calls this after every run.
        if elapsed - self._shown_at >= 0.1 or elapsed < self._shown_at:
            self._shown_at = elapsed
            self._progress.update(self._task, description=f"benchmark {phase}: {runs} runs")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
