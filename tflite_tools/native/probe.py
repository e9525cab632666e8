"""What the native engine has on this machine, for `tflite-tools doctor`.

    >>> native = probe(NativeTools(tf_source="~/tensorflow"))
    >>> native.bazel_version, [(t.name, t.found) for t in native.tools]

Never builds anything and never raises: missing pieces are reported.
"""

from __future__ import annotations

import os
import shutil

from tflite_tools.errors import TfliteToolsError
from tflite_tools.native import _process
from tflite_tools.native.tools import TOOLS, NativeTools
from tflite_tools.proto import doctor_pb2

_VERSION_TIMEOUT_S = 60.0


def probe(tools: NativeTools) -> doctor_pb2.NativeEngine:
    """Bazel (path, version), the TF source tree, and where each native tool is."""
    native = doctor_pb2.NativeEngine(checked=True, tensorflow_source_tree=tools.tf_source or "")
    bazel = os.environ.get("BAZEL") or shutil.which("bazel")
    if bazel:
        native.bazel_path = bazel
        native.bazel_version = bazel_version(bazel)
    notes = []
    for name in TOOLS:
        try:
            path = tools.locate(name)
        except TfliteToolsError as err:  # e.g. a --tf_source that is not a workspace
            notes.append(str(err))
            path = None
        native.tools.add(name=name, path=path or "", found=bool(path))
    if not tools.tf_source and not any(tool.found for tool in native.tools):
        notes.append("no native tools: pass --tf_source DIR (or set TF_SOURCE_DIR) to build them "
                     "with Bazel, or --tool_dir DIR for prebuilt ones")
    elif tools.tf_source and not all(tool.found for tool in native.tools):
        notes.append("tools not built yet are built by the first command that needs them "
                     "(--engine native)")
    native.note = "; ".join(dict.fromkeys(notes))
    return native


def bazel_version(bazel: str) -> str:
    """`bazel --version` without the "bazel " prefix, or Debian's package version.

    Debian's bazel-bootstrap is built without version information (it prints
    "bazel no_version"); its package knows the version.
    """
    try:
        done = _process.run(_process.resolve(bazel, [bazel]), ["--version"], timeout=_VERSION_TIMEOUT_S)
    except TfliteToolsError:
        return ""
    version = done.stdout.strip().removeprefix("bazel ").strip()
    if version not in ("", "no_version") or not shutil.which("dpkg-query"):
        return version
    dpkg = _process.run(_process.resolve("dpkg-query", ["PATH"]),
                        ["-W", "-f", "${Version}", "bazel-bootstrap"], timeout=_VERSION_TIMEOUT_S)
    if dpkg.returncode == 0 and dpkg.stdout.strip():
        return f"{dpkg.stdout.strip()} (Debian bazel-bootstrap)"
    return version
