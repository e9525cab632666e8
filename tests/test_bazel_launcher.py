"""tflite_tools.bazel_launcher in process: the user's directory under `bazel run`,
and the quiet, hermetic build-action entry point of the rules."""

from __future__ import annotations

import json
import os
import shutil

from google.protobuf import text_format

from tflite_tools import bazel_launcher
from tflite_tools.proto import summary_pb2


def test_run_resolves_paths_against_build_working_directory(tmp_path, monkeypatch, capsys, frozen_graph):
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    shutil.copy(frozen_graph.path, user_dir / "model.pb")
    runfiles = tmp_path / "runfiles"
    runfiles.mkdir()
    monkeypatch.chdir(runfiles)  # where `bazel run` starts a binary
    monkeypatch.setenv("BUILD_WORKING_DIRECTORY", str(user_dir))
    assert bazel_launcher.run("summarize", ["--in_graph=model.pb"]) == 0
    assert os.getcwd() == str(user_dir)
    assert "Found 1 possible inputs" in capsys.readouterr().out


def test_run_without_bazel_stays_in_the_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BUILD_WORKING_DIRECTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert bazel_launcher.run("inspect", ["missing.pb"]) == 2
    assert os.getcwd() == str(tmp_path)
    assert "missing.pb" in capsys.readouterr().err


def test_action_writes_stdout_to_file_and_prints_nothing(tmp_path, capfd, frozen_graph):
    out = tmp_path / "summary.pbtxt"
    code = bazel_launcher.action_main(["--stdout_to", str(out), "--", "summarize",
                                       f"--in_graph={frozen_graph.path}", "--format", "pbtxt"])
    assert code == 0
    summary = text_format.Parse(out.read_text(), summary_pb2.GraphSummary())
    assert [n.name for n in summary.inputs] == [frozen_graph.inputs[0].name]
    assert capfd.readouterr() == ("", "")


def test_action_failure_prints_only_the_clis_one_line_error(tmp_path, capfd):
    out = tmp_path / "model.tflite"
    code = bazel_launcher.action_main(["--", "convert", str(tmp_path / "missing.pb"), "-o", str(out)])
    captured = capfd.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tflite-tools convert: error:")
    assert not out.exists()


def test_action_report_has_no_timings_or_working_directory(tmp_path, monkeypatch, capfd, frozen_graph):
    monkeypatch.chdir(tmp_path)
    shutil.copy(frozen_graph.path, tmp_path / "model.pb")
    report = tmp_path / "report.json"
    # Absolute paths under the action's directory, as a converter may record them.
    code = bazel_launcher.action_main([
        "--hermetic_report", str(report), "--",
        "convert", str(tmp_path / "model.pb"), "-o", str(tmp_path / "model.tflite"), "--report", str(report)])
    assert code == 0, capfd.readouterr().err
    data = json.loads(report.read_text())
    assert "timings" not in data
    assert data["source"]["path"] == "model.pb"
    assert data["output_path"] == "model.tflite"
    assert str(tmp_path) not in report.read_text()
    assert capfd.readouterr() == ("", "")


def test_hermetic_drops_volatile_keys_at_any_depth():
    value = {"timings": {"total_ms": 1.0}, "verification": {"timings": 2, "tflite_path": "/w/x/out"},
             "steps": ["/w/x/a", "/elsewhere/b"], "size": 3}
    assert bazel_launcher._hermetic(value, "/w/x") == {
        "verification": {"tflite_path": "out"}, "steps": ["a", "/elsewhere/b"], "size": 3}
