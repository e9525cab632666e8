"""The `tflite-tools` command line.

`main(argv) -> int` parses arguments, runs one job through the library and
prints its result; it never calls sys.exit, so tests call it in-process.
Each subcommand lives in `tflite_tools/commands/<name>.py` and provides
`configure(parser)` and `run(args)`, which returns a result message (or None
when it printed nothing); `args.progress` is the stream for progress lines. Errors map to exit codes in one place, here.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys

from tflite_tools import render
from tflite_tools.errors import TfliteToolsError

# name -> one-line help; the module tflite_tools.commands.<name> is imported
# only when that command runs, so `--help` never loads TensorFlow.
COMMANDS = {
    "inspect": "say what a TensorFlow artifact is: format, inputs, outputs, variables, ops",
    "summarize": "TensorFlow's summarize_graph: same flags, same text",
    "freeze": "TensorFlow's freeze_graph: checkpoint + graph -> frozen GraphDef",
    "convert": "any TensorFlow artifact -> .tflite (optionally verified)",
    "verify": "run TensorFlow and TFLite on the same inputs and compare",
    "benchmark": "benchmark_model for TensorFlow graphs and .tflite, side by side",
    "report": "one self-contained HTML page: model, conversion, verification, quantization, latency",
    "explore": "Google's Model Explorer on the model, with op support and parameters per node",
    "parse": "parse a log of TF's tools into a tflite-tools result",
    "doctor": "which TensorFlow, converter API, Bazel and native tools are here",
    "demo": "build a small Saver checkpoint + graph and take it to a verified .tflite",
}


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() picks the code."""

    def error(self, message):
        raise _ArgparseError(f"{self.prog}: {message}")


class _ArgparseError(Exception):
    pass


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="tflite-tools",
        description="Take TensorFlow models to verified TensorFlow Lite, and inspect, "
        "summarize, freeze, convert, verify and benchmark them.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    for name, help_text in COMMANDS.items():
        child = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            child.add_argument("--format", choices=render.FORMATS, default="text",
                               help="how to print the result (default: text)")
            _command_module(name).configure(child)
    return parser


def _command_module(name: str):
    return importlib.import_module(f"tflite_tools.commands.{name}")


def _command_name(argv: list[str]) -> str | None:
    for arg in argv:
        if arg in COMMANDS:
            return arg
        if not arg.startswith("-"):
            return None
    return None


def main(argv: list[str] | None = None, stdout=None, stderr=None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 usage/input, 3 conversion, 4 mismatch,
    1 an unexpected internal error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    command = _command_name(argv)
    try:
        parser = build_parser(command)
        with contextlib.redirect_stdout(stdout):  # argparse prints --help to sys.stdout
            args = parser.parse_args(argv)
    except _ArgparseError as exc:
        stderr.write(f"{exc}\nRun 'tflite-tools {command or ''} --help' for usage.\n".replace("  ", " "))
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(stdout)
        return 2
    args.progress = stderr  # where commands may report progress (never results)
    try:
        result = _command_module(args.command).run(args)
    except TfliteToolsError as err:
        if err.result is not None:
            stdout.write(render.render(err.result, args.format))
        stderr.write(f"tflite-tools {args.command}: error: {err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        stderr.write("tflite-tools: interrupted\n")
        return 130
    except Exception as exc:  # a bug of ours or a library's: one line unless asked
        if os.environ.get("TFLITE_TOOLS_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        stderr.write(f"tflite-tools {args.command}: internal error: {type(exc).__name__}: {first} "
                     "(this is a bug; rerun with TFLITE_TOOLS_DEBUG=1 for the traceback and report it)\n")
        return 1
    if result is not None:
        stdout.write(render.render(result, args.format))
    return 0


def entry_point() -> None:
    """Console-script entry: exit with main()'s code."""
    sys.exit(main())
