"""`--engine native` through the CLI: in-process `main([...])`, plus subprocess smoke tests.

Tools come from the stand-in TF tree (tests/native_tf_tree, real Bazel).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from test_native import ENGINE_FLAGS, GOLDENS, TREE, built_tools  # noqa: F401

from tflite_tools.cli import main

GRAPH = os.path.join(GOLDENS, "01_small_cnn_frozen", "graph.pb")
CLI = os.path.join(os.path.dirname(sys.executable), "tflite-tools")


@pytest.fixture(autouse=True)
def _stamp_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("TFLITE_TOOLS_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("TF_SOURCE_DIR", raising=False)


def _main(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _bin_dir(built_tools) -> str:  # noqa: F811
    return next(iter(built_tools.values())).split("/tensorflow/")[0]


def test_summarize_native_prints_what_the_python_engine_prints(built_tools, capsys):  # noqa: F811
    code, out, err = _main(["summarize", f"--in_graph={GRAPH}"] + ENGINE_FLAGS)
    assert (code, err) == (0, "")
    assert out == _main(["summarize", f"--in_graph={GRAPH}"])[1]
    assert "To use with tensorflow/tools/benchmark:benchmark_model" in out


def test_summarize_native_json_is_the_python_json(built_tools):  # noqa: F811
    native = _main(["summarize", f"--in_graph={GRAPH}", "--format", "json"] + ENGINE_FLAGS)[1]
    assert json.loads(native) == json.loads(_main(["summarize", f"--in_graph={GRAPH}", "--format", "json"])[1])


def test_build_failure_exit_2_one_readable_error_and_progress_streamed(built_tools, capfd):  # noqa: F811
    code, out, err = _main(["summarize", f"--in_graph={GRAPH}", "--rebuild",
                            "--bazel_flag=--copt=-DTFLITE_TOOLS_BREAK_BUILD"] + ENGINE_FLAGS)
    assert code == 2 and out == ""
    assert err.startswith("tflite-tools summarize: error: command /")
    assert "failed to build (exit code 1):" in err and "build broken on purpose" in err
    assert "Traceback" not in err
    assert "Build did NOT complete successfully" in capfd.readouterr().err  # Bazel's own progress


def test_invalid_graph_prints_the_partial_summary_and_exits_2(built_tools):  # noqa: F811
    graph = os.path.join(GOLDENS, "15_invalid_input", "graph.pb")
    code, out, err = _main(["summarize", f"--in_graph={graph}"] + ENGINE_FLAGS)
    assert code == 2
    assert "Invalid input missing_node for node output" in out
    assert "exited with code 255" in err and "Invalid graph with inputs referring" in err


def test_no_native_tool_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = _main(["summarize", f"--in_graph={GRAPH}", "--engine", "native"])
    assert (code, out) == (2, "")
    assert err == ("tflite-tools summarize: error: summarize_graph was not found (looked in PATH); "
                   "pass --tf_source DIR (a TensorFlow source tree, built with Bazel on first use) "
                   "or --tool_dir DIR.\n")


def test_native_flag_with_python_engine_is_a_usage_error():
    code, _, err = _main(["summarize", f"--in_graph={GRAPH}", "--tool_dir", TREE])
    assert code == 2
    assert "--tool_dir is used by the native engine only" in err


def test_freeze_native(built_tools, checkpoint_graph, tmp_path):  # noqa: F811
    out_graph = tmp_path / "frozen.pb"
    code, out, err = _main(["freeze", checkpoint_graph.files["meta"], "--output_graph",
                            str(out_graph), "--format", "json"] + ENGINE_FLAGS)
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["engine"] == "native" and out_graph.is_file()
    assert int(result["frozen_variables"]) == 4


def test_benchmark_native(built_tools):  # noqa: F811
    code, out, err = _main(["benchmark", GRAPH, "--format", "json"] + ENGINE_FLAGS)
    assert (code, err) == (0, "")
    run = json.loads(out)["runs"][0]
    assert (run["engine"], run["runtime"], int(run["inference"]["count"])) == ("native", "tensorflow", 20)


def test_convert_native(built_tools, checkpoint_graph, tmp_path):  # noqa: F811
    target = tmp_path / "model.tflite"
    code, out, err = _main(["convert", checkpoint_graph.files["meta"], "-o", str(target),
                            "--format", "json"] + ENGINE_FLAGS)
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["options"]["engine"] == "native" and target.is_file()
    assert report["steps"][0].startswith("freeze_graph (native)")


def test_doctor_reports_bazel_and_the_native_tools(built_tools):  # noqa: F811
    code, out, err = _main(["doctor", "--format", "json", "--tool_dir", _bin_dir(built_tools)])
    assert (code, err) == (0, "")
    native = json.loads(out)["native"]
    assert native["bazel_path"]
    assert native.get("bazel_version")
    assert [(t["name"], t.get("found", False)) for t in native["tools"]] == [
        ("summarize_graph", True), ("freeze_graph", True), ("tf_benchmark_model", True),
        ("tflite_benchmark_model", True)]


def test_doctor_text_without_native_tools(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + "/usr/bin")
    code, out, _ = _main(["doctor"])
    assert code == 0
    assert "native summarize_graph" in out and "not built" in out


def test_smoke_console_script_native_summarize(built_tools):  # noqa: F811
    done = subprocess.run([CLI, "summarize", "--engine", "native", "--tool_dir", _bin_dir(built_tools),
                           f"--in_graph={GRAPH}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with open(os.path.join(GOLDENS, "01_small_cnn_frozen", "summarize_graph.txt")) as f:
        golden = f.read()
    assert done.stdout == golden.replace("--graph=graph.pb ", f"--graph={GRAPH} ")


def test_smoke_console_script_tool_failure(built_tools):  # noqa: F811
    done = subprocess.run([CLI, "benchmark", "--engine", "native", "--tool_dir", _bin_dir(built_tools),
                           os.path.join(GOLDENS, "10_function_library", "graph.pb")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "exited with code 255" in done.stderr and "FLOPs calculation failed" in done.stderr
    assert "Traceback" not in done.stderr


def test_tool_timeout_flag(built_tools, tflite_model):  # noqa: F811
    code, _, err = _main(["benchmark", tflite_model.path, "--run_delay", "10", "--num_runs", "3",
                          "--tool_timeout", "2"] + ENGINE_FLAGS)
    assert code == 2
    assert "timed out after 2 s" in err
