"""`--build_against_wheel`: real Bazel builds linked against the installed TF wheel.

There is no TensorFlow source tree here, so the wheel wrapping (the
generated workspace, `tf_wheel` / `tf_tool_sources` repository rules and
`tf_wheel_cc_binary`) builds tests/native_wheel_probe/graph_probe.cc, a
program of ours that parses flags with TF's parser, reads a GraphDef,
creates a Session and a StatSummarizer with TF's C++ API (what
summarize_graph and benchmark_model use); its output is checked against our
own reading of the same graph.
"""

from __future__ import annotations

import collections
import io
import os

import plumbum
import pytest

from tflite_tools.errors import ToolFailedError, UsageError
from tflite_tools.formats import graphdef_io
from tflite_tools.native.tools import NativeTools
from tflite_tools.native.wheel import WheelBuilder, WheelTool

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE_TREE = os.path.join(REPO, "tests", "native_wheel_probe")
GOLDENS = os.path.join(REPO, "..", "shared", "fixtures", "tf_tools")
PROBE_LABEL = "//tests/native_wheel_probe:graph_probe"
PROBE = {PROBE_LABEL: WheelTool("graph_probe", ("graph_probe.cc",))}


def _test_cache(name: str) -> str:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "tflite-tools-tests", name)


def _startup(name: str) -> list[str]:
    return [f"--output_base={_test_cache(name)}", "--max_idle_secs=120"]


@pytest.fixture(scope="module")
def probe() -> str:
    """graph_probe built through the wheel workspace (Bazel always asked: rebuild=True)."""
    os.environ["TFLITE_TOOLS_CACHE"] = _test_cache("wheel-cache")  # a stable generated workspace
    try:
        builder = WheelBuilder(PROBE_TREE, tools=PROBE, bazel_startup_flags=_startup("native_wheel_probe"),
                               rebuild=True, progress=io.StringIO())
        path = builder.executables([PROBE_LABEL])[PROBE_LABEL]
    finally:
        del os.environ["TFLITE_TOOLS_CACHE"]
    assert builder.bazel.last_build.returncode == 0
    return path


def _probe(path: str, graph: str) -> dict:
    code, out, _ = plumbum.local[path].run([f"--graph={graph}"], retcode=None, timeout=300)
    assert code == 0, out
    facts = {"ops": {}}
    for line in out.splitlines():
        if line.startswith("op "):
            _, op, count = line.split(" ")
            facts["ops"][op] = int(count)
        else:
            key, _, value = line.partition("=")
            facts[key] = value
    return facts


@pytest.mark.parametrize("case", ["01_small_cnn_frozen", "04_multi_io", "13_text_only"])
def test_probe_reads_graphs_like_our_python(probe, case):
    name = "graph.pbtxt" if case == "13_text_only" else "graph.pb"
    graph = os.path.join(GOLDENS, case, name)
    graph_def, _ = graphdef_io.read_graph_def(graph)
    facts = _probe(probe, graph)
    assert int(facts["nodes"]) == len(graph_def.node)
    assert facts["ops"] == dict(collections.Counter(n.op for n in graph_def.node))
    assert facts["placeholders"] == ",".join(n.name for n in graph_def.node if n.op == "Placeholder")
    # A Session over the graph: the direct-session factory was linked in.
    assert facts["session"] == "ok"
    assert facts["stat_summarizer"] == "ok"


def test_both_wheel_libraries_stay_linked(probe):
    code, out, _ = plumbum.local["readelf"].run(["-d", probe], retcode=None, timeout=60)
    assert code == 0
    needed = [line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]
    assert "libtensorflow_cc.so.2" in needed and "libtensorflow_framework.so.2" in needed


def test_probe_exit_code_on_a_missing_graph_or_bad_flags(probe, tmp_path):
    code, _, err = plumbum.local[probe].run([f"--graph={tmp_path / 'none.pb'}"], retcode=None,
                                            timeout=300)
    assert code == 255
    assert "Loading graph" in err
    code, _, err = plumbum.local[probe].run(["--graf=x.pb"], retcode=None, timeout=300)
    assert code == 255
    assert "--graph" in err  # TF's usage text


def test_a_tree_without_the_tool_sources_fails_naming_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TFLITE_TOOLS_CACHE", str(tmp_path / "cache"))
    builder = WheelBuilder(str(tmp_path), tools=PROBE, progress=io.StringIO(),
                           bazel_startup_flags=_startup("native_wheel_missing"))
    with pytest.raises(ToolFailedError) as caught:
        builder.executables([PROBE_LABEL])
    assert f"{os.path.realpath(tmp_path)} has no graph_probe.cc" in str(caught.value)


def test_wheel_builds_only_the_c_plus_plus_tools(tmp_path, monkeypatch):
    monkeypatch.setenv("TFLITE_TOOLS_CACHE", str(tmp_path / "cache"))
    tools = NativeTools(tf_source=str(tmp_path), builder=WheelBuilder(str(tmp_path)))
    with pytest.raises(UsageError, match="builds summarize_graph, benchmark_model only"):
        tools.command("tflite_benchmark_model")
