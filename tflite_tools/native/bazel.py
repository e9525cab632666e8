"""Driver for Bazel: build targets of a workspace and find their executables.

Same shape as the other drivers: build argv, run, parse. `Bazel.build`
runs `bazel build` and streams Bazel's progress (its stderr) to the user;
`Bazel.executables` asks Bazel itself where each target's executable is
(`cquery --output=starlark`, because Bazel 4.2.3 has no `--output=files`),
with the same build flags so the configuration (k8-opt, ...) matches.
`Bazel.ensure_built` adds reuse: after a successful build it records each
executable's path, mtime and size in a stamp file; as long as the file is
unchanged, later calls skip Bazel entirely. On a TensorFlow tree even a
no-op `bazel build` costs a server start plus analysis of thousands of
packages, while the tools' sources rarely change; `rebuild=True` (the CLI's
`--rebuild`) always asks Bazel, whose own up-to-date check then applies.

    >>> bazel = Bazel("~/tensorflow", build_flags=["--config=opt"])
    >>> bazel.ensure_built(["//tensorflow/tools/graph_transforms:summarize_graph"])
    {'//tensorflow/tools/graph_transforms:summarize_graph': '/.../bazel-out/k8-opt/bin/...'}
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Sequence, TextIO

from tflite_tools.core.fileio import write_atomic
from tflite_tools.errors import ToolFailedError, UsageError
from tflite_tools.native import _process
from tflite_tools.native.cache import cache_dir

# A TensorFlow build from scratch takes hours on a laptop.
BUILD_TIMEOUT_S = 6 * 3600.0
QUERY_TIMEOUT_S = 1800.0
# Flags tflite-tools adds: progress as plain lines (it goes through a pipe);
# no --sandbox_debug flood (Debian's /etc/bazel/bazelrc turns it on); no
# bazel-* symlinks, so a user's bazel-bin keeps pointing at their own
# configuration (outputs are found through cquery instead).
_OUTPUT_FLAGS = ["--curses=no", "--color=no", "--nosandbox_debug", "--symlink_prefix=/"]
_EXECUTABLE_EXPR = 'str(target.label) + "\\t" + target.files_to_run.executable.path'


class Bazel:
    """The `bazel` client bound to one workspace, with fixed startup and build flags."""

    def __init__(self, workspace: str, *, bazel: str = "bazel",
                 startup_flags: Sequence[str] = (), build_flags: Sequence[str] = (),
                 progress: TextIO | None = None, build_timeout: float = BUILD_TIMEOUT_S):
        self.workspace = os.path.realpath(os.path.expanduser(workspace))
        if not os.path.isfile(os.path.join(self.workspace, "WORKSPACE")) and \
                not os.path.isfile(os.path.join(self.workspace, "WORKSPACE.bazel")):
            raise UsageError(f"{workspace} is not a Bazel workspace (it has no WORKSPACE file); "
                             "pass the root of a TensorFlow source tree to --tf_source.")
        self.command = _process.resolve(
            os.environ.get("BAZEL", bazel), ["PATH", "$BAZEL"],
            "install Bazel (https://bazel.build) or set BAZEL to its path.")
        self.startup_flags = list(startup_flags)
        self.build_flags = list(build_flags)
        self.progress = progress
        self.build_timeout = build_timeout
        self.last_build: _process.Completed | None = None

    def build(self, targets: Sequence[str]) -> _process.Completed:
        """`bazel build targets`, streaming progress; returns the finished run.

        Raises:
            ToolFailedError: Bazel failed (its error lines are in the message) or timed out.
        """
        args = self.startup_flags + ["build"] + _OUTPUT_FLAGS + self.build_flags + ["--"] + list(targets)
        done = _process.stream(self.command, args, timeout=self.build_timeout,
                               progress=self.progress, cwd=self.workspace)
        self.last_build = done
        if done.returncode != 0:
            raise _build_failure(done)
        return done

    def executables(self, targets: Sequence[str]) -> dict[str, str]:
        """Absolute path of each target's executable, keyed by the label as given."""
        query = " + ".join(targets)
        args = self.startup_flags + ["cquery"] + _OUTPUT_FLAGS + self.build_flags + [
            "--output=starlark", f"--starlark:expr={_EXECUTABLE_EXPR}", "--", query]
        done = _process.run(self.command, args, timeout=QUERY_TIMEOUT_S, cwd=self.workspace)
        if done.returncode != 0:
            raise done.failed()
        execroot = self._execution_root()
        found = {}
        for line in done.stdout.splitlines():
            label, _, path = line.partition("\t")
            found[_canonical(label)] = os.path.join(execroot, path)
        missing = [t for t in targets if _canonical(t) not in found]
        if missing:
            raise done.failed(reason=f"did not report an executable for {', '.join(missing)}")
        return {t: found[_canonical(t)] for t in targets}

    def ensure_built(self, targets: Sequence[str], *, rebuild: bool = False) -> dict[str, str]:
        """Executables of `targets`, building them unless a stamp shows they are current."""
        if not rebuild:
            reused = {t: self.stamped_path(t) for t in targets}
            if all(reused.values()):
                return reused
        self.build(targets)
        paths = self.executables(targets)
        for target, path in paths.items():
            self._write_stamp(target, path)
        return paths

    def _execution_root(self) -> str:
        done = _process.run(self.command, self.startup_flags + ["info", "execution_root"],
                            timeout=QUERY_TIMEOUT_S, cwd=self.workspace)
        if done.returncode != 0:
            raise done.failed()
        return done.stdout.strip()

    def _stamp_file(self, target: str) -> str:
        key = json.dumps([self.workspace, self.startup_flags, self.build_flags, _canonical(target)])
        name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"
        return os.path.join(cache_dir(), "bazel-stamps", name)

    def _write_stamp(self, target: str, path: str) -> None:
        info = os.stat(path)
        stamp = {"workspace": self.workspace, "target": target, "path": path,
                 "mtime_ns": info.st_mtime_ns, "size": info.st_size}
        write_atomic(self._stamp_file(target), json.dumps(stamp, indent=1).encode())

    def stamped_path(self, target: str) -> str | None:
        """The executable recorded for `target` if it is unchanged since, else None."""
        try:
            with open(self._stamp_file(target), encoding="utf-8") as f:
                stamp = json.load(f)
            info = os.stat(stamp["path"])
        except (OSError, ValueError, KeyError):
            return None
        if (info.st_mtime_ns, info.st_size) != (stamp["mtime_ns"], stamp["size"]):
            return None
        return stamp["path"]


def _canonical(label: str) -> str:
    """`//a/b:b` for `//a/b` and `@//a/b:b` spellings, so labels compare equal."""
    label = label.strip()
    if label.startswith("@//"):
        label = label[1:]
    if ":" not in label:
        label += ":" + label.rsplit("/", 1)[-1]
    return label


def _build_failure(done: _process.Completed) -> ToolFailedError:
    """A ToolFailedError whose tail shows Bazel's ERROR lines, not its progress chatter."""
    errors = [line for line in done.stderr.splitlines() if line.startswith(("ERROR:", "FAILED:"))]
    compiler = [line for line in done.stderr.splitlines() if "error:" in line or "#error" in line]
    shown = "\n".join((compiler[:5] + errors) or done.stderr.splitlines())
    return ToolFailedError(done.argv, done.returncode, "", shown,
                           reason=f"failed to build (exit code {done.returncode})")
