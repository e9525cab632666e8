"""Running external programs through plumbum, the one way tflite-tools does it.

Programs are resolved once (`resolve`) into bound plumbum commands; `run`
executes one with an argv list, `retcode=None` and an explicit timeout, and
turns a timeout into a ToolFailedError. Exit codes are judged by the callers,
which know each tool's conventions (TF's tools exit 255, freeze_graph.py may
exit 0 after failing). `stream` runs a program while copying its stderr to a
progress stream (Bazel's build progress) and keeping all of it for errors.

    >>> cmd = resolve("bazel", looked_in=["PATH"])
    >>> result = run(cmd, ["version"], timeout=60)
    >>> result.returncode, result.stdout
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from typing import Mapping, Sequence, TextIO

import plumbum
from plumbum.commands.processes import BY_TYPE, ProcessTimedOut, iter_lines

from tflite_tools.errors import ToolFailedError, ToolNotFoundError

INTERRUPT_GRACE_S = 30.0


@dataclass(frozen=True)
class Completed:
    """What a finished program left: its argv, exit code and both outputs."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    def failed(self, reason: str = "") -> ToolFailedError:
        """The ToolFailedError describing this run (command, code, output tail)."""
        return ToolFailedError(self.argv, self.returncode, self.stdout, self.stderr, reason=reason)


def resolve(program: str, looked_in: Sequence[str], hint: str = ""):
    """A bound plumbum command for `program` (a path or a name on PATH).

    Raises:
        ToolNotFoundError: no executable file by that path or name.
    """
    path = program if os.sep in program else shutil.which(program)
    if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise ToolNotFoundError(program, looked_in, hint)
    return plumbum.local[os.path.abspath(path)]


def _argv(command, args: Sequence[str]) -> list[str]:
    return [str(command.executable)] + [str(a) for a in args]


def _bound(command, cwd: str | None, env: Mapping[str, str] | None):
    if env:
        command = command.with_env(**env)
    if cwd:
        command = command.with_cwd(cwd)
    return command


def run(command, args: Sequence[str], *, timeout: float, cwd: str | None = None,
        env: Mapping[str, str] | None = None) -> Completed:
    """Run `command args` to completion; any exit code is returned, not raised.

    Raises:
        ToolFailedError: the program ran longer than `timeout` seconds (it is killed).
    """
    argv = _argv(command, args)
    try:
        code, out, err = _bound(command, cwd, env).run(list(args), retcode=None, timeout=timeout)
    except ProcessTimedOut as exc:
        raise ToolFailedError(argv, None, "", "", reason=f"timed out after {timeout:g} s") from exc
    return Completed(argv, code, out or "", err or "")


def stream(command, args: Sequence[str], *, timeout: float, progress: TextIO | None,
           cwd: str | None = None, env: Mapping[str, str] | None = None) -> Completed:
    """Like `run`, copying each stderr line to `progress` as it arrives.

    On timeout the program gets SIGINT first and SIGKILL only if it is still
    running after INTERRUPT_GRACE_S: a killed Bazel client leaves its server
    running the build (and holding the workspace lock), while an interrupted
    one cancels it.
    """
    argv = _argv(command, args)
    lines: dict[int, list[str]] = {1: [], 2: []}
    proc = _bound(command, cwd, env).popen(list(args))
    timer = threading.Timer(timeout, _interrupt_then_kill, [proc])
    timer.start()
    try:
        for fd, line in iter_lines(proc, retcode=None, mode=BY_TYPE):
            lines[fd].append(line)
            if fd == 2 and progress is not None:
                progress.write(line + "\n")
                progress.flush()
    finally:
        timer.cancel()
    if getattr(proc, "_tflite_tools_interrupted", False):
        raise ToolFailedError(argv, None, "", "\n".join(lines[2]),
                              reason=f"timed out after {timeout:g} s")
    return Completed(argv, proc.returncode, "\n".join(lines[1]), "\n".join(lines[2]))


def _interrupt_then_kill(proc) -> None:
    if proc.poll() is not None:
        return
    proc._tflite_tools_interrupted = True
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(INTERRUPT_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
