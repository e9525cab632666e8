"""What reusing a native build saves, and what a native run costs next to Python.

    .venv/bin/python bench/bench_native.py [--rounds 5]

On tests/native_tf_tree (the stand-in TF source tree; real Bazel 4.2.3):
1. Finding an already built summarize_graph: from the stamp (no Bazel) vs
   asking Bazel (`--rebuild`: an up-to-date `bazel build` + cquery + info,
   server already running). Both after one warm-up build. Prints the ratio.
   On a real TF tree Bazel's side grows with the analysis of thousands of
   packages; the stamp's side does not.
2. summarize of shared/fixtures/tf_tools/01_small_cnn_frozen: native
   (subprocess of the built tool + parse) vs the Python engine in-process.
Medians of --rounds rounds; the machine is shared, so read ratios, not times.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tflite_tools.native import summarize_graph  # noqa: E402
from tflite_tools.native.bazel import Bazel  # noqa: E402
from tflite_tools.native.tools import TOOLS, NativeTools  # noqa: E402
from tflite_tools.summarize_graph.summarize import summarize  # noqa: E402

TREE = os.path.join(REPO, "tests", "native_tf_tree")
GRAPH = os.path.join(REPO, "..", "shared", "fixtures", "tf_tools", "01_small_cnn_frozen", "graph.pb")
LABEL = TOOLS["summarize_graph"].label
CACHE = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
STARTUP = [f"--output_base={os.path.join(CACHE, 'tflite-tools-tests', 'native_tf_tree')}",
           "--max_idle_secs=300"]


def _median_seconds(job, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    os.environ["TFLITE_TOOLS_CACHE"] = tempfile.mkdtemp(prefix="bench-native-")

    def bazel(rebuild: bool):
        return Bazel(TREE, startup_flags=STARTUP, progress=io.StringIO()).ensure_built([LABEL],
                                                                                       rebuild=rebuild)

    bazel(True)  # warm-up: server up, tool built, stamp written
    stamp = _median_seconds(lambda: bazel(False), rounds)
    asked = _median_seconds(lambda: bazel(True), rounds)
    print(f"find built summarize_graph: stamp {stamp * 1000:.1f} ms, bazel up-to-date check "
          f"{asked * 1000:.0f} ms: stamp is {asked / stamp:.0f}x faster")

    tools = NativeTools(tf_source=TREE, bazel_startup_flags=STARTUP)
    tools.command("summarize_graph")
    native = _median_seconds(lambda: summarize_graph.summarize(tools, GRAPH), rounds)
    python = _median_seconds(lambda: summarize(GRAPH), rounds)
    print(f"summarize 01_small_cnn_frozen: native {native * 1000:.1f} ms, python "
          f"{python * 1000:.1f} ms: native/python = {native / python:.1f}x")


if __name__ == "__main__":
    main()
