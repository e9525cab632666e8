"""--engine python|native|auto: each command's native run, from its own parsed flags.

The flags come from the command modules' own `configure` plus
`engine.add_engine_flags`; the tools are the stand-in TF tree's (see
test_native.py), built with real Bazel.
"""

from __future__ import annotations

import argparse
import importlib
import os

import pytest
from test_native import ENGINE_FLAGS, GOLDENS, STARTUP, TREE, built_tools  # noqa: F401

from tflite_tools.errors import UsageError
from tflite_tools.native import engine
from tflite_tools.native.commands import NATIVE_INSPECT_NOTE
from tflite_tools.summarize_graph.summarize import summarize as python_summarize

GRAPH = os.path.join(GOLDENS, "01_small_cnn_frozen", "graph.pb")


@pytest.fixture(autouse=True)
def _stamp_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("TFLITE_TOOLS_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("TF_SOURCE_DIR", raising=False)


def _args(command: str, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    importlib.import_module(f"tflite_tools.commands.{command}").configure(parser)
    if not any(action.dest == "engine" for action in parser._actions):
        engine.add_engine_flags(parser)
    return parser.parse_args(argv)


def _bin_dir(built_tools) -> str:  # noqa: F811
    return next(iter(built_tools.values())).split("/tensorflow/")[0]


def test_python_engine_runs_nothing_native():
    assert engine.native_result("summarize", _args("summarize", [f"--in_graph={GRAPH}"])) is None


def test_native_flags_without_a_native_engine_are_a_usage_error():
    args = _args("summarize", [f"--in_graph={GRAPH}", "--tf_source", TREE])
    with pytest.raises(UsageError, match="--tf_source is used by the native engine only"):
        engine.native_result("summarize", args)


def test_summarize_native(built_tools):  # noqa: F811
    args = _args("summarize", [f"--in_graph={GRAPH}"] + ENGINE_FLAGS)
    assert engine.native_result("summarize", args) == python_summarize(GRAPH)


def test_auto_uses_native_only_when_the_tools_exist(built_tools, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH
    nothing = _args("summarize", [f"--in_graph={GRAPH}", "--engine", "auto"])
    assert engine.resolve_engine(nothing, ["summarize_graph"]) is None
    assert engine.native_result("summarize", nothing) is None
    prebuilt = _args("summarize", [f"--in_graph={GRAPH}", "--engine", "auto",
                                   "--tool_dir", _bin_dir(built_tools)])
    assert engine.resolve_engine(prebuilt, ["summarize_graph"]) is not None
    assert engine.native_result("summarize", prebuilt) == python_summarize(GRAPH)


def test_auto_never_starts_a_build():
    args = _args("summarize", [f"--in_graph={GRAPH}", "--engine", "auto", "--tf_source", TREE] +
                 [f"--bazel_startup_flag={flag}" for flag in STARTUP])
    assert engine.resolve_engine(args, ["summarize_graph"]) is None  # no stamp: not built here


def test_tf_source_dir_from_the_environment(built_tools, monkeypatch):  # noqa: F811
    monkeypatch.setenv("TF_SOURCE_DIR", TREE)
    args = _args("summarize", [f"--in_graph={GRAPH}", "--engine", "native"] +
                 [f"--bazel_startup_flag={flag}" for flag in STARTUP])
    assert engine.native_tools(args).tf_source == TREE


def test_inspect_native_takes_graph_facts_from_summarize_graph(built_tools, frozen_graph):  # noqa: F811
    from tflite_tools.inspect.model_summary import inspect as python_inspect

    native = engine.native_result("inspect", _args("inspect", [frozen_graph.path] + ENGINE_FLAGS))
    python = python_inspect(frozen_graph.path)
    assert list(native.inputs) == list(python.inputs)
    assert list(native.op_counts) == list(python.op_counts)
    assert native.const_parameters == python.const_parameters
    assert native.notes[-1] == NATIVE_INSPECT_NOTE


def test_inspect_native_refuses_a_saved_model_and_auto_falls_back(saved_model_tf2):
    with pytest.raises(UsageError, match="use --engine python"):
        engine.native_result("inspect", _args("inspect", [saved_model_tf2.path] + ENGINE_FLAGS))
    auto = _args("inspect", [saved_model_tf2.path, "--engine", "auto", "--tf_source", TREE])
    assert engine.native_result("inspect", auto) is None


def test_freeze_native_defaults_outputs_and_checkpoint(built_tools, checkpoint_graph, tmp_path):  # noqa: F811
    out = tmp_path / "frozen.pb"
    args = _args("freeze", ["--output_graph", str(out)] + ENGINE_FLAGS)
    result = engine.native_result("freeze", args, input_graph="", input_saved_model_dir="",
                                  input_meta_graph=checkpoint_graph.files["meta"], input_checkpoint="")
    assert result.engine == "native" and out.is_file()
    assert list(result.output_node_names) == checkpoint_graph.output_names
    assert result.input_checkpoint == checkpoint_graph.files["prefix"]


def test_benchmark_tf_native_defaults_layers_from_the_graph(built_tools):  # noqa: F811
    result = engine.native_result("benchmark", _args("benchmark", [GRAPH] + ENGINE_FLAGS))
    run = result.runs[0]
    assert (run.engine, run.runtime, run.inference.count) == ("native", "tensorflow", 20)


def test_benchmark_tflite_native(built_tools, tflite_model):  # noqa: F811
    args = _args("benchmark", [tflite_model.path, "--num_runs", "4"] + ENGINE_FLAGS)
    run = engine.native_result("benchmark", args).runs[0]
    assert (run.runtime, run.inference.count) == ("tflite", 4)


def test_benchmark_native_needs_a_frozen_graph(checkpoint_graph):
    with pytest.raises(UsageError, match="freeze it first"):
        engine.native_result("benchmark", _args("benchmark", [checkpoint_graph.files["meta"]] +
                                                ENGINE_FLAGS))


def test_convert_native_classic_pipeline(built_tools, checkpoint_graph, tmp_path):  # noqa: F811
    out = tmp_path / "model.tflite"
    args = _args("convert", [checkpoint_graph.files["meta"], "-o", str(out)] + ENGINE_FLAGS)
    report = engine.native_result("convert", args, model=checkpoint_graph.files["meta"],
                                  checkpoint=None)
    assert report.options.engine == "native" and out.is_file()
    assert report.steps[0].startswith("freeze_graph (native)")


def test_inspect_native_refuses_a_meta_graph(checkpoint_graph):
    with pytest.raises(UsageError, match="is a MetaGraphDef: use --engine python"):
        engine.native_result("inspect", _args("inspect", [checkpoint_graph.files["meta"]] + ENGINE_FLAGS))
