"""`parse` on real logs: which tool wrote a log (`parse auto`, the default), a
warning when the named tool does not fit, a text rendering that prints only
what the log held, TFLite's rounded model size, and summarize_graph's output
for an empty graph."""

from __future__ import annotations

import glob
import io
import os

import pytest

from tflite_tools import parsers
from tflite_tools.cli import main
from tflite_tools.parsers._log_lines import clean
from tflite_tools.proto import summary_pb2
from tflite_tools.render import render

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "shared", "fixtures")
REAL = os.path.join(FIXTURES, "real_outputs")
EMPTY_GRAPH_LOG = os.path.join(HERE, "testdata", "logs", "summarize_graph_empty_graph.txt")
# real_outputs/<dir> -> the tool that wrote its logs
WRITERS = {"summarize_graph": "summarize_graph", "benchmark_model_tf": "benchmark_model",
           "benchmark_model_tflite": "tflite_benchmark_model", "freeze_graph_errors": "freeze_graph"}
REAL_LOGS = sorted((path, WRITERS[os.path.basename(os.path.dirname(path))])
                   for directory in WRITERS for path in glob.glob(os.path.join(REAL, directory, "*.txt")))
TF_TOOL_LOGS = sorted(glob.glob(os.path.join(FIXTURES, "tf_tools", "*", "summarize_graph*.txt"))) + sorted(
    glob.glob(os.path.join(FIXTURES, "tf_tools", "*", "benchmark_model.stderr.txt")))
BENCHMARK_LOGS = [path for path, tool in REAL_LOGS if "benchmark" in tool] + [
    path for path in TF_TOOL_LOGS if "benchmark_model" in path]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["parse", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("path, tool", REAL_LOGS + [(p, os.path.basename(p).split(".")[0]) for p in TF_TOOL_LOGS],
                         ids=lambda v: os.path.relpath(v, FIXTURES) if os.sep in str(v) else v)
def test_auto_names_the_tool_that_wrote_each_real_log(path, tool):
    detected, result = parsers.parse_auto(_read(path))
    assert detected == tool
    assert result == parsers.parse(tool, _read(path))
    assert parsers.misfit(tool, _read(path)) is None


def test_a_tflite_log_named_benchmark_model_warns_and_renders_no_tf_lines():
    path = os.path.join(REAL, "benchmark_model_tflite", "11.txt")
    code, out, err = _cli("benchmark_model", path)
    assert code == 0 and err.startswith("tflite-tools parse: warning: this looks like a log of "
                                        "tflite_benchmark_model, not benchmark_model")
    # the lines the issue saw invented: none of them is in this log
    assert "Running benchmark for max" not in out and "Average inference timings" not in out
    code, auto_out, auto_err = _cli(path, "--format", "json")
    assert code == 0 and auto_err == "" and '"runtime": "tflite"' in auto_out
    assert '"delegates": [\n        "XNNPACK"' in auto_out and '"model_size_text": "3.67827 MB"' in auto_out


def _normalised(text: str) -> str:
    # what the renderer spells its own way: TFLite's era-specific memory line, dtype names,
    # the space TFLite <= 2.3 put before ": [" in delegate parameters
    text = text.replace("Peak memory footprint (MB):", "Memory footprint delta from the start of the tool (MB):")
    return " ".join(text.replace(" : [", ": [").split())


@pytest.mark.parametrize("path", BENCHMARK_LOGS, ids=lambda p: os.path.relpath(p, FIXTURES))
def test_text_rendering_prints_only_lines_the_log_held(path):
    text = _read(path)
    tool, result = parsers.parse_auto(text)
    logged = {_normalised(line.text) for line in clean(text)}
    run = result.runs[0]
    for line in render(result, "text").splitlines():
        if not line.strip() or "\t" in line:  # table rows: the renderer's own column layout
            continue
        if line.startswith("Input types: ["):  # dtype names as the Python engine spells them
            assert line[len("Input types: ["):-1].split(",") == list(run.input_types)
        elif line.startswith("Initialized session in") and tool == "tflite_benchmark_model":
            assert run.init_us  # TFLite prints it and the timings line's Init: alike
        else:
            assert _normalised(line) in logged, f"{line!r} is not in {os.path.relpath(path, FIXTURES)}"


def test_tflite_model_size_keeps_its_printed_text():
    run = parsers.parse("tflite_benchmark_model", "The input model file size (MB): 2.0716\n").runs[0]
    assert (run.model_size_text, run.model_size_bytes) == ("2.0716 MB", 2071600)
    assert "The input model file size (MB): 2.0716\n" in render(parsers.parse(
        "tflite_benchmark_model", "The input model file size (MB): 2.0716"), "text")


def test_percentiles_are_never_made_up_and_ours_parse_back():
    log = ("Running benchmark for at least 50 iterations and at least 1 seconds but terminate if exceeding "
           "150 seconds.\ncount=50 first=94518 curr=95117 min=93066 max=99490 avg=95788.3 std=1284\n")
    timings = ("Inference timings in us: Init: 1779, First inference: 152949, Warmup (avg): 110690, "
               "Inference (avg): 95788.3\n")
    run = parsers.parse("tflite_benchmark_model", log + timings).runs[0]
    assert run.inference.count == 50 and (run.inference.p50, run.inference.p90, run.inference.p99) == (0, 0, 0)
    assert "Percentiles" not in render(parsers.parse("tflite_benchmark_model", log + timings), "text")
    ours = parsers.parse("tflite_benchmark_model",
                         log + "Percentiles in us: p50=95000 p90=97000 p99=99400\n" + timings).runs[0]
    assert (ours.inference.count, ours.inference.p50, ours.inference.p99) == (50, 95000, 99400)
    assert not ours.unknown_lines


def test_an_unknown_log_is_refused_in_one_sentence(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\nthis is not a log\n")
    code, out, err = _cli(str(path))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "looks like the output of summarize_graph, benchmark_model" in err


# ---------------------------------------------------------------- empty graph

def test_summarize_graph_of_an_empty_graph_parses_to_an_empty_summary(tmp_path, monkeypatch):
    from tflite_tools.summarize_graph.summarize import summarize

    parsed = parsers.parse("summarize_graph", _read(EMPTY_GRAPH_LOG))
    assert not parsed.unknown_lines and not parsed.error
    assert parsed.in_graph == parsed.benchmark_hint.graph == "model.tflite"
    # the Python engine on an empty GraphDef: the same message, field for field
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.tflite").write_bytes(b"")
    expected = summarize("model.tflite")
    assert parsed == expected and parsed.HasField("benchmark_hint")
    assert (len(parsed.inputs), len(parsed.op_counts), parsed.const_parameters) == (0, 0, 0)
    for argv in (("summarize_graph", EMPTY_GRAPH_LOG), (EMPTY_GRAPH_LOG,)):
        code, out, err = _cli(*argv)
        assert (code, err) == (0, "")
        assert out == "".join(_read(EMPTY_GRAPH_LOG).splitlines(keepends=True)[3:])


def test_an_empty_graph_log_without_the_hint_still_parses():
    text = "\n".join(_read(EMPTY_GRAPH_LOG).splitlines()[3:8])
    summary = parsers.parse("summarize_graph", text)
    assert summary == summary_pb2.GraphSummary()
    assert parsers.known_count(text, summary) == 5 and parsers.parse_auto(text)[0] == "summarize_graph"
