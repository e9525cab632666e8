"""Artifacts written by one TensorFlow, converted and verified under another: a
Keras 2 .h5, a TF1 Saver checkpoint and SavedModels written by TF 2.15 (built by
tests/artifacts.py in .ci/matrix's TF 2.15 venv, in a subprocess, cached by the
digest of artifacts.py), converted here; and this TF's graphs converted there.

The TF 2.15 venv is .ci/matrix's (.ci/run makes it before the main suite)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from tflite_tools.convert.conversion import convert
from tflite_tools.proto import verification_pb2

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
CACHE = os.environ.get("TFLITE_TOOLS_CI_CACHE", os.path.expanduser("~/.cache/tflite-tools-ci"))
TF215 = os.path.join(CACHE, "venv-tf215", "bin", "python")
KINDS = ("checkpoint_graph", "saved_model_tf1", "saved_model_tf2", "keras_h5")

_BUILD = """
import json, os, sys
sys.path.insert(0, sys.argv[2])
import artifacts, tensorflow as tf
out = sys.argv[1]
paths = {}
for kind in ("checkpoint_graph", "saved_model_tf1", "saved_model_tf2"):
    os.makedirs(os.path.join(out, kind))
    paths[kind] = getattr(artifacts, "build_" + kind)(os.path.join(out, kind)).path
os.makedirs(os.path.join(out, "keras"))
paths["keras_h5"] = artifacts.build_keras_files(os.path.join(out, "keras"))[0].path
paths["tensorflow"] = tf.__version__
json.dump(paths, open(os.path.join(out, "paths.json"), "w"))
"""

_CONVERT = """
import sys
from tflite_tools.convert.conversion import convert
report = convert(sys.argv[1], sys.argv[2], verify=True)
print(report.tensorflow_version, report.verification.status)
"""


def _tf215_python() -> str:
    if not os.path.exists(TF215):
        pytest.skip(f"no TF 2.15 venv at {TF215}: run bash .ci/matrix tf215 once")
    return TF215


def _run_215(*argv, cwd=ROOT):
    return subprocess.run([_tf215_python(), *argv], capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, "PYTHONPATH": ROOT}, check=False)


@pytest.fixture(scope="session")
def tf215_artifacts():
    """{kind: path} of artifacts TF 2.15 wrote (made once per digest of artifacts.py)."""
    with open(os.path.join(TESTS, "artifacts.py"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    out = os.path.join(CACHE, f"tf215-artifacts-{digest}")
    if not os.path.exists(os.path.join(out, "paths.json")):
        shutil.rmtree(out, ignore_errors=True)
        done = _run_215("-c", _BUILD, out, TESTS)
        assert done.returncode == 0, done.stderr[-3000:]
    with open(os.path.join(out, "paths.json"), encoding="utf-8") as f:
        paths = json.load(f)
    assert paths.pop("tensorflow").startswith("2.15.")
    return paths


@pytest.mark.parametrize("kind", KINDS)
def test_tf215_artifacts_convert_and_verify_here(tf215_artifacts, kind, tmp_path):
    import tensorflow as tf

    assert not tf.__version__.startswith("2.15.")
    report = convert(tf215_artifacts[kind], str(tmp_path / "m.tflite"), verify=True)
    assert report.verification.status == verification_pb2.VerificationStatus.Value("PASSED")
    assert (tmp_path / "m.tflite").stat().st_size > 0


@pytest.mark.parametrize("kind", ["frozen_graph", "checkpoint_graph", "saved_model_tf1"])
def test_graphs_written_here_convert_under_tf215(request, kind, tmp_path):
    """GraphDef-based artifacts go back to TF 2.15 (a TF2 SavedModel or Keras 3 file does not)."""
    artifact = request.getfixturevalue(kind)
    done = _run_215("-c", _CONVERT, artifact.path, str(tmp_path / "m.tflite"))
    assert done.returncode == 0, done.stderr[-3000:]
    version, status = done.stdout.split()
    assert version.startswith("2.15.") and status == str(verification_pb2.VerificationStatus.Value("PASSED"))
