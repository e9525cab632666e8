"""Where the native TF tools come from, resolved once per run.

A tool is looked for, in this order:
1. `--tool_dir DIR`: `DIR/<package path>/<name>` (so a `bazel-bin` directory
   works as is) or `DIR/<file name>`;
2. a TensorFlow source tree (`--tf_source DIR` or $TF_SOURCE_DIR): built with
   Bazel on first use, reused afterwards (see `bazel.Bazel.ensure_built`);
3. the programs on PATH.

`NativeTools.command(name)` returns a bound plumbum command (building the
tool first when it comes from a source tree); `NativeTools.locate(name)`
says where a tool is without building anything (for `--engine auto` and
`doctor`).

    >>> tools = NativeTools(tf_source="~/tensorflow", bazel_flags=["--config=opt"])
    >>> summarize_graph = tools.command("summarize_graph")
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from typing import Sequence, TextIO

from tflite_tools.errors import ToolNotFoundError, UsageError
from tflite_tools.native import _process
from tflite_tools.native.bazel import Bazel


@dataclass(frozen=True)
class Tool:
    """One of TensorFlow's tools: its Bazel target and its prebuilt file names."""

    name: str
    label: str
    file_names: tuple[str, ...]

    @property
    def package_path(self) -> str:
        """`tensorflow/tools/benchmark/benchmark_model` for the target's output."""
        package, _, target = self.label[2:].partition(":")
        return os.path.join(package, target)


TOOLS = {tool.name: tool for tool in (
    Tool("summarize_graph", "//tensorflow/tools/graph_transforms:summarize_graph",
         ("summarize_graph",)),
    Tool("freeze_graph", "//tensorflow/python/tools:freeze_graph", ("freeze_graph",)),
    Tool("tf_benchmark_model", "//tensorflow/tools/benchmark:benchmark_model",
         ("benchmark_model",)),
    # TFLite's prebuilt nightly binaries are named after the platform.
    Tool("tflite_benchmark_model", "//tensorflow/lite/tools/benchmark:benchmark_model",
         ("tflite_benchmark_model", "linux_x86-64_benchmark_model", "linux_aarch64_benchmark_model")),
)}


class NativeTools:
    """The native TF tools of one run: prebuilt, on PATH, or built from a TF source tree."""

    def __init__(self, *, tool_dir: str | None = None, tf_source: str | None = None,
                 bazel_flags: Sequence[str] = (), bazel_startup_flags: Sequence[str] = (),
                 rebuild: bool = False, progress: TextIO | None = None,
                 search_path: bool = True, builder=None, timeout: float = 600.0):
        self.tool_dir = os.path.expanduser(tool_dir) if tool_dir else None
        if self.tool_dir and not os.path.isdir(self.tool_dir):
            raise UsageError(f"--tool_dir {tool_dir} is not a directory; pass the directory "
                             "that holds summarize_graph, benchmark_model, ... (e.g. a bazel-bin).")
        self.tf_source = os.path.expanduser(tf_source) if tf_source else None
        self.bazel_flags = list(bazel_flags)
        self.bazel_startup_flags = list(bazel_startup_flags)
        self.rebuild = rebuild
        self.progress = progress
        self.search_path = search_path
        self.timeout = timeout
        # Something with `.executables(labels) -> {label: path}` that builds
        # on demand: a Bazel over the source tree unless given (wheel builds).
        self._builder = builder
        self._commands: dict = {}

    @property
    def builder(self):
        """The Bazel that builds tools from the source tree (created on first use)."""
        if self._builder is None and self.tf_source:
            self._builder = _SourceBuilder(Bazel(
                self.tf_source, startup_flags=self.bazel_startup_flags,
                build_flags=self.bazel_flags, progress=self.progress), self.rebuild)
        return self._builder

    def command(self, name: str):
        """A bound plumbum command for tool `name`, building it if it comes from source.

        Raises:
            ToolNotFoundError: the tool is nowhere to be found and there is no source tree.
            ToolFailedError: building it failed.
        """
        if name not in self._commands:
            path = self._prebuilt(name)
            if path is None and self.builder is not None:
                path = self.builder.executables([TOOLS[name].label])[TOOLS[name].label]
            if path is None:
                raise ToolNotFoundError(name, self.places(), "pass --tf_source DIR (a TensorFlow "
                                        "source tree, built with Bazel on first use) or --tool_dir DIR.")
            self._commands[name] = _process.resolve(path, self.places())
        return self._commands[name]

    def run(self, name: str, args: Sequence[str]) -> _process.Completed:
        """Run tool `name` with `args` (within the run timeout); any exit code is returned."""
        return _process.run(self.command(name), args, timeout=self.timeout, env=tool_environment())

    def locate(self, name: str) -> str | None:
        """Path of tool `name` if it exists now (prebuilt or already built), without building."""
        path = self._prebuilt(name)
        if path is None and self.builder is not None:
            path = self.builder.built(TOOLS[name].label)
        return path

    def places(self) -> list[str]:
        """Where tools are looked for, for messages."""
        places = [f"--tool_dir {self.tool_dir}"] if self.tool_dir else []
        places += [f"TF source tree {self.tf_source}"] if self.tf_source else []
        return places + (["PATH"] if self.search_path else [])

    def _prebuilt(self, name: str) -> str | None:
        tool = TOOLS[name]
        candidates = []
        if self.tool_dir:
            candidates.append(os.path.join(self.tool_dir, tool.package_path))
            candidates += [os.path.join(self.tool_dir, f) for f in tool.file_names]
        if self.search_path and not self.tf_source:
            candidates += [p for p in map(shutil.which, tool.file_names) if p]
        return next((p for p in candidates if os.path.isfile(p) and os.access(p, os.X_OK)), None)


def tool_environment() -> dict[str, str]:
    """Environment for running the tools: this Python first on PATH.

    Bazel's py_binary stubs (freeze_graph) start with `#!/usr/bin/env python`,
    so they run on the first `python` on PATH: make that the interpreter
    running tflite-tools, which has TensorFlow. TF's C++ INFO logging must
    stay on: benchmark_model reports everything through it, and importing
    TensorFlow in this process sets TF_CPP_MIN_LOG_LEVEL=2 for children.
    """
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    return {"PATH": path, "TF_CPP_MIN_LOG_LEVEL": "0"}


class _SourceBuilder:
    """Builds tools from a TF source tree with Bazel (one target at a time, on demand)."""

    def __init__(self, bazel: Bazel, rebuild: bool):
        self.bazel = bazel
        self.rebuild = rebuild

    def executables(self, labels: Sequence[str]) -> dict[str, str]:
        paths = self.bazel.ensure_built(labels, rebuild=self.rebuild)
        self.rebuild = False  # once per run is enough
        return paths

    def built(self, label: str) -> str | None:
        return self.bazel.stamped_path(label)
