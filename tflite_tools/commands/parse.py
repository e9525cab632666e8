"""`tflite-tools parse [TOOL] FILE`: a log of one of TF's tools -> its result message.

    tflite-tools parse out.txt                                 # which tool wrote it is detected
    tflite-tools parse summarize_graph out.txt                 # summarize_graph's text again
    tflite-tools parse tflite_benchmark_model log.txt --format json
    adb shell ... benchmark_model ... | tflite-tools parse - --format json

The message is the one the Python engine returns for the same job
(GraphSummary, BenchmarkResult, FreezeResult), so scripts read both alike.
A named TOOL that fits the log worse than another gives a warning on stderr.
"""

from __future__ import annotations

import sys

from tflite_tools import parsers
from tflite_tools.errors import InputError

_TOOLS = ("auto", "summarize_graph", "benchmark_model", "tflite_benchmark_model", "freeze_graph")


def configure(parser) -> None:
    parser.add_argument("tool", metavar="TOOL", nargs="?", default="auto", choices=_TOOLS,
                        help="which tool wrote the log: " + ", ".join(_TOOLS) +
                        " (the default: the tool whose lines the log holds)")
    parser.add_argument("file", metavar="FILE",
                        help="the log (stdout and/or stderr, pasted as is); - reads stdin")
    parser.epilog = ("--format text re-renders summarize_graph's stdout and the benchmark "
                     "tools' summary lines; freeze_graph results print as pbtxt.")


def run(args):
    text = _read(args.file)
    tool = args.tool
    if tool == parsers.AUTO:
        tool, result = parsers.parse_auto(text)
        if tool is None:
            count = parsers.unknown_count(result)
            raise InputError(f"nothing in {_name(args.file)} looks like the output of "
                             f"{', '.join(parsers.TOOLS)} ({count} line{'' if count == 1 else 's'}, "
                             "none known); give a tool's stdout and/or stderr as it printed them.")
    else:
        result = parsers.parse(tool, text)
        _check_fit(tool, text, result, args)
    if args.format == "text" and tool == "freeze_graph":
        # freeze.format_text describes a freeze that ran; a parsed log is often only an error
        args.format = "pbtxt"
    return result


def _check_fit(tool: str, text: str, result, args) -> None:
    """Refuse a log the named tool's parser knows nothing of; warn when another tool fits better."""
    if not parsers.known_count(text, result):
        others = [other for other in parsers.TOOLS
                  if other != tool and parsers.known_count(text, parsers.parse(other, text))]
        hint = (f"is it a log of {' or '.join(others)}?" if others
                else f"give the stdout and/or stderr of {tool} as it printed them.")
        count = parsers.unknown_count(result)
        raise InputError(f"nothing in {_name(args.file)} looks like {tool} output "
                         f"({count} line{'' if count == 1 else 's'}, none known); {hint}")
    warning = parsers.misfit(tool, text)
    if warning:
        args.progress.write(f"tflite-tools parse: warning: {warning}\n")


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
