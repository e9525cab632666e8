"""`--engine python|native|auto` for the commands that have a TF tool twin.

The command modules call two functions:

    def configure(parser):
        ...
        engine.add_engine_flags(parser)

    def run(args):
        native = engine.native_result("summarize", args)
        if native is not None:
            return native
        ...  # the Python engine

(`resolve_engine(args, tools)` is the lower level: the NativeTools to use,
or None.)

`python` (the default) never touches a native tool; `native` must use them
(building from a TF source tree when needed, else ToolNotFoundError); `auto`
uses them only when every tool the command needs exists already (prebuilt,
on PATH, or built before from the source tree: `auto` never starts a build).
Both engines return the same protos.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Sequence

from tflite_tools.errors import UsageError

if TYPE_CHECKING:  # the tools (and plumbum) load only when a native engine is chosen
    from tflite_tools.native.tools import NativeTools

ENGINES = ("python", "native", "auto")
DEFAULT_TOOL_TIMEOUT_S = 600.0
# Flags that only mean something to the native engine, by argparse dest.
_NATIVE_ONLY = ("tf_source", "tool_dir", "bazel_flag", "bazel_startup_flag", "rebuild",
                "build_against_wheel")


def add_engine_flags(parser: argparse.ArgumentParser, choose: bool = True) -> None:
    """Add --engine (unless `choose` is False, e.g. for doctor) and the native engine's flags."""
    group = parser.add_argument_group(
        "engine", "run TensorFlow's own tools (native) or tflite-tools' Python code")
    if choose:
        group.add_argument("--engine", choices=ENGINES, default="python",
                           help="python (default), native (TF's tools: prebuilt, or built from "
                                "--tf_source with Bazel), or auto (native when already available)")
    group.add_argument("--tf_source", metavar="DIR", default=None,
                       help="TensorFlow source tree to build the tools from "
                            "(default: $TF_SOURCE_DIR)")
    group.add_argument("--tool_dir", metavar="DIR", default=None,
                       help="directory of prebuilt tools (a bazel-bin works)")
    group.add_argument("--bazel_flag", metavar="FLAG", action="append", default=[],
                       help="extra `bazel build` flag, repeatable: --bazel_flag=--config=opt")
    group.add_argument("--bazel_startup_flag", metavar="FLAG", action="append", default=[],
                       help="Bazel startup flag, repeatable: --bazel_startup_flag=--output_user_root=DIR")
    group.add_argument("--rebuild", action="store_true",
                       help="ask Bazel even when the tool was built before and is unchanged")
    group.add_argument("--build_against_wheel", action="store_true",
                       help="compile only the tools' own sources from --tf_source, linking the "
                            "installed TensorFlow wheel's libraries (minutes, not hours)")
    group.add_argument("--tool_timeout", metavar="SECONDS", type=float,
                       default=DEFAULT_TOOL_TIMEOUT_S,
                       help=f"kill a native tool after this long (default {DEFAULT_TOOL_TIMEOUT_S:g})")


def resolve_engine(args: argparse.Namespace, tools: Sequence[str]) -> NativeTools | None:
    """The native tools to use for this command, or None for the Python engine.

    Args:
        args: parsed flags of a command configured with `add_engine_flags`.
        tools: names from `tflite_tools.native.tools.TOOLS` the command needs.

    Raises:
        UsageError: native-engine flags given with --engine python.
    """
    engine = getattr(args, "engine", "python")
    if engine == "python":
        given = [name for name in _NATIVE_ONLY if getattr(args, name, None)]
        if given:
            raise UsageError(f"--{given[0]} is used by the native engine only; "
                             "add --engine native (or auto), or drop it.")
        return None
    native = native_tools(args)
    if engine == "native":
        return native
    return native if all(native.locate(name) for name in tools) else None


def native_result(command: str, args: argparse.Namespace, **routed):
    """Run `command` with the native engine when the flags choose it, else return None.

    `routed` passes values the command module worked out from its flags (freeze's
    graph/checkpoint, convert's model and options) to the native runner.

    Raises:
        UsageError: --engine native for an input the native tools cannot take.
    """
    if getattr(args, "engine", "python") == "python":
        resolve_engine(args, [])  # rejects native-only flags
        return None
    from tflite_tools.native.commands import COMMANDS, Unsupported  # noqa: PLC0415

    needs, run = COMMANDS[command]
    try:
        tools = resolve_engine(args, needs(args))
    except Unsupported:
        if args.engine == "native":
            raise
        return None
    return None if tools is None else run(tools, args, **routed)


def native_tools(args: argparse.Namespace, progress=None) -> NativeTools:
    """NativeTools from the engine flags (and $TF_SOURCE_DIR); Bazel progress goes to stderr."""
    from tflite_tools.native.tools import NativeTools  # noqa: PLC0415

    tf_source = getattr(args, "tf_source", None) or os.environ.get("TF_SOURCE_DIR") or None
    builder = None
    if getattr(args, "build_against_wheel", False):
        if not tf_source:
            raise UsageError("--build_against_wheel compiles the tools' sources from a TensorFlow "
                             "source tree; pass --tf_source DIR or set TF_SOURCE_DIR.")
        from tflite_tools.native.wheel import WheelBuilder  # noqa: PLC0415

        builder = WheelBuilder(tf_source, bazel_flags=getattr(args, "bazel_flag", []),
                               bazel_startup_flags=getattr(args, "bazel_startup_flag", []),
                               rebuild=getattr(args, "rebuild", False),
                               progress=progress or sys.stderr)
    return NativeTools(
        tool_dir=getattr(args, "tool_dir", None), tf_source=tf_source,
        bazel_flags=getattr(args, "bazel_flag", []),
        bazel_startup_flags=getattr(args, "bazel_startup_flag", []),
        rebuild=getattr(args, "rebuild", False), progress=progress or sys.stderr,
        builder=builder, timeout=getattr(args, "tool_timeout", DEFAULT_TOOL_TIMEOUT_S))
