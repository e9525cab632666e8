"""Driver for TensorFlow's summarize_graph: build argv, run, parse into a GraphSummary.

    >>> summary = summarize(tools, "graph.pb", print_structure=False)

The tool prints its summary to stdout and logs errors to stderr, exiting
255 on any failure; the summary it printed before failing (e.g. up to an
"Invalid input" line) is attached to the error as `result`, as the Python
engine does.
"""

from __future__ import annotations

from tflite_tools.native.tools import NativeTools
from tflite_tools.proto import summary_pb2


def summarize(tools: NativeTools, in_graph: str, print_structure: bool = False
              ) -> summary_pb2.GraphSummary:
    """summarize_graph --in_graph=IN_GRAPH [--print_structure], parsed.

    Raises:
        ToolFailedError: the tool exited non-zero or timed out (result: the partial summary).
        ToolNotFoundError: no summarize_graph to run.
    """
    from tflite_tools.parsers import summarize_graph as parser  # noqa: PLC0415

    args = [f"--in_graph={in_graph}"] + (["--print_structure"] if print_structure else [])
    done = tools.run("summarize_graph", args)
    if done.returncode != 0:
        error = done.failed()
        # stderr holds the error summarize_graph logged (it sets `error`).
        error.result = parser.parse(done.stdout + "\n" + done.stderr)
        raise error
    return parser.parse(done.stdout)
