"""`tflite-tools parse TOOL FILE`: a log of one of TF's tools -> its result message.

    tflite-tools parse summarize_graph out.txt                 # summarize_graph's text again
    tflite-tools parse tflite_benchmark_model log.txt --format json
    adb shell ... benchmark_model ... | tflite-tools parse tflite_benchmark_model - --format json

The message is the one the Python engine returns for the same job
(GraphSummary, BenchmarkResult, FreezeResult), so scripts read both alike.
"""

from __future__ import annotations

import sys

from tflite_tools.errors import InputError

_TOOLS = ("summarize_graph", "benchmark_model", "tflite_benchmark_model", "freeze_graph")


def configure(parser) -> None:
    parser.add_argument("tool", metavar="TOOL", choices=_TOOLS,
                        help="which tool wrote the log: " + ", ".join(_TOOLS))
    parser.add_argument("file", metavar="FILE",
                        help="the log (stdout and/or stderr, pasted as is); - reads stdin")
    parser.epilog = ("--format text re-renders summarize_graph's stdout and the benchmark "
                     "tools' summary lines; freeze_graph results print as pbtxt.")


def run(args):
    from tflite_tools import parsers

    text = _read(args.file)
    result = parsers.parse(args.tool, text)
    if args.format == "text" and args.tool == "freeze_graph":
        # freeze.format_text describes a freeze that ran; a parsed log is often only an error
        args.format = "pbtxt"
    if not recognised(result):
        others = [tool for tool in _TOOLS if tool != args.tool and recognised(parsers.parse(tool, text))]
        hint = (f"is it a log of {' or '.join(others)}?" if others
                else f"give the stdout and/or stderr of {args.tool} as it printed them.")
        count = _line_count(result)
        raise InputError(f"nothing in {_name(args.file)} looks like {args.tool} output "
                         f"({count} line{'' if count == 1 else 's'}, none known); {hint}")
    return result


def recognised(message) -> bool:
    """True when the parser placed at least one line somewhere other than unknown_lines."""
    probe = type(message)()
    probe.CopyFrom(message)
    empty = type(message)()
    for holder in _holders(probe):
        del holder.unknown_lines[:]
    for run in getattr(probe, "runs", []):
        run.runtime = ""  # set by the parser, not by the log
        empty.runs.add()
    return probe != empty


def _holders(message) -> list:
    """The message and its runs: whatever has an `unknown_lines` field."""
    return [m for m in [message, *getattr(message, "runs", [])]
            if "unknown_lines" in m.DESCRIPTOR.fields_by_name]


def _line_count(message) -> int:
    return sum(len(holder.unknown_lines) for holder in _holders(message))


def _name(path: str) -> str:
    return "stdin" if path == "-" else path


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}; give the path of a saved log, "
                         "or - to read stdin.") from exc
