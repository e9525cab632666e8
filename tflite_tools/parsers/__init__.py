"""Parsers for the logs of TensorFlow's tools: each returns the same result
message the Python engine returns for that job.

    >>> from tflite_tools import parsers
    >>> summary = parsers.parse("summarize_graph", open("out.txt").read())
    >>> tool, result = parsers.parse_auto(open("phone.log").read())   # which tool wrote it

`TOOLS` maps each tool name to its parser. Parsers never raise on odd input:
lines they do not know (or whose numbers no field holds) land in the
result's `unknown_lines`, and a log cut short gives whatever it holds.
"""

from __future__ import annotations

from tflite_tools.parsers import (
    freeze_graph,
    summarize_graph,
    tf_benchmark,
    tflite_benchmark,
)
from tflite_tools.parsers._log_lines import clean

TOOLS = {
    "summarize_graph": summarize_graph.parse,
    "benchmark_model": tf_benchmark.parse,
    "tflite_benchmark_model": tflite_benchmark.parse,
    "freeze_graph": freeze_graph.parse,
}
AUTO = "auto"

__all__ = ["AUTO", "TOOLS", "known_count", "misfit", "parse", "parse_auto", "unknown_count"]


def parse(tool: str, text: str):
    """Parse `text`, a log of `tool` (a key of TOOLS, or "auto"), into its result message."""
    return parse_auto(text)[1] if tool == AUTO else TOOLS[tool](text)


def parse_auto(text: str) -> tuple[str | None, object]:
    """(tool, result) of the parser that knows the most lines of `text`; on a
    tie the first in TOOLS' order. tool is None when no parser knows any line
    (result is then summarize_graph's, every line unknown)."""
    readings = [(tool, parser(text)) for tool, parser in TOOLS.items()]
    known = [(tool, result) for tool, result in readings if known_count(text, result)]
    if not known:
        return None, readings[0][1]
    return min(known, key=lambda reading: unknown_count(reading[1]))


def misfit(tool: str, text: str) -> str | None:
    """A sentence when another tool's parser knows more lines of `text` than
    `tool`'s does (the log was likely written by that tool), else None."""
    asked = unknown_count(TOOLS[tool](text))
    best, result = parse_auto(text)
    if best is None or best == tool or unknown_count(result) >= asked:
        return None
    return (f"this looks like a log of {best}, not {tool}: {asked} of its lines are unknown to "
            f"{tool}'s parser, {unknown_count(result)} to {best}'s (leave TOOL out to detect it)")


def known_count(text: str, message) -> int:
    """Lines of `text` the parser that gave `message` knew (an empty graph's
    summary knows its lines and fills no field)."""
    return max(0, sum(1 for line in clean(text) if line.text) - unknown_count(message))


def unknown_count(message) -> int:
    """Lines of the log the parser did not know."""
    return sum(len(holder.unknown_lines) for holder in _holders(message))


def _holders(message) -> list:
    """The message and its runs: whatever has an `unknown_lines` field."""
    return [m for m in [message, *getattr(message, "runs", [])]
            if "unknown_lines" in m.DESCRIPTOR.fields_by_name]
