"""Parsers for the logs of TensorFlow's tools: each returns the same result
message the Python engine returns for that job.

    >>> from tflite_tools import parsers
    >>> summary = parsers.parse("summarize_graph", open("out.txt").read())

`TOOLS` maps each tool name to its parser. Parsers never raise on odd input:
lines they do not know land in the result's `unknown_lines`, and a log cut
short gives whatever it holds.
"""

from __future__ import annotations

from tflite_tools.parsers import (
    freeze_graph,
    summarize_graph,
    tf_benchmark,
    tflite_benchmark,
)

TOOLS = {
    "summarize_graph": summarize_graph.parse,
    "benchmark_model": tf_benchmark.parse,
    "tflite_benchmark_model": tflite_benchmark.parse,
    "freeze_graph": freeze_graph.parse,
}

__all__ = ["TOOLS", "parse"]


def parse(tool: str, text: str):
    """Parse `text`, a log of `tool` (a key of TOOLS), into its result message."""
    return TOOLS[tool](text)
