"""`tflite-tools doctor`: TF version, converter APIs and the raw call per artifact kind."""

from __future__ import annotations

import io
import json

from tflite_tools.cli import main


def run_doctor(fmt="text"):
    out, err = io.StringIO(), io.StringIO()
    code = main(["doctor", "--format", fmt], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    return out.getvalue()


def test_doctor_reports_installed_tensorflow_and_apis():
    import tensorflow as tf

    report = json.loads(run_doctor("json"))
    assert report["tensorflow_version"] == tf.__version__
    assert report["python_engine_available"] is True
    apis = {a["name"]: a.get("present", False) for a in report["converter_apis"]}
    # TF 2.x: V2 class at tf.lite, V1 under tf.compat.v1.lite, no tf.contrib.
    assert apis["tf.lite.TFLiteConverter.from_concrete_functions"]
    assert apis["tf.compat.v1.lite.TFLiteConverter.from_frozen_graph"]
    assert not apis["tf.contrib.lite.TocoConverter"]
    calls = {c["artifact_kind"]: c["call"] for c in report["raw_calls"]}
    assert calls["FROZEN_GRAPH"].startswith("tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(")
    assert calls["SAVED_MODEL_TF2"].startswith("tf.lite.TFLiteConverter.from_saved_model(")
    assert "tf.compat.v1.lite.TFLiteConverter.from_frozen_graph" in report["entry_points_used"]
    assert any(e["api"].startswith("tf.contrib.lite.toco_convert") for e in report["api_history"])


def test_doctor_text_is_one_table():
    lines = run_doctor().splitlines()
    assert lines[0].split() == ["what", "here"]
    value_column = lines[0].index("here")
    assert all(line[value_column - 2:value_column] == "  " for line in lines[1:])
    assert any(line.startswith("TensorFlow ") for line in lines)
    assert any(line.startswith("convert KERAS_V3 ") for line in lines)


def test_doctor_native_section(tmp_path, monkeypatch):
    """Without built tools the native section says so; --tool_dir is where doctor looks."""
    import os
    import sys

    monkeypatch.delenv("TF_SOURCE_DIR", raising=False)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + "/usr/bin")
    out, err = io.StringIO(), io.StringIO()
    assert main(["doctor", "--format", "json", "--tool_dir", str(tmp_path)], stdout=out, stderr=err) == 0
    native = json.loads(out.getvalue())["native"]
    assert native["checked"] is True
    assert [t["name"] for t in native["tools"]][:2] == ["summarize_graph", "freeze_graph"]
    assert not any(t.get("found") for t in native["tools"])
