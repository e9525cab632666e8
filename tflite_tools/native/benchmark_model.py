"""Driver for the two benchmark_model tools (TensorFlow's and TFLite's): argv, run, parse.

    >>> run = benchmark(tools, "tensorflow", "graph.pb", {"input_layer": "input", ...})

Flags are given by the tools' own names and passed as `--name=value` (the
only spelling both tools accept). TF's tool logs everything to stderr with
TF log prefixes and exits 255 on errors; TFLite's logs to stdout (newer) or
stderr (older) and exits 1 after "Benchmarking failed.". Either way the
log is parsed into a BenchmarkRun with engine "native".
"""

from __future__ import annotations

from typing import Mapping

from tflite_tools.native.tools import NativeTools
from tflite_tools.proto import benchmark_pb2

RUNTIMES = {"tensorflow": "tf_benchmark_model", "tflite": "tflite_benchmark_model"}


def argv(graph: str, flags: Mapping[str, object]) -> list[str]:
    """`--graph=GRAPH --name=value ...`; bools as true/false, None values left out."""
    args = [f"--graph={graph}"]
    for name, value in flags.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        args.append(f"--{name}={value}")
    return args


def benchmark(tools: NativeTools, runtime: str, graph: str,
              flags: Mapping[str, object]) -> benchmark_pb2.BenchmarkRun:
    """Run benchmark_model of `runtime` ("tensorflow" or "tflite") on `graph`.

    Raises:
        ToolFailedError: the tool exited non-zero or timed out (result: the parsed partial run).
        ToolNotFoundError: no such benchmark_model to run.
    """
    from tflite_tools.parsers import tf_benchmark, tflite_benchmark  # noqa: PLC0415

    done = tools.run(RUNTIMES[runtime], argv(graph, flags))
    parser = tf_benchmark if runtime == "tensorflow" else tflite_benchmark
    parsed = parser.parse(done.stderr + "\n" + done.stdout)
    run = parsed.runs[0] if parsed.runs else benchmark_pb2.BenchmarkRun()
    run.engine = "native"
    run.runtime = runtime
    if done.returncode != 0:
        error = done.failed()
        error.result = benchmark_pb2.BenchmarkResult(runs=[run])
        raise error
    return run
