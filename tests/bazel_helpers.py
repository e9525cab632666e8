"""Real Bazel for the tests: a snapshot of the checkout, cached output bases, BuildGrid.

Bazel runs on a snapshot of the files it reads (copied to a stable cache
directory, only changed files rewritten), not on the checkout itself: other
work going on in the checkout must not change a build between two steps of a
test, and the snapshot's fixed path lets reruns reuse the output bases.

Cache root: $TFLITE_TOOLS_BAZEL_TEST_CACHE, else ~/.cache/tflite-tools-tests/bazel.
"""

from __future__ import annotations

import contextlib
import filecmp
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What Bazel reads from the checkout; everything else stays out of the snapshot.
_SNAPSHOT_PATHS = ("WORKSPACE", "BUILD", ".bazelrc", ".bazelignore", "third_party/",
                   "tflite_tools/", "examples/monorepo/")
BUILDGRID = os.path.join(REPO, ".venv-buildgrid", "bin", "bgd")


def cache_root() -> str:
    root = os.environ.get("TFLITE_TOOLS_BAZEL_TEST_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "tflite-tools-tests", "bazel")
    # One tree per checkout: a CI clone elsewhere never shares an output base with it.
    root = os.path.join(root, hashlib.sha256(REPO.encode()).hexdigest()[:12])
    os.makedirs(root, exist_ok=True)
    return root


def _source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    return sorted(path for path in listed if path and path.startswith(_SNAPSHOT_PATHS)
                  and os.path.isfile(os.path.join(REPO, path)))


def snapshot_checkout() -> str:
    """Mirror the checkout's Bazel-relevant files into the cache; returns its path.

    Unchanged files keep their mtime (Bazel then skips re-hashing them); files
    gone from the checkout are deleted, except generated models.
    """
    snapshot = os.path.join(cache_root(), "checkout")
    wanted = set(_source_files())
    for path in wanted:
        source, target = os.path.join(REPO, path), os.path.join(snapshot, path)
        if os.path.isfile(target) and filecmp.cmp(source, target, shallow=False):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target)
    models = os.path.join("examples", "monorepo", "models") + os.sep
    for directory, _, files in os.walk(snapshot):
        for name in files:
            path = os.path.relpath(os.path.join(directory, name), snapshot)
            if path not in wanted and not path.startswith(models) and path.startswith(_SNAPSHOT_PATHS):
                os.remove(os.path.join(snapshot, path))
    # The Python toolchain finds <tflite-tools>/.venv (tflite_tools_python).
    venv = os.path.join(snapshot, ".venv")
    if not os.path.islink(venv):
        os.symlink(os.path.join(REPO, ".venv"), venv)
    return snapshot


def make_example_models(snapshot: str) -> None:
    """Write the example's models (kept between runs: make_models.py skips existing ones)."""
    subprocess.run([sys.executable, os.path.join(snapshot, "examples", "monorepo", "make_models.py")],
                   check=True, capture_output=True, timeout=600)


@dataclass
class Bazel:
    """One Bazel workspace + output base; calls return CompletedProcess with text output."""

    workspace: str
    output_base: str

    def __call__(self, *args: str, cwd: str | None = None, check: bool = True,
                 timeout: float = 1200) -> subprocess.CompletedProcess:
        argv = ["bazel", f"--output_user_root={os.path.join(cache_root(), 'user_root')}",
                f"--output_base={self.output_base}", "--max_idle_secs=900", *args]
        env = {k: v for k, v in os.environ.items() if k != "TFLITE_TOOLS_PYTHON"}
        result = subprocess.run(argv, cwd=cwd or self.workspace, env=env, text=True,
                                capture_output=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} exited {result.returncode}:\n"
                                 f"{result.stderr[-6000:]}\n{result.stdout[-2000:]}")
        return result

    def shutdown(self) -> None:
        if os.path.isdir(self.output_base):
            self("shutdown", check=False, timeout=120)


def read_execution_log(path: str) -> list[dict]:
    """The spawns of an --execution_log_json_file (a stream of JSON objects)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    decoder, spawns, position = json.JSONDecoder(), [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return spawns
        spawn, position = decoder.raw_decode(text, position)
        spawns.append(spawn)


def processes_line(output: str) -> str:
    """Bazel's "INFO: N processes: ..." summary line ("1 process: ..." when one)."""
    return next(line for line in output.splitlines() if re.match(r"INFO: \d+ process(es)?:", line))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_BUILDGRID_CONFIG = """\
description: tflite-tools test remote cache (in memory, loopback only)
server:
  - !channel
    address: "127.0.0.1:{port}"
    insecure-mode: true
authorization:
  method: none
storages:
  - !lru-storage &cas
    size: 256M
caches:
  - !lru-action-cache &ac
    storage: *cas
    max-cached-refs: 4096
    allow-updates: true
    cache-failed-actions: false
instances:
  # Bazel's --remote_instance_name is empty by default; Bazel 4.2.3 uploads
  # every blob through ByteStream, so the instance needs all three services.
  - name: ""
    services:
      - !action-cache
        cache: *ac
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
"""


@contextlib.contextmanager
def buildgrid_server(directory: str):
    """Run BuildGrid (in-memory CAS + action cache) on loopback; yields (url, log path)."""
    assert os.path.exists(BUILDGRID), f"{BUILDGRID} is missing: run `bash .ci/install`"
    port = free_port()
    config = os.path.join(directory, "buildgrid.yml")
    log_path = os.path.join(directory, "buildgrid.log")
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(_BUILDGRID_CONFIG.format(port=port))
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen([BUILDGRID, "server", "start", "-vv", config],
                                  stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                with open(log_path, encoding="utf-8") as log:
                    raise AssertionError(f"BuildGrid did not start:\n{log.read()[-3000:]}")
            time.sleep(0.2)
        yield f"grpc://127.0.0.1:{port}", log_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
