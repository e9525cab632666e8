"""How much our TFLite timing loop costs, and TF vs TFLite on one small CNN.

    .venv/bin/python bench/bench_benchmark.py [--runs 500] [--rounds 200]

1. Overhead: the same Interpreter, same inputs, same process: a bare
   `interpreter.invoke()` loop against `tflite_benchmark.timed_runs` (which also
   reads the clock twice per run, keeps every sample and checks the time
   bounds). Short blocks alternate between the two; the ratio of the
   fastest blocks' time per run is printed (target <= 1.05x), medians too.
2. The same for TF: our GraphSession loop against a bare Session callable.
3. Side by side: `benchmark(graph, compare_tf=True)` on the small CNN of
   shared/fixtures/tf_tools/01_small_cnn_frozen: TF vs TFLite latency and size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tflite_tools.benchmark import tflite_benchmark  # noqa: E402
from tflite_tools.benchmark.side_by_side import benchmark  # noqa: E402

GRAPH = os.path.join(REPO, "..", "shared", "fixtures", "tf_tools", "01_small_cnn_frozen", "graph.pb")


def _convert(directory: str) -> str:
    from tflite_tools.core.lazy_tf import tensorflow

    converter = tensorflow().compat.v1.lite.TFLiteConverter.from_frozen_graph(GRAPH, ["input"], ["output"])
    path = os.path.join(directory, "cnn.tflite")
    with open(path, "wb") as f:
        f.write(converter.convert())
    return path


def _per_run_us(loop, runs: int) -> float:
    started = time.perf_counter_ns()
    loop(runs)
    return (time.perf_counter_ns() - started) / runs / 1000


def overhead(path: str, runs: int, rounds: int) -> None:
    flags = tflite_benchmark.TfliteFlags()
    interpreter = tflite_benchmark.make_interpreter(path, flags)
    for detail in interpreter.get_input_details():
        value = tflite_benchmark.make_inputs(interpreter, flags)[detail["name"]]
        interpreter.set_tensor(detail["index"], value)
    invoke = interpreter.invoke

    def bare(n):
        for _ in range(n):
            invoke()

    def ours(n):
        tflite_benchmark.timed_runs(invoke, n, 0.0, 1e9, -1.0, "inference", None)

    bare(runs)  # warm caches and XNNPACK's first-run setup
    bare_us, ours_us = [], []
    for _ in range(rounds):
        bare_us.append(_per_run_us(bare, runs))
        ours_us.append(_per_run_us(ours, runs))
    # On a shared machine other processes only ever add time: the fastest
    # blocks are the best estimate of each loop's own cost; medians shown too.
    b, o = min(bare_us), min(ours_us)
    bm, om = statistics.median(bare_us), statistics.median(ours_us)
    print(f"overhead: {rounds} alternating blocks of {runs} runs; per run, fastest block: bare "
          f"invoke() {b:.2f} us, timed_runs {o:.2f} us, ratio {o / b:.3f}x (target <= 1.05x); "
          f"medians {bm:.2f} / {om:.2f} us, ratio {om / bm:.3f}x")


def tf_overhead(runs: int, rounds: int) -> None:
    """Our TF loop (GraphSession + time_multiple_runs) against a bare
    Session.make_callable loop on the same graph and session."""
    from tflite_tools.benchmark import tf_benchmark
    from tflite_tools.benchmark.graph_session import GraphSession
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    graph_def = tf.compat.v1.GraphDef.FromString(open(GRAPH, "rb").read())
    session = GraphSession(tf, graph_def, ["input"], ["output"], -1)
    values = {"input": np.zeros((1, 28, 28, 1), np.float32)}
    call = session.session.make_callable(["output:0"], feed_list=["input:0"])
    value = values["input"]

    def bare(n):
        for _ in range(n):
            call(value)

    invoke = session.invoker(values)

    def ours(n):
        tf_benchmark.time_multiple_runs(invoke, n, 0.0, -1.0, "inference", None)

    bare(runs)
    bare_us, ours_us = [], []
    for _ in range(rounds):
        bare_us.append(_per_run_us(bare, runs))
        ours_us.append(_per_run_us(ours, runs))
    b, o = min(bare_us), min(ours_us)
    print(f"TF overhead: {rounds} alternating blocks of {runs} runs; per run, fastest block: bare "
          f"session callable {b:.2f} us, time_multiple_runs {o:.2f} us, ratio {o / b:.3f}x")
    session.close()


def side_by_side() -> None:
    result = benchmark(GRAPH, compare_tf=True, max_num_runs=500, num_runs=500, min_secs=0,
                       warmup_min_secs=0.2)
    tf_run, tflite_run = result.runs
    c = result.comparison
    print(f"side by side (01_small_cnn_frozen, 1x28x28x1 -> 10): TF avg {tf_run.inference.avg:.1f} us "
          f"(p50 {tf_run.inference.p50}), TFLite avg {tflite_run.inference.avg:.1f} us "
          f"(p50 {tflite_run.inference.p50}), speedup {c.speedup:.2f}x; size TF {tf_run.model_size_bytes} B, "
          f"TFLite {tflite_run.model_size_bytes} B, ratio {c.size_ratio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500, help="runs per block")
    parser.add_argument("--rounds", type=int, default=200, help="blocks of each loop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        overhead(_convert(directory), args.runs, args.rounds)
    tf_overhead(max(args.runs // 10, 10), max(args.rounds // 4, 5))
    side_by_side()


if __name__ == "__main__":
    main()
