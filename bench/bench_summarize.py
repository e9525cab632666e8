"""How long `tflite-tools summarize` takes on a ~100 MB frozen ResNet50,
against the time Python needs just to `import tensorflow`.

The graph (tf.keras.applications.ResNet50(weights=None): random weights,
nothing downloaded, frozen with convert_variables_to_constants_v2) is built
once and cached in bench/.cache/. Both commands run as whole processes,
best of --repeats, wall and CPU (user + sys) time; the ratios
summarize / import-tensorflow are printed (target: <= 0.10). Absolute times
on a shared machine mean little; the ratios, measured in the same run, are
the numbers to watch.

    .venv/bin/python bench/bench_summarize.py [--repeats 5] [--print_structure]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CACHE = os.path.join(HERE, ".cache")
GRAPH = os.path.join(CACHE, "resnet50_frozen.pb")
VENV_BIN = os.path.join(REPO, ".venv", "bin")


def build_graph(path: str) -> None:
    """Freeze a randomly initialised Keras ResNet50 into a binary GraphDef at `path`."""
    sys.path.insert(0, REPO)
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    model = tf.keras.applications.ResNet50(weights=None)
    function = tf.function(model).get_concrete_function(
        tf.TensorSpec([1, 224, 224, 3], tf.float32, name="input"))
    frozen = convert_variables_to_constants_v2(function)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = path + ".partial"
    with open(partial, "wb") as f:
        f.write(frozen.graph.as_graph_def().SerializeToString())
    os.replace(partial, path)


def best_time(argv: list[str], repeats: int) -> tuple[float, float]:
    """Fastest wall time and fastest CPU time (user + sys) of `repeats` runs of
    argv (stdout discarded, must exit 0). CPU time suffers less from other
    processes on a shared machine."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        best_wall = min(best_wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu = min(best_cpu, cpu)
    return best_wall, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--print_structure", action="store_true",
                        help="also time summarize --print_structure")
    args = parser.parse_args()

    if not os.path.exists(GRAPH):
        print(f"building {GRAPH} (once) ...", flush=True)
        build_graph(GRAPH)
    size_mb = os.path.getsize(GRAPH) / 1e6

    summarize = [os.path.join(VENV_BIN, "tflite-tools"), "summarize", f"--in_graph={GRAPH}"]
    import_tf = [os.path.join(VENV_BIN, "python"), "-c", "import tensorflow"]
    runs = [("tflite-tools summarize", summarize)]
    if args.print_structure:
        runs.append(("tflite-tools summarize --print_structure", summarize + ["--print_structure"]))
    base_wall, base_cpu = best_time(import_tf, args.repeats)

    print(f"graph: ResNet50 frozen, {size_mb:.1f} MB; best of {args.repeats} runs each")
    print(f"{'':<42} {'wall s':>8} {'ratio':>6} {'cpu s':>8} {'ratio':>6}")
    print(f"{'python -c import tensorflow (baseline)':<42} {base_wall:8.3f} {'':>6} {base_cpu:8.3f}")
    for label, argv in runs:
        wall, cpu = best_time(argv, args.repeats)
        print(f"{label:<42} {wall:8.3f} {wall / base_wall:6.3f} {cpu:8.3f} {cpu / base_cpu:6.3f}")
    print("target: ratio <= 0.10")


if __name__ == "__main__":
    main()
