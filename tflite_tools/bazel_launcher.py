"""Entry points of tflite-tools' Bazel binaries.

`run(command)` backs the run targets (`bazel run //tflite_tools:convert --
model.pb -o model.tflite`). `bazel run` starts a binary inside its runfiles
tree, so main first moves to the directory the user ran Bazel from
(BUILD_WORKING_DIRECTORY): relative model paths and output files then mean
what they mean in the user's shell. Run directly (bazel-bin/tflite_tools/
convert) it stays in the current directory. Both return the exit code, which
the generated main files (//tflite_tools/private:launcher.bzl) pass to sys.exit.

`action_main()` backs the build actions of `//tflite_tools:defs.bzl`'s rules:

    bazel_action [--stdout_to FILE] [--hermetic_report FILE] -- CLI ARGS...

It runs one CLI command and keeps the build log quiet: on success nothing is
printed (TensorFlow's native logging included); on failure only the CLI's
one-line error, or everything when the CLI crashed. Outputs must be the same
bytes on every run and machine, so the report is stripped of timings and of
the (sandbox) directory the action ran in.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import traceback

from tflite_tools import cli
from tflite_tools.core.fileio import write_atomic

# Report fields that differ between two runs of the same conversion.
_VOLATILE_KEYS = frozenset({"timings"})


def run(command: str | None = None, argv: list[str] | None = None) -> int:
    """Run the CLI, as `tflite-tools [command] argv...`, from the user's directory.

    Returns the CLI's exit code.
    """
    workdir = os.environ.get("BUILD_WORKING_DIRECTORY")
    if workdir:
        os.chdir(workdir)
    argv = list(sys.argv[1:] if argv is None else argv)
    return cli.main(([command] if command else []) + argv)


@contextlib.contextmanager
def _captured_native_output():
    """Send fds 1 and 2 to one temp file (TensorFlow's C++ logs bypass sys.stderr)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        captured = io.StringIO()
        try:
            yield captured
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            sink.seek(0)
            captured.write(sink.read().decode("utf-8", "replace"))


def _hermetic(value, workdir: str):
    """`value` (parsed JSON) without volatile keys or the `workdir/` prefix."""
    if isinstance(value, dict):
        return {key: _hermetic(item, workdir) for key, item in value.items()
                if key not in _VOLATILE_KEYS}
    if isinstance(value, list):
        return [_hermetic(item, workdir) for item in value]
    if isinstance(value, str):
        return value.replace(workdir + os.sep, "")
    return value


def make_report_hermetic(path: str, workdir: str) -> None:
    """Rewrite the JSON report at `path` without timings and `workdir` paths."""
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    write_atomic(path, json.dumps(_hermetic(report, workdir), indent=2) + "\n")


def _action_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bazel_action", description=__doc__.split("\n\n")[2])
    parser.add_argument("--stdout_to", help="write the command's standard output to this file")
    parser.add_argument("--hermetic_report", help="strip this JSON report of volatile fields")
    parser.add_argument("cli_args", nargs=argparse.REMAINDER, help="-- then the CLI arguments")
    return parser


def action_main(argv: list[str] | None = None) -> int:
    """Run one CLI command as a build action; returns its exit code."""
    args = _action_parser().parse_args(sys.argv[1:] if argv is None else argv)
    cli_args = args.cli_args[1:] if args.cli_args[:1] == ["--"] else args.cli_args
    out, err = io.StringIO(), io.StringIO()
    crash = None
    with _captured_native_output() as native:
        try:
            code = cli.main(cli_args, stdout=out, stderr=err)
        except Exception:  # a bug, not a user error: show all there is
            crash = traceback.format_exc()
            code = 1
    if crash is not None:
        sys.stderr.write(native.getvalue() + crash)
        return code
    if code != 0:
        sys.stderr.write(err.getvalue() or native.getvalue())
        return code
    if args.stdout_to:
        write_atomic(args.stdout_to, out.getvalue())
    if args.hermetic_report:
        make_report_hermetic(args.hermetic_report, os.getcwd())
    return 0
