"""Bazel integration with real Bazel 4.2.3, offline: run targets, the rules on the
example monorepo, failures, caching (local, disk, BuildGrid remote cache).

Builds run on a snapshot of the checkout in a stable cache directory (see
bazel_helpers), so a rerun with nothing changed is fast. The tests of one
workspace share its Bazel server and run in file order: build, test, rebuild,
caches.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil

import bazel_helpers as bh
import pytest
from google.protobuf import text_format

from tflite_tools import cli
from tflite_tools.proto import summary_pb2

# name -> the format `tflite-tools convert` detects in examples/monorepo/BUILD.
CONVERSIONS = {
    "frozen": "FROZEN_GRAPH",
    "frozen_int8": "FROZEN_GRAPH",
    "checkpoint": "FROZEN_GRAPH",  # frozen by TfliteFreeze first
    "saved_model": "SAVED_MODEL_TF2",
    "keras": "KERAS_H5",
}
ACTION_MNEMONICS = {"TfliteConvert", "TfliteFreeze", "TfliteSummarize", "TfliteInspect"}


@pytest.fixture(scope="module")
def snapshot() -> str:
    return bh.snapshot_checkout()


@pytest.fixture(scope="module")
def repo_bazel(snapshot):
    bazel = bh.Bazel(snapshot, os.path.join(bh.cache_root(), "output_base_checkout"))
    yield bazel
    bazel.shutdown()


@pytest.fixture(scope="module")
def example(snapshot):
    bh.make_example_models(snapshot)
    workspace = os.path.join(snapshot, "examples", "monorepo")
    bazel = bh.Bazel(workspace, os.path.join(bh.cache_root(), "output_base_example"))
    yield bazel
    bazel.shutdown()


def _bin(bazel, name: str) -> str:
    return os.path.join(bazel.workspace, "bazel-bin", name)


def _output_hashes(bazel) -> dict[str, str]:
    hashes = {}
    for name in CONVERSIONS:
        for output in (f"{name}.tflite", f"{name}_report.json"):
            with open(_bin(bazel, output), "rb") as handle:
                hashes[output] = hashlib.sha256(handle.read()).hexdigest()
    return hashes


def _spawns(path: str, mnemonics=ACTION_MNEMONICS) -> list[dict]:
    return [s for s in bh.read_execution_log(path) if s.get("mnemonic") in mnemonics]


def _is_tflite(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(8)[4:8] == b"TFL3"


# --- run targets ---------------------------------------------------------------------


def test_run_targets_take_paths_relative_to_the_users_directory(repo_bazel, snapshot, frozen_graph):
    workdir = os.path.join(snapshot, "scratch", "run_targets")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    shutil.copy(frozen_graph.path, os.path.join(workdir, "model.pb"))

    repo_bazel("run", "//tflite_tools:convert", "--", "model.pb", "-o", "out/model.tflite",
               cwd=workdir)
    assert _is_tflite(os.path.join(workdir, "out", "model.tflite"))

    inspected = repo_bazel("run", "//:tflite_tools", "--", "inspect", "out/model.tflite",
                           "--format", "json", cwd=workdir)
    summary = json.loads(inspected.stdout)
    assert summary["format"] == "TFLITE"
    assert [t["name"] for t in summary["inputs"]] == [frozen_graph.inputs[0].name]

    summarized = repo_bazel("run", "//tflite_tools:summarize", "--", "--in_graph=model.pb", cwd=workdir)
    expected = _cli_stdout("summarize", "--in_graph=model.pb", cwd=workdir)
    assert summarized.stdout == expected


def _cli_stdout(*argv, cwd):
    import io

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        assert cli.main(list(argv), stdout=out, stderr=err) == 0, err.getvalue()
    finally:
        os.chdir(here)
    return out.getvalue()


def test_checkout_builds_every_target(repo_bazel):
    result = repo_bazel("build", "//...")
    assert "Build completed successfully" in result.stderr


def test_run_target_exit_code_and_error_reach_the_user(repo_bazel, snapshot):
    result = repo_bazel("run", "//tflite_tools:inspect", "--", "no_such_model.pb", check=False,
                        cwd=snapshot)
    assert result.returncode == 2
    assert "tflite-tools inspect: error:" in result.stderr
    assert "no_such_model.pb" in result.stderr
    assert "Traceback" not in result.stderr


# --- the rules on the example monorepo ----------------------------------------------


def test_example_builds_every_model_kind(example):
    example("build", "//...")
    for name, source_format in CONVERSIONS.items():
        assert _is_tflite(_bin(example, f"{name}.tflite")), name
        with open(_bin(example, f"{name}_report.json"), encoding="utf-8") as handle:
            report = json.load(handle)
        assert report["source"]["format"] == source_format, name
        assert "timings" not in report, name
        assert report["output_sha256"] == hashlib.sha256(
            open(_bin(example, f"{name}.tflite"), "rb").read()).hexdigest()
        strings = re.findall(r'"([^"]*)"', json.dumps(report))
        assert not [s for s in strings if s.startswith("/") or "sandbox" in s], name
    with open(_bin(example, "frozen_int8_report.json"), encoding="utf-8") as handle:
        assert json.load(handle)["options"]["quantize"] == "int8"
    with open(_bin(example, "frozen_report.json"), encoding="utf-8") as handle:
        options = json.load(handle)["options"]
    assert (options["input_arrays"], options["output_arrays"], options["input_shapes"]) == (
        ["x"], ["probs"], "1,8")
    summary = text_format.Parse(open(_bin(example, "checkpoint_summary.pbtxt")).read(),
                                summary_pb2.GraphSummary())
    assert [n.name for n in summary.inputs] == ["x"]
    assert [n.name for n in summary.outputs] == ["probs"]
    assert summary.variable_parameters == 0  # frozen: the variables became constants
    inspected = text_format.Parse(open(_bin(example, "saved_model_summary.pbtxt")).read(),
                                  summary_pb2.ModelSummary())
    assert summary_pb2.ModelFormat.Name(inspected.format) == "SAVED_MODEL_TF2"
    assert inspected.source_path == "models/saved_model"


def test_example_verify_tests_pass(example):
    result = example("test", "//...")
    assert re.search(r"Executed \d+ out of 5 tests: 5 tests pass|5 tests pass", result.stdout + result.stderr)


def test_verify_test_fails_when_the_tflite_does_not_match(example):
    """failures:swapped_verify checks the checkpoint model against frozen.tflite (other weights)."""
    result = example("test", "//failures:swapped_verify", check=False)
    assert result.returncode == 3, result.stderr[-3000:]  # Bazel's code for "a test failed"
    assert "//failures:swapped_verify" in result.stdout and "FAILED" in result.stdout


def test_rebuild_with_nothing_changed_runs_no_action(example, tmp_path):
    example("build", "//...")
    log = str(tmp_path / "exec.json")
    result = example("build", "//...", f"--execution_log_json_file={log}")
    assert _spawns(log) == []
    assert "linux-sandbox" not in bh.processes_line(result.stderr)


# --- failures ------------------------------------------------------------------------


@pytest.mark.parametrize("target, message", [
    ("bad_quantize", 'quantize = "int4" is not a quantization mode; use one of none, dynamic, '
                     "float16, int8, int16x8."),
    ("int8_without_data", 'quantize = "int8" needs representative_data'),
    ("not_a_model", "src has 2 files and none is saved_model.pb; give one model file"),
])
def test_bad_attribute_fails_analysis_with_one_sentence(example, target, message):
    result = example("build", f"//failures:{target}", check=False)
    assert result.returncode == 1
    assert f"//failures:{target}: {message}" in result.stderr


def test_failed_conversion_fails_the_build_with_the_converters_message(example):
    result = example("build", "//failures:needs_select_ops", check=False)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("tflite-tools convert: error:")]
    assert len(errors) == 1 and "Cumprod" in errors[0] and "--allow_select_tf_ops" in errors[0]
    assert "Traceback" not in result.stderr
    assert not os.path.exists(_bin(example, "failures/needs_select_ops.tflite"))


# --- caching -------------------------------------------------------------------------


def test_conversions_are_deterministic_and_hit_the_disk_cache_after_clean(example, tmp_path):
    example("build", "//...")
    before = _output_hashes(example)
    disk_cache = str(tmp_path / "disk_cache")

    example("clean")
    cold_log = str(tmp_path / "cold.json")
    example("build", "//...", f"--disk_cache={disk_cache}", f"--execution_log_json_file={cold_log}")
    cold = _spawns(cold_log)
    assert {s["mnemonic"] for s in cold} == ACTION_MNEMONICS
    assert not any(s.get("remoteCacheHit") for s in cold)
    assert _output_hashes(example) == before  # converted again: the same bytes

    example("clean")
    warm_log = str(tmp_path / "warm.json")
    warm = example("build", "//...", f"--disk_cache={disk_cache}", f"--execution_log_json_file={warm_log}")
    hits = _spawns(warm_log)
    assert len(hits) == len(cold) and all(s.get("remoteCacheHit") for s in hits)
    assert f"{len(cold)} remote cache hit" in bh.processes_line(warm.stderr)
    assert _output_hashes(example) == before


def test_remote_cache_serves_every_conversion_to_another_checkout(example, tmp_path):
    with bh.buildgrid_server(str(tmp_path)) as (url, server_log):
        example("clean")
        first_log = str(tmp_path / "first.json")
        example("build", "//...", f"--remote_cache={url}", f"--execution_log_json_file={first_log}")
        executed = _spawns(first_log)
        assert executed and not any(s.get("remoteCacheHit") for s in executed)

        # A teammate: another checkout in another directory, its own output base.
        other_checkout = str(tmp_path / "other_checkout")
        shutil.copytree(os.path.dirname(os.path.dirname(example.workspace)), other_checkout,
                        symlinks=True, ignore=shutil.ignore_patterns("bazel-*", "scratch"))
        second = bh.Bazel(os.path.join(other_checkout, "examples", "monorepo"),
                          str(tmp_path / "second_output_base"))
        try:
            second_log = str(tmp_path / "second.json")
            result = second("build", "//...", f"--remote_cache={url}",
                            f"--execution_log_json_file={second_log}")
            hits = _spawns(second_log)
        finally:
            second.shutdown()
    assert len(hits) == len(executed) and all(s.get("remoteCacheHit") for s in hits)
    assert f"{len(hits)} remote cache hit" in bh.processes_line(result.stderr)
    with open(server_log, encoding="utf-8") as handle:
        log = handle.read()
    # Served by BuildGrid, not a local cache: action results and blobs were read from it.
    assert log.count('method="GetActionResult"') >= 2 * len(hits)
    assert 'method="UpdateActionResult"' in log and 'method="Read"' in log
