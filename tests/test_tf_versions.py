"""Working with the TensorFlow the user has: doctor's place in the matrix, the jobs
that run without TensorFlow, and artifacts written by TF 2.15 converted here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tflite_tools import doctor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# In a venv with TensorFlow the script hides it (tensorflow, keras, tf_keras fail to
# import, as where none is installed); .ci/matrix also runs this file in a venv without TF.
_NO_TF = """
import importlib.abc, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("tensorflow", "keras", "tf_keras"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Hide())
from tflite_tools.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _run_without_tf(*argv):
    return subprocess.run([sys.executable, "-c", _NO_TF, *argv], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": ROOT}, timeout=120, check=False)


@pytest.mark.parametrize("version, status", [
    ("2.14.1", "too old"), ("2.15.1", "tested by CI"), ("2.16.2", "untested"), ("2.17.1", "tested by CI"),
    ("2.21.0", "tested by CI"), ("2.23.0.dev20261026", "nightly"), ("2.17.0+mybuild", "tested by CI"),
])
def test_support_status(version, status):
    assert doctor.support_status(version).startswith(status)


def test_doctor_places_the_installed_tensorflow():
    import tensorflow as tf

    report = doctor.doctor()
    assert report.tensorflow_version == tf.__version__
    assert report.tensorflow_support == doctor.support_status(tf.__version__)
    # The matrix installs wheels: a distribution, no local suffix.
    assert report.tensorflow_distribution in ("tensorflow", "tensorflow-cpu", "tf-nightly")
    assert not report.tensorflow_source_built
    assert report.support[0].tensorflow_versions == "2.15"
    text = doctor.format_text(report)
    assert f"TensorFlow {doctor.SUMMARIZE_TEXT_OF} summarize_graph" in text


def test_matrix_legs_match_the_support_table():
    with open(os.path.join(ROOT, ".ci", "matrix"), encoding="utf-8") as f:
        matrix = f.read()
    for versions, _keras, _api, tested in doctor.SUPPORT:
        if tested != "not tested" and ".ci/matrix" in tested:
            for pin in tested.split(" (")[0].split(" + "):
                assert pin in matrix, (versions, pin)


def test_jobs_without_tensorflow(frozen_graph, checkpoint_graph, tflite_model, tmp_path):
    for argv in (["inspect", frozen_graph.path], ["inspect", tflite_model.path],
                 ["summarize", f"--in_graph={frozen_graph.files['pb']}"], ["doctor"]):
        done = _run_without_tf(*argv)
        assert done.returncode == 0, (argv, done.stderr)
        assert done.stdout.strip(), argv
    out = tmp_path / "m.tflite"
    for argv in (["convert", frozen_graph.path, "-o", str(out)], ["verify", frozen_graph.path, tflite_model.path],
                 ["freeze", f"--input_graph={checkpoint_graph.files['pb']}", f"--output_graph={tmp_path / 'f.pb'}"]):
        done = _run_without_tf(*argv)
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        assert "TensorFlow is not installed" in done.stderr and done.stderr.count("\n") == 1, done.stderr
        assert "Traceback" not in done.stderr
    assert not out.exists()


def test_source_built_tensorflow_lists_its_converter_entry_points():
    assert doctor.source_built("2.17.0+mybuild", "tensorflow") and doctor.source_built("2.17.0", "")
    assert not doctor.source_built("2.17.1", "tensorflow-cpu")
    report = doctor.doctor()  # the installed TF's APIs, shown as if it were a source build
    report.tensorflow_version = "2.17.0+mybuild"
    report.tensorflow_distribution = ""
    report.tensorflow_source_built = doctor.source_built(report.tensorflow_version, "")
    text = doctor.format_text(report)
    row = next(line for line in text.splitlines() if line.startswith("TF build "))
    assert "source-built; converter entry points: " in row
    assert "tf.lite.TFLiteConverter.from_saved_model" in row and "tf.contrib" not in row
    assert "no wheel metadata" in text
