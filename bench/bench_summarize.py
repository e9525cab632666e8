"""How long `tflite-tools summarize` takes on a ~100 MB frozen ResNet50,
against the time Python needs just to `import tensorflow`.

The graph (tf.keras.applications.ResNet50(weights=None): random weights,
nothing downloaded, frozen with convert_variables_to_constants_v2) is built
once and cached in bench/.cache/. Both commands run as whole processes,
best of --repeats; the ratio summarize / import-tensorflow is printed
(target: <= 0.10). Absolute times on a shared machine mean little; the
ratio, measured in the same run, is the number to watch.

    .venv/bin/python bench/bench_summarize.py [--repeats 5] [--print_structure]
"""

from __future__ import annotations

import argparse
import os
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
    from tflite_tools._tf import tensorflow
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

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


def best_time(argv: list[str], repeats: int) -> float:
    """Fastest wall time of `repeats` runs of argv (stdout discarded, must exit 0)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        best = min(best, time.perf_counter() - start)
    return best


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
    baseline = best_time(import_tf, args.repeats)

    print(f"graph: ResNet50 frozen, {size_mb:.1f} MB; best of {args.repeats} runs each")
    print(f"{'python -c import tensorflow':<45} {baseline:8.3f} s   (baseline)")
    for label, argv in runs:
        seconds = best_time(argv, args.repeats)
        print(f"{label:<45} {seconds:8.3f} s   ratio {seconds / baseline:.3f} (target <= 0.10)")


if __name__ == "__main__":
    main()
