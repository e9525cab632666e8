"""The native engine: real Bazel on a stand-in TF source tree, real tool runs.

tests/native_tf_tree/ has TensorFlow's package paths and target names over
small programs of ours (its README.md says what each prints). Bazel runs
with its own output base in a stable cache directory, so reruns are fast;
stamps go to a per-test TFLITE_TOOLS_CACHE.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid

import pytest

from tflite_tools.errors import ToolFailedError, ToolNotFoundError, UsageError
from tflite_tools.native import benchmark_model, freeze_graph, summarize_graph
from tflite_tools.native.bazel import Bazel
from tflite_tools.native.tools import TOOLS, NativeTools
from tflite_tools.summarize_graph.summarize import summarize as python_summarize

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREE = os.path.join(REPO, "tests", "native_tf_tree")
GOLDENS = os.path.join(REPO, "..", "shared", "fixtures", "tf_tools")
SUMMARIZE = TOOLS["summarize_graph"].label
ALL_LABELS = [tool.label for tool in TOOLS.values()]


def _output_base() -> str:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "tflite-tools-tests", "native_tf_tree")


# One output base for every test (and every run): Bazel's caches stay warm.
STARTUP = [f"--output_base={_output_base()}", "--max_idle_secs=300"]
ENGINE_FLAGS = ["--engine", "native", "--tf_source", TREE] + [
    f"--bazel_startup_flag={flag}" for flag in STARTUP]


@pytest.fixture(autouse=True)
def _stamp_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("TFLITE_TOOLS_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def built_tools() -> dict:
    """Every stand-in tool built once: label -> executable."""
    bazel = Bazel(TREE, startup_flags=STARTUP)
    bazel.build(ALL_LABELS)
    return bazel.executables(ALL_LABELS)


@pytest.fixture
def tools(built_tools) -> NativeTools:
    return NativeTools(tf_source=TREE, bazel_startup_flags=STARTUP, progress=io.StringIO())


def _golden(case: str, name: str = "graph.pb") -> str:
    return os.path.join(GOLDENS, case, name)


# --- Bazel: build, locate, reuse, failure, timeout -------------------------

def test_build_streams_progress_and_finds_executables_through_bazel():
    progress = io.StringIO()
    bazel = Bazel(TREE, startup_flags=STARTUP, progress=progress)
    paths = bazel.ensure_built([SUMMARIZE, "//tensorflow/python/tools:freeze_graph"])
    assert "Build completed successfully" in progress.getvalue()
    path = paths[SUMMARIZE]
    assert path.endswith("/bin/tensorflow/tools/graph_transforms/summarize_graph")
    assert os.access(path, os.X_OK)
    assert paths["//tensorflow/python/tools:freeze_graph"].endswith("/bin/tensorflow/python/tools/freeze_graph")
    # cquery prints labels its own way; they are matched to the ones asked for.
    spelling = "@//tensorflow/tools/graph_transforms:summarize_graph"
    assert bazel.executables([spelling]) == {spelling: path}


def test_second_run_reuses_the_build_without_calling_bazel():
    first = Bazel(TREE, startup_flags=STARTUP)
    built = first.ensure_built([SUMMARIZE])
    assert first.last_build is not None
    second = Bazel(TREE, startup_flags=STARTUP)
    assert second.ensure_built([SUMMARIZE]) == built
    assert second.last_build is None  # answered from the stamp


def test_rebuild_asks_bazel_which_finds_the_tool_up_to_date():
    path = Bazel(TREE, startup_flags=STARTUP).ensure_built([SUMMARIZE])[SUMMARIZE]
    before = os.stat(path).st_mtime_ns
    bazel = Bazel(TREE, startup_flags=STARTUP)
    assert bazel.ensure_built([SUMMARIZE], rebuild=True)[SUMMARIZE] == path
    assert bazel.last_build is not None and bazel.last_build.returncode == 0
    assert os.stat(path).st_mtime_ns == before  # nothing was relinked


def test_other_build_flags_are_a_different_build():
    Bazel(TREE, startup_flags=STARTUP).ensure_built([SUMMARIZE])
    other = Bazel(TREE, startup_flags=STARTUP, build_flags=["--compilation_mode=opt"])
    path = other.ensure_built([SUMMARIZE])[SUMMARIZE]
    assert other.last_build is not None
    assert "-opt/bin/" in path


def test_build_failure_is_one_readable_error():
    bazel = Bazel(TREE, startup_flags=STARTUP, progress=io.StringIO(),
                  build_flags=["--copt=-DTFLITE_TOOLS_BREAK_BUILD"])
    with pytest.raises(ToolFailedError) as caught:
        bazel.ensure_built([SUMMARIZE])
    message = str(caught.value)
    assert "failed to build (exit code 1)" in message
    assert "build broken on purpose" in message  # the compiler's own error line
    assert "ERROR:" in message
    assert caught.value.exit_code == 2


def test_build_timeout_cancels_the_build_and_bazel_stays_usable():
    nonce = f"--action_env=TFLITE_TOOLS_TEST_NONCE={uuid.uuid4()}"
    slow = Bazel(TREE, startup_flags=STARTUP, build_flags=[nonce], build_timeout=3,
                 progress=io.StringIO())
    with pytest.raises(ToolFailedError, match="timed out after 3 s"):
        slow.build(["//tflite_tools_testing:slow"])
    # A killed client would leave the server building, holding the lock.
    after = Bazel(TREE, startup_flags=STARTUP, build_timeout=120, progress=io.StringIO())
    assert after.build([SUMMARIZE]).returncode == 0


def test_a_directory_without_workspace_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="not a Bazel workspace"):
        Bazel(str(tmp_path))


def test_missing_bazel_is_tool_not_found(monkeypatch):
    monkeypatch.setenv("BAZEL", "/nonexistent/bazel")
    with pytest.raises(ToolNotFoundError, match="bazel was not found"):
        Bazel(TREE)


# --- Where tools come from -------------------------------------------------

def test_tool_dir_takes_a_bazel_bin(built_tools):
    bin_dir = built_tools[SUMMARIZE].split("/tensorflow/tools/")[0]
    tools = NativeTools(tool_dir=bin_dir, search_path=False)
    for name, tool in TOOLS.items():
        assert tools.locate(name) == built_tools[tool.label]


def test_tool_dir_takes_plain_file_names(tmp_path, built_tools):
    shutil.copy(built_tools[SUMMARIZE], tmp_path / "summarize_graph")
    tools = NativeTools(tool_dir=str(tmp_path), search_path=False)
    assert tools.locate("summarize_graph") == str(tmp_path / "summarize_graph")
    assert tools.locate("tf_benchmark_model") is None


def test_no_tool_anywhere_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolNotFoundError) as caught:
        NativeTools().command("summarize_graph")
    assert str(caught.value) == ("summarize_graph was not found (looked in PATH); pass --tf_source "
                                 "DIR (a TensorFlow source tree, built with Bazel on first use) "
                                 "or --tool_dir DIR.")


def test_locate_never_builds(tmp_path):
    tools = NativeTools(tf_source=TREE, bazel_startup_flags=STARTUP, search_path=False)
    assert tools.locate("summarize_graph") is None  # no stamp in this test's cache
    assert tools.builder.bazel.last_build is None


# --- summarize_graph --------------------------------------------------------

@pytest.mark.parametrize("case", ["01_small_cnn_frozen", "04_multi_io", "14_device_placement"])
def test_summarize_native_equals_python(tools, case):
    native = summarize_graph.summarize(tools, _golden(case))
    assert native == python_summarize(_golden(case))
    assert native.inputs  # parsed, not empty


def test_summarize_print_structure(tools):
    native = summarize_graph.summarize(tools, _golden("01_small_cnn_frozen"), print_structure=True)
    assert native.structure
    assert native == python_summarize(_golden("01_small_cnn_frozen"), print_structure=True)


def test_summarize_invalid_input_fails_with_partial_summary(tools):
    with pytest.raises(ToolFailedError) as caught:
        summarize_graph.summarize(tools, _golden("15_invalid_input"))
    assert caught.value.returncode == 255
    assert "Invalid graph with inputs referring to nonexistent nodes" in str(caught.value)
    assert [o.name for o in caught.value.result.outputs] == ["scaled", "output"]


def test_summarize_missing_graph_is_tool_failed(tools, tmp_path):
    with pytest.raises(ToolFailedError, match="exited with code 255") as caught:
        summarize_graph.summarize(tools, str(tmp_path / "missing.pb"))
    assert "Loading graph" in str(caught.value)


# --- freeze_graph -----------------------------------------------------------

def test_freeze_native_matches_python(tools, checkpoint_graph, tmp_path):
    from tflite_tools.freeze.freeze_graph import freeze as python_freeze

    # From the .meta: TF 2.x's freeze_graph cannot restore this graph from the
    # GraphDef + checkpoint (its resource global_step breaks the Saver it builds).
    out = tmp_path / "native.pb"
    outputs = ",".join(checkpoint_graph.output_names)
    native = freeze_graph.freeze(
        tools, input_meta_graph=checkpoint_graph.files["meta"],
        input_checkpoint=checkpoint_graph.files["prefix"], output_node_names=outputs,
        output_graph=str(out))
    python = python_freeze(None, checkpoint_graph.files["prefix"], outputs, str(tmp_path / "python.pb"),
                           input_meta_graph=checkpoint_graph.files["meta"])
    assert native.engine == "native" and out.is_file()
    assert sorted(native.frozen_variable_names) == sorted(python.frozen_variable_names)
    assert native.frozen_variables > 0
    assert (native.input_nodes, native.output_nodes) == (python.input_nodes, python.output_nodes)
    assert native.output_size_bytes == out.stat().st_size


def test_freeze_printed_failure_with_exit_0_is_an_error(tools, checkpoint_graph, tmp_path):
    out = tmp_path / "frozen.pb"
    with pytest.raises(ToolFailedError) as caught:
        freeze_graph.freeze(tools, input_graph=checkpoint_graph.files["pb"],
                            input_checkpoint=str(tmp_path / "no.ckpt"),
                            output_node_names="output", output_graph=str(out))
    message = str(caught.value)
    assert "exited 0 but wrote no output graph" in message
    assert "doesn't exist!" in message
    assert caught.value.returncode == 0
    assert list(tmp_path.iterdir()) == []  # no partial output, no temp file


def test_freeze_bad_output_name_exits_1_with_the_assertion(tools, checkpoint_graph, tmp_path):
    with pytest.raises(ToolFailedError) as caught:
        freeze_graph.freeze(tools, input_meta_graph=checkpoint_graph.files["meta"],
                            input_checkpoint=checkpoint_graph.files["prefix"],
                            output_node_names="softmax:0", output_graph=str(tmp_path / "f.pb"))
    assert caught.value.returncode == 1
    assert "softmax:0 is not in graph" in str(caught.value)
    assert (caught.value.result.error_type, list(caught.value.result.missing_nodes)) == \
        ("AssertionError", ["softmax:0"])
    assert list(tmp_path.iterdir()) == []


# --- benchmark_model (TF and TFLite) -----------------------------------------

def test_tf_benchmark_parses_the_logged_run(tools):
    graph = _golden("01_small_cnn_frozen")
    run = benchmark_model.benchmark(tools, "tensorflow", graph, {
        "input_layer": "input", "input_layer_type": "float", "input_layer_shape": "1,28,28,1",
        "output_layer": "output", "max_num_runs": 20, "show_flops": True})
    assert (run.engine, run.runtime) == ("native", "tensorflow")
    assert run.inference.count == 20


def test_tf_benchmark_exit_255_is_tool_failed(tools):
    with pytest.raises(ToolFailedError) as caught:
        benchmark_model.benchmark(tools, "tensorflow", _golden("10_function_library"),
                                  {"show_flops": True})
    assert caught.value.returncode == 255
    assert "FLOPs calculation failed" in str(caught.value)


def test_tflite_benchmark_runs_the_model(tools, tflite_model):
    run = benchmark_model.benchmark(tools, "tflite", tflite_model.path,
                                    {"num_runs": 7, "warmup_runs": 2})
    assert run.runtime == "tflite"
    assert run.inference.count == 7
    assert run.warmup.count == 2


def test_tool_timeout_kills_the_tool(built_tools, tflite_model):
    tools = NativeTools(tf_source=TREE, bazel_startup_flags=STARTUP, timeout=2)
    with pytest.raises(ToolFailedError, match="timed out after 2 s"):
        benchmark_model.benchmark(tools, "tflite", tflite_model.path,
                                  {"num_runs": 5, "run_delay": 10})


# --- convert --engine native: freeze_graph + summarize_graph + Python converter ----

def test_classic_convert_freezes_and_summarizes_natively(tools, checkpoint_graph, tmp_path):
    from tflite_tools.convert.conversion import convert as python_convert
    from tflite_tools.native.classic_convert import convert as classic_convert

    out = tmp_path / "out" / "native.tflite"
    native = classic_convert(tools, checkpoint_graph.files["meta"], str(out))
    python = python_convert(checkpoint_graph.files["meta"], str(tmp_path / "python.tflite"))
    assert native.options.engine == "native" and out.is_file()
    assert native.steps[0].startswith("freeze_graph (native): 4 variables frozen")
    assert native.steps[1] == "summarize_graph (native): inputs input, outputs output"
    assert [(t.name, list(t.shape)) for t in native.inputs] == [(t.name, list(t.shape)) for t in python.inputs]
    assert [o.op for o in native.ops] == [o.op for o in python.ops]


def test_classic_convert_takes_graphs_only(tools, saved_model_tf2, tmp_path):
    from tflite_tools.native.classic_convert import convert as classic_convert

    with pytest.raises(UsageError, match="use --engine python"):
        classic_convert(tools, saved_model_tf2.path, str(tmp_path / "m.tflite"))
