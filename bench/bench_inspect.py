"""What `inspect` costs, against baselines run on the same machine.

    .venv/bin/python bench/bench_inspect.py [--rounds 5] [--nodes 20000]

1. In process, a graph with many nodes (built here with TensorFlow) and
   shared/fixtures/tf_tools/09_big_params (3.1M parameters in few nodes):
   `inspect(path)` against a bare parse of the same file into a GraphDef
   (the least any inspector must do). Detection parses the file, the loader
   parses it again, then the analysis walks it: the ratio shows that cost.
2. Cold command line, each in a fresh process: `tflite-tools inspect` (no
   TensorFlow) against `python -c "import tensorflow"` plus a parse, what a
   TensorFlow-based inspector pays before it can look at the graph; and
   `tflite-tools --help` against `python -c pass`.
Best of --rounds for each side; ratios are ours / baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tflite_tools.inspect.model_summary import inspect  # noqa: E402
from tflite_tools.proto import tf_graph_pb2  # noqa: E402

BIG_PARAMS = os.path.join(REPO, "..", "shared", "fixtures", "tf_tools", "09_big_params", "graph.pb")
CLI = os.path.join(os.path.dirname(sys.executable), "tflite-tools")


_BUILD = """
import sys
from tflite_tools.core.lazy_tf import tensorflow
tf = tensorflow()
graph = tf.Graph()
with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [1, 16], name="input")
    for i in range(int(sys.argv[2]) // 3):
        x = tf.nn.relu(x + tf.constant(float(i % 7), shape=[16]))
    tf.identity(x, name="output")
with open(sys.argv[1], "wb") as f:
    f.write(graph.as_graph_def().SerializeToString())
"""


def _many_nodes_graph(directory: str, nodes: int) -> str:
    """A frozen chain of ~`nodes` nodes (Const + AddV2 + Relu), built in a
    child process: TensorFlow's objects in this one would make Python's
    garbage collector, and so the measurement, slower than in the CLI."""
    path = os.path.join(directory, "many_nodes.pb")
    subprocess.run([sys.executable, "-c", _BUILD, path, str(nodes)], check=True, capture_output=True)
    return path


def _best(rounds: int, function) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _bare_parse(path: str) -> None:
    with open(path, "rb") as f:
        tf_graph_pb2.GraphDef().ParseFromString(f.read())


def _run(argv) -> None:
    subprocess.run(argv, check=True, capture_output=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        many = _many_nodes_graph(directory, args.nodes)
        print(f"machine: {os.cpu_count()} cores (shared, noisy); best of {args.rounds}")
        for label, path in (("many nodes", many), ("09_big_params", BIG_PARAMS)):
            ours = _best(args.rounds, lambda: inspect(path))
            base = _best(args.rounds, lambda: _bare_parse(path))
            size = os.path.getsize(path) / 1e6
            nodes = inspect(path).node_count
            print(f"in-process {label} ({nodes} nodes, {size:.1f} MB): inspect {ours * 1e3:.1f} ms, "
                  f"bare GraphDef parse {base * 1e3:.1f} ms, ratio {ours / base:.2f}x")
        tf_parse = (f"import tensorflow as tf; g = tf.compat.v1.GraphDef(); "
                    f"g.ParseFromString(open({many!r}, 'rb').read())")
        ours = _best(args.rounds, lambda: _run([CLI, "inspect", many, "--format", "json"]))
        base = _best(args.rounds, lambda: _run([sys.executable, "-c", tf_parse]))
        print(f"cold CLI: tflite-tools inspect {ours:.2f} s, import tensorflow + parse {base:.2f} s, "
              f"ratio {ours / base:.2f}x")
        ours = _best(args.rounds, lambda: _run([CLI, "--help"]))
        base = _best(args.rounds, lambda: _run([sys.executable, "-c", "pass"]))
        print(f"cold CLI: tflite-tools --help {ours * 1e3:.0f} ms, python -c pass {base * 1e3:.0f} ms, "
              f"ratio {ours / base:.2f}x")


if __name__ == "__main__":
    main()
