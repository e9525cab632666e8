"""`benchmark`: TFLite and TF benchmark_model flags, their loops, the text the
tools print, FLOPs checked by hand and against TF's own tool, side by side,
and every bad-input path (exit 2, one sentence)."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import shlex
import subprocess
import time

import numpy as np
import pytest

from tflite_tools.benchmark import tf_flags, tflite_benchmark
from tflite_tools.benchmark.side_by_side import benchmark
from tflite_tools.benchmark.stat import Stat, format_stat
from tflite_tools.benchmark.text import format_text
from tflite_tools.cli import main
from tflite_tools.proto import benchmark_pb2

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDENS = os.path.join(REPO, "..", "shared", "fixtures", "tf_tools")
CLI = os.path.join(REPO, ".venv", "bin", "tflite-tools")
FAST_TFLITE = ["--num_runs=5", "--min_secs=0", "--warmup_min_secs=0"]
FAST_TF = ["--max_num_runs=5"]


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["benchmark", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def cli_json(*argv) -> dict:
    code, out, err = cli(*argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


# --- Stat lines ---------------------------------------------------------------------------------

def _stat(*values) -> benchmark_pb2.Stat:
    stat = Stat()
    for value in values:
        stat.update(value)
    return stat.to_proto()


def test_stat_lines_match_tf_output_to_stream():
    assert format_stat(_stat()) == "count=0"
    assert format_stat(_stat(32608)) == "count=1 curr=32608"
    assert format_stat(_stat(5, 5, 5)) == "count=3 curr=5(all same)"
    # mean 93, population variance 3158.67 -> std 56 (truncated)
    assert format_stat(_stat(172, 46, 61)) == "count=3 first=172 curr=61 min=46 max=172 avg=93 std=56"
    # avg is ostream's %g: 6 significant digits, exponent from 1e6 up
    assert "avg=1.04177e+06" in format_stat(_stat(1041770, 1041772))
    assert "avg=61.85 " in format_stat(_stat(*([46] * 19 + [363])))


def test_percentiles_are_nearest_rank():
    stat = _stat(*range(1, 101))
    assert (stat.p50, stat.p90, stat.p99) == (50, 90, 99)
    assert _stat(7).p99 == 7


# --- TFLite: runs, time bounds, warmup ----------------------------------------------------------

def test_tflite_num_runs_is_a_minimum_and_warmup_runs_count(tflite_model):
    data = cli_json(tflite_model.path, "--num_runs=7", "--min_secs=0", "--warmup_runs", "3",
                    "--warmup_min_secs=0")
    run = data["runs"][0]
    assert run["runtime"] == "tflite"
    assert run["inference"]["count"] == 7
    assert run["warmup"]["count"] == 3
    assert run["first_inference_us"] == run["warmup"]["first"]
    assert run["model_size_bytes"] == os.path.getsize(tflite_model.path)
    assert run["parameters"]["num_runs"] == "7"


def test_tflite_min_secs_keeps_running_past_num_runs(tflite_model):
    started = time.perf_counter()
    run = benchmark(tflite_model.path, num_runs=1, min_secs=0.3, warmup_runs=0,
                    warmup_min_secs=0).runs[0]
    assert run.inference.count > 1
    assert time.perf_counter() - started >= 0.3


def test_tflite_max_secs_stops_starting_runs(tflite_model):
    # max_secs=0: the first run starts at t=0 (allowed), no run after it.
    run = benchmark(tflite_model.path, num_runs=50, min_secs=0, max_secs=0, warmup_min_secs=0).runs[0]
    assert run.warmup.count == 1
    assert run.inference.count == 1


def test_tflite_warmup_is_time_bounded(tflite_model):
    run = benchmark(tflite_model.path, num_runs=1, min_secs=0, warmup_runs=1,
                    warmup_min_secs=0.2).runs[0]
    assert run.warmup.count > 1


def test_tflite_run_delay_sleeps_between_runs(tflite_model):
    started = time.perf_counter()
    benchmark(tflite_model.path, num_runs=3, min_secs=0, warmup_runs=0, warmup_min_secs=0,
              run_delay=0.1)
    assert time.perf_counter() - started >= 0.3


# --- TFLite: input layers ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def dynamic_tflite(saved_model_tf2, tmp_path_factory):
    """The TF2 SavedModel (x: [-1,4]) converted: shape_signature [-1,4]."""
    from tflite_tools.core.lazy_tf import tensorflow

    converter = tensorflow().lite.TFLiteConverter.from_saved_model(saved_model_tf2.path)
    path = str(tmp_path_factory.mktemp("dynamic_tflite") / "dynamic.tflite")
    with open(path, "wb") as f:
        f.write(converter.convert())
    return path


def test_tflite_input_layer_shape_resizes(dynamic_tflite):
    interpreter = tflite_benchmark.make_interpreter(dynamic_tflite, tflite_benchmark.TfliteFlags())
    name = interpreter.get_input_details()[0]["name"]
    data = cli_json(dynamic_tflite, *FAST_TFLITE, f"--input_layer={name}", "--input_layer_shape=3,4")
    assert data["runs"][0]["input_shapes"] == ["3,4"]
    assert data["runs"][0]["input_layers"] == [name]


def test_tflite_input_layer_value_range(multi_io_tflite):
    interpreter = tflite_benchmark.make_interpreter(multi_io_tflite, tflite_benchmark.TfliteFlags())
    flags = tflite_benchmark.TfliteFlags(input_layer_value_range="ids,5,6:image,2,3")
    values = tflite_benchmark.make_inputs(interpreter, flags)
    assert set(np.unique(values["ids"])) <= {5, 6} and values["ids"].dtype == np.int32
    assert values["image"].min() >= 2 and values["image"].max() <= 3
    defaults = tflite_benchmark.make_inputs(interpreter, tflite_benchmark.TfliteFlags())
    assert defaults["ids"].min() >= 0 and defaults["ids"].max() <= 99
    assert np.abs(defaults["image"]).max() <= 0.5
    code, _, err = cli(multi_io_tflite, *FAST_TFLITE, "--input_layer_value_range=ids,5,6")
    assert code == 0, err


@pytest.fixture(scope="module")
def multi_io_tflite(multi_io_graph, tmp_path_factory):
    """multi_io_graph (image float32 [1,4], ids int32 [1,4]) converted."""
    from tflite_tools.core.lazy_tf import tensorflow

    converter = tensorflow().compat.v1.lite.TFLiteConverter.from_frozen_graph(
        multi_io_graph.path, multi_io_graph.input_names, multi_io_graph.output_names)
    path = str(tmp_path_factory.mktemp("multi_io_tflite") / "multi_io.tflite")
    with open(path, "wb") as f:
        f.write(converter.convert())
    return path


def test_tflite_input_layer_value_files(multi_io_tflite, tmp_path):
    ids = tmp_path / "ids.bin"
    ids.write_bytes(np.array([[1, 2, 3, 4]], np.int32).tobytes())
    interpreter = tflite_benchmark.make_interpreter(multi_io_tflite, tflite_benchmark.TfliteFlags())
    values = tflite_benchmark.make_inputs(
        interpreter, tflite_benchmark.TfliteFlags(input_layer_value_files=f"ids:{ids}"))
    assert values["ids"].tolist() == [[1, 2, 3, 4]]
    code, _, err = cli(multi_io_tflite, *FAST_TFLITE, f"--input_layer_value_files=ids:{ids}")
    assert code == 0, err
    short = tmp_path / "short.bin"
    short.write_bytes(b"\0" * 3)
    code, _, err = cli(multi_io_tflite, *FAST_TFLITE, f"--input_layer_value_files=ids:{short}")
    assert code == 2 and "has 3 bytes" in err and "needs 16" in err


def test_tflite_num_threads_and_xnnpack(tflite_model):
    default = cli_json(tflite_model.path, *FAST_TFLITE, "--num_threads=2")["runs"][0]
    assert default["num_threads"] == 2
    assert default["delegates"] == ["XNNPACK"]
    explicit = cli_json(tflite_model.path, *FAST_TFLITE, "--use_xnnpack")["runs"][0]
    assert explicit["delegates"] == ["XNNPACK"]
    disabled = cli_json(tflite_model.path, *FAST_TFLITE, "--use_xnnpack=false")["runs"][0]
    assert not disabled.get("delegates")


def test_tflite_text_has_the_tools_summary_lines(tflite_model):
    code, out, err = cli(tflite_model.path, *FAST_TFLITE)
    assert code == 0, err
    lines = out.splitlines()
    # all five runs can take the same whole microseconds on a tiny model: TF's short form
    stat = re.compile(r"^count=5 (first=\d+ curr=\d+ min=\d+ max=\d+ avg=[-+.\de]+ std=\d+"
                      r"|curr=\d+\(all same\))$")
    assert any(stat.match(l) for l in lines)
    timing = [l for l in lines if l.startswith("Inference timings in us: Init: ")]
    assert len(timing) == 1 and ", First inference: " in timing[0] and ", Warmup (avg): " in timing[0]
    assert ("Running benchmark for at least 5 iterations and at least 0 seconds but terminate "
            "if exceeding 150 seconds.") in lines
    assert any(l.startswith("Memory footprint delta from the start of the tool (MB): init=")
               for l in lines)


def _same_stat(parsed, ours):
    for field in ("count", "first", "curr", "min", "max", "std"):
        assert getattr(parsed, field) == getattr(ours, field), field
    assert parsed.avg == pytest.approx(ours.avg, rel=1e-5)  # printed with %g


def test_tflite_text_parses_back_with_the_log_parser(tflite_model):
    """Scripts reading TFLite's log read ours: `parse` gives back the same numbers."""
    from tflite_tools import parsers

    ours = benchmark(tflite_model.path, num_runs=12, min_secs=0, warmup_runs=3,
                     warmup_min_secs=0).runs[0]
    parsed = parsers.parse("tflite_benchmark_model", format_text(
        benchmark_pb2.BenchmarkResult(runs=[ours]))).runs[0]
    _same_stat(parsed.inference, ours.inference)
    _same_stat(parsed.warmup, ours.warmup)
    assert (parsed.init_us, parsed.first_inference_us) == (ours.init_us, ours.first_inference_us)
    assert parsed.inference_avg_us == pytest.approx(ours.inference_avg_us, rel=1e-5)
    assert parsed.model_size_bytes == ours.model_size_bytes
    assert parsed.memory.overall_mb == pytest.approx(ours.memory.overall_mb, rel=1e-5)
    assert (parsed.parameters["num_runs"], parsed.parameters["warmup_runs"]) == ("12", "3")
    assert list(parsed.delegates) == list(ours.delegates) == ["XNNPACK"]


def test_json_and_pbtxt_fields(tflite_model):
    from google.protobuf import text_format

    run = cli_json(tflite_model.path, *FAST_TFLITE)["runs"][0]
    for field in ("runtime", "model_path", "model_size_bytes", "parameters", "init_us",
                  "first_inference_us", "warmup_avg_us", "inference_avg_us", "warmup", "inference",
                  "memory", "num_threads", "engine", "input_layers", "output_layers", "input_shapes",
                  "input_types"):
        assert field in run, field
    # int64 fields are JSON numbers, not protobuf's strings
    assert isinstance(run["init_us"], int) and isinstance(run["inference"]["p99"], int)
    # growth is 0 (so left out of JSON) when an earlier test already set the peak RSS
    assert run["memory"]["peak_mb"] > 0
    assert {k for k, v in run["memory"].items() if v} <= {"init_mb", "overall_mb", "peak_mb", "rss_growth_mb"}
    code, out, _ = cli(tflite_model.path, *FAST_TFLITE, "--format=pbtxt")
    parsed = text_format.Parse(out, benchmark_pb2.BenchmarkResult())
    assert code == 0 and parsed.runs[0].inference.count == 5


REAL_LOGS = os.path.join(REPO, "..", "shared", "fixtures", "real_outputs")


def test_parsed_real_logs_render_and_parse_back():
    """`tflite-tools parse LOG --format text` prints through format_text: what a
    real log holds (op-profiling sections, errors), nothing it does not."""
    from tflite_tools import parsers

    text = open(os.path.join(REAL_LOGS, "benchmark_model_tflite", "01.txt")).read()
    parsed = parsers.parse("tflite_benchmark_model", text)
    again = parsers.parse("tflite_benchmark_model", format_text(parsed)).runs[0]
    run = parsed.runs[0]
    assert [(t.section, t.title, len(t.rows)) for t in again.tables] == \
        [(t.section, t.title, len(t.rows)) for t in run.tables]
    assert [s.section for s in again.profile_summaries] == [s.section for s in run.profile_summaries]
    _same_stat(again.inference, run.inference)
    assert (again.init_us, again.memory.overall_mb) == (run.init_us, run.memory.overall_mb)

    failed = parsers.parse("tflite_benchmark_model", open(
        os.path.join(REAL_LOGS, "benchmark_model_tflite", "13.txt")).read())
    out = format_text(failed)
    assert "Didn't find op for builtin opcode 'MUL' version '5'" in out
    assert "count=" not in out and "Inference timings" not in out and "Memory footprint" not in out


def test_op_profiling_is_refused_not_faked(tflite_model):
    code, out, err = cli(tflite_model.path, *FAST_TFLITE, "--enable_op_profiling=true")
    assert code == 2 and out == ""
    assert "not available from Python" in err and "Traceback" not in err
    code, _, _ = cli(tflite_model.path, *FAST_TFLITE, "--enable_op_profiling=false")
    assert code == 0


# --- TensorFlow: runs, time, warmup, values, FLOPs --------------------------------------------

def test_tf_max_num_runs_and_warmup(frozen_graph):
    run = cli_json(frozen_graph.path, "--max_num_runs=4", "--warmup_runs=2")["runs"][0]
    assert run["runtime"] == "tensorflow"
    assert run["inference"]["count"] == 4 and run["warmup"]["count"] == 2
    assert run["input_layers"] == ["input"] and run["output_layers"] == ["output"]
    assert run["input_shapes"] == ["1,8,8,3"] and run["input_types"] == ["float32"]
    # TF's averages are int64 divisions of the summed times
    assert run["inference_avg_us"] == int(run["inference"]["avg"])


def test_tf_max_time_bounds_summed_inference_time(frozen_graph):
    stat = benchmark(frozen_graph.path, max_num_runs=0, max_time=0.2, warmup_runs=0).runs[0].inference
    total = stat.avg * stat.count
    assert stat.count > 1
    assert total > 0.2e6                    # stops only once the sum passes max_time
    assert total - stat.curr <= 0.2e6 + 1e-3  # ... and right after


def test_tf_input_layer_values_fill_the_first_elements():
    layers = [tf_flags.Layer("a", "float32", [2, 2]), tf_flags.Layer("b", "int32", [3])]
    values = tf_flags.make_inputs(layers, "1.5,2:7")
    assert values["a"].tolist() == [[1.5, 2.0], [0.0, 0.0]]
    assert values["b"].tolist() == [7, 0, 0]


def test_tf_input_layer_values_change_the_outputs(multi_io_graph):
    code, _, err = cli(multi_io_graph.path, *FAST_TF, "--input_layer=image,ids",
                       "--input_layer_values=1,2,3,4:1,1,1,1")
    assert code == 0, err


@pytest.fixture(scope="module")
def flops_graph(tmp_path_factory):
    """x [2,3] @ w [3,4]; transpose_a MatMul; Conv2D and depthwise on [1,5,5,2]."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2, 3], name="x")
        w = tf.constant(np.ones((3, 4), np.float32))
        a = tf.constant(np.ones((3, 2), np.float32))
        mm = tf.matmul(x, w, name="mm")                                  # out [2,4]
        mm_t = tf.matmul(a, w, transpose_a=True, name="mm_t")           # out [2,4]
        img = tf.compat.v1.placeholder(tf.float32, [1, 5, 5, 2], name="img")
        conv = tf.nn.conv2d(img, tf.constant(np.ones((3, 3, 2, 4), np.float32)), 1, "VALID",
                            name="conv")                                # out [1,3,3,4]
        depthwise = tf.nn.depthwise_conv2d(img, tf.constant(np.ones((3, 3, 2, 1), np.float32)),
                                           [1, 1, 1, 1], "VALID", name="dw")  # out [1,3,3,2]
        tf.identity(tf.reduce_sum(mm) + tf.reduce_sum(mm_t) + tf.reduce_sum(conv)
                    + tf.reduce_sum(depthwise), name="out")
    path = str(tmp_path_factory.mktemp("flops") / "flops.pb")
    with open(path, "wb") as f:
        f.write(graph.as_graph_def().SerializeToString())
    return path


def test_show_flops_by_hand(flops_graph):
    # MatMul: k * out_elems * 2 = 3 * 8 * 2 = 48, twice (transpose_a: k = a.dim(0) = 3)
    # Conv2D: out_elems * kh * kw * in_depth * 2 = 36 * 3 * 3 * 2 * 2 = 1296
    # DepthwiseConv2dNative: out_elems * kh * kw * 2 = 18 * 3 * 3 * 2 = 324
    run = benchmark(flops_graph, max_num_runs=2, show_flops=True).runs[0]
    assert run.flops == 48 + 48 + 1296 + 324
    assert run.flops_text == "1.72k"
    code, out, _ = cli(flops_graph, "--max_num_runs=2", "--show_flops")
    assert code == 0 and "FLOPs estimate: 1.72k" in out.splitlines()
    assert any(line.startswith("FLOPs/second: ") for line in out.splitlines())
    # FLOPs/second divides by the mean no-stat run time as a double, as TF does
    from tflite_tools.core.human_number import human_readable_num

    assert run.flops_per_second_text == human_readable_num(int(1716 / (run.inference.avg / 1e6)))


def _golden_flops(case: str) -> str:
    for line in open(os.path.join(GOLDENS, case, "benchmark_model.stderr.txt")):
        if "FLOPs estimate: " in line:
            return line.split("FLOPs estimate: ")[1].strip()
    raise AssertionError(f"no FLOPs line in {case}")


@pytest.mark.parametrize("case", ["01_small_cnn_frozen", "04_multi_io", "09_big_params", "13_text_only"])
def test_flops_match_tf_benchmark_model(case, monkeypatch):
    """The args TF's tool ran with (max_num_runs lowered) give its FLOPs estimate."""
    args = open(os.path.join(GOLDENS, case, "benchmark_model.args.txt")).read().split()[1:]
    args = [a for a in args if not a.startswith("--max_num_runs")] + ["--max_num_runs=3"]
    monkeypatch.chdir(os.path.join(GOLDENS, case))
    code, out, err = cli(*args)
    assert code == 0, err
    assert f"FLOPs estimate: {_golden_flops(case)}" in out.splitlines()


def test_flops_failure_is_reported_and_timings_stand(monkeypatch):
    """12_while_loop: TF's tool logs "FLOPs calculation failed with ..." too."""
    case = os.path.join(GOLDENS, "12_while_loop")
    args = open(os.path.join(case, "benchmark_model.args.txt")).read().split()[1:]
    monkeypatch.chdir(case)
    code, out, err = cli(*[a for a in args if not a.startswith("--max_num_runs")], "--max_num_runs=2")
    assert code == 0, err
    assert any(l.startswith("FLOPs calculation failed with ") for l in out.splitlines())
    assert "count=2 " in out


@pytest.mark.parametrize("case, expected", [
    ("08_no_inputs_iterator", "Average inference timings in us: "),  # iterator handles not fetched
    ("14_device_placement", "Average inference timings in us: "),  # devices cleared
    ("15_invalid_input", "TensorFlow cannot load the graph: Node 'output': Unknown input node "
                         "'missing_node'"),
    ("16_no_outputs", "the graph has no outputs that can be fetched; give --output_layer"),
    ("05_unknown_shapes", "give the size to benchmark with --input_layer_shape"),
    ("02_unfrozen_variables", "has variables but no checkpoint beside it"),
])
def test_golden_graphs_run_or_fail_clearly(case, expected, monkeypatch):
    monkeypatch.chdir(os.path.join(GOLDENS, case))
    code, out, err = cli("graph.pb", "--max_num_runs=2")
    assert expected in (out if code == 0 else err), err
    assert code in (0, 2) and "Traceback" not in err


def test_same_report_as_tf_benchmark_model(monkeypatch):
    """Our text and TF's own log (01_small_cnn_frozen, same args), both read by
    the log parser: same phases, tables, nodes, memory and FLOPs; only times differ."""
    from tflite_tools import parsers

    case = os.path.join(GOLDENS, "01_small_cnn_frozen")
    golden = parsers.parse("benchmark_model",
                           open(os.path.join(case, "benchmark_model.stderr.txt")).read()).runs[0]
    args = open(os.path.join(case, "benchmark_model.args.txt")).read().split()[1:]
    monkeypatch.chdir(case)
    code, out, err = cli(*args)
    assert code == 0, err
    ours = parsers.parse("benchmark_model", out).runs[0]
    for phase in ("warmup", "inference", "inference_with_stats"):
        assert getattr(ours, phase).count == getattr(golden, phase).count
    assert [t.title for t in ours.tables] == [t.title for t in golden.tables]
    assert [(r.name, r.node_type, r.mem_kb) for r in ours.tables[0].rows] == \
        [(r.name, r.node_type, r.mem_kb) for r in golden.tables[0].rows]
    assert sorted((r.node_type, r.count) for r in ours.tables[3].type_rows) == \
        sorted((r.node_type, r.count) for r in golden.tables[3].type_rows)
    ours_summary, golden_summary = ours.profile_summaries[-1], golden.profile_summaries[-1]
    assert ours_summary.memory == golden_summary.memory  # count=20 curr=25128(all same)
    assert ours_summary.nodes_observed == golden_summary.nodes_observed == 13
    assert ours.flops_text == golden.flops_text == "238.34k"
    assert (list(ours.input_layers), list(ours.output_layers)) == (["input"], ["output"])


def test_summarize_hint_line_runs_as_is(monkeypatch):
    case = os.path.join(GOLDENS, "01_small_cnn_frozen")
    hint = open(os.path.join(case, "summarize_graph.txt")).read().splitlines()[-1]
    prefix = "bazel run tensorflow/tools/benchmark:benchmark_model -- "
    assert hint.startswith(prefix)
    monkeypatch.chdir(case)
    code, out, err = cli(*shlex.split(hint[len(prefix):]))
    assert code == 0, err
    lines = out.splitlines()
    assert "FLOPs estimate: 238.34k" in lines
    assert any(l.startswith("count=1000 first=") for l in lines)
    assert any(l.startswith("Average inference timings in us: Warmup: ") and ", no stats: " in l
               for l in lines)


def test_tf_with_stats_phase_and_node_tables(frozen_graph):
    run = benchmark(frozen_graph.path, max_num_runs=4, warmup_runs=1).runs[0]
    assert run.inference_with_stats.count == 4
    assert run.with_stats_avg_us == int(run.inference_with_stats.avg)  # int64 division, as TF
    titles = [t.title for t in run.tables]
    assert titles == ["Run Order", "Top by Computation Time", "Top by Memory Use",
                      "Summary by node type"]
    run_order = {row.name: row for row in run.tables[0].rows}
    assert run_order["output"].node_type == "Softmax" and run_order["output"].times_called == 1
    assert run.tables[0].rows[-1].cdf_percent == pytest.approx(100.0)
    times = [row.avg_ms for row in run.tables[1].rows]
    assert times == sorted(times, reverse=True) and len(times) <= 10
    summary = run.profile_summaries[0]
    assert summary.timings.count == 4 and summary.nodes_observed == len(run.tables[0].rows)
    type_rows = {row.node_type: row for row in run.tables[3].type_rows}
    assert type_rows["Const"].count == sum(r.node_type == "Const" for r in run.tables[0].rows)
    code, out, _ = cli(frozen_graph.path, "--max_num_runs=3")
    lines = out.splitlines()
    assert "============================== Run Order ==============================" in lines
    header = [l for l in lines if l.endswith("[times called]\t[Name]")][0]
    assert header.startswith("\t" + "[node type]".rjust(40) + "\t  [first]\t [avg ms]\t     [%]")
    assert any(l.startswith("Timings (microseconds): count=3") for l in lines)


def test_tf_table_flags(frozen_graph):
    run = cli_json(frozen_graph.path, *FAST_TF, "--show_run_order=false", "--time_limit=2",
                   "--show_memory", "false", "--show_summary=false")["runs"][0]
    assert [t["title"] for t in run["tables"]] == ["Top by Computation Time", "Summary by node type"]
    assert len(run["tables"][0]["rows"]) == 2 and not run.get("profile_summaries")
    run = cli_json(frozen_graph.path, *FAST_TF, "--run_order_limit=3", "--show_type=false")["runs"][0]
    assert [len(t["rows"]) for t in run["tables"]] == [3, 10, 10]
    code, _, err = cli(frozen_graph.path, *FAST_TF, "--memory_limit=-1")
    assert code == 2 and "--memory_limit=-1 is negative" in err


def test_tf_text_parses_back_with_the_log_parser(frozen_graph):
    from tflite_tools import parsers

    ours = benchmark(frozen_graph.path, max_num_runs=6, warmup_runs=2, show_flops=True).runs[0]
    parsed = parsers.parse("benchmark_model", format_text(
        benchmark_pb2.BenchmarkResult(runs=[ours]))).runs[0]
    _same_stat(parsed.inference, ours.inference)
    _same_stat(parsed.warmup, ours.warmup)
    assert parsed.warmup_avg_us == ours.warmup_avg_us
    assert parsed.inference_avg_us == ours.inference_avg_us
    assert parsed.flops_text == ours.flops_text
    assert parsed.with_stats_avg_us == ours.with_stats_avg_us
    assert [t.title for t in parsed.tables] == [t.title for t in ours.tables]
    for parsed_table, table in zip(parsed.tables, ours.tables):
        assert [(r.name, r.node_type, r.times_called) for r in parsed_table.rows] == \
            [(r.name, r.node_type, r.times_called) for r in table.rows]
        assert [r.avg_ms for r in parsed_table.rows] == pytest.approx(
            [r.avg_ms for r in table.rows], abs=6e-4)
        assert [(r.node_type, r.count) for r in parsed_table.type_rows] == \
            [(r.node_type, r.count) for r in table.type_rows]
    assert parsed.profile_summaries[0].nodes_observed == ours.profile_summaries[0].nodes_observed
    assert list(parsed.input_layers) == ["input"] and list(parsed.output_layers) == ["output"]


def test_saved_model_runs_its_serving_signature(saved_model_tf2, saved_model_tf1):
    # x [2,4] @ kernel [4,3]: k=4, out_elems=6 -> 4 * 6 * 2 = 48 FLOPs (frozen, inlined function)
    for model in (saved_model_tf2, saved_model_tf1):
        run = cli_json(model.path, *FAST_TF, "--input_layer_shape=2,4", "--show_flops")["runs"][0]
        assert run["input_layers"] == ["x"] and run["output_layers"] == ["y"]
        assert run["input_shapes"] == ["2,4"] and run["inference"]["count"] == 5
        assert run["flops"] == 48
        assert run["engine"].endswith("(SavedModel signature 'serving_default' as a graph-mode "
                                      "concrete function)")


def test_num_threads_for_saved_models(saved_model_tf2):
    """Eager thread pools are sized before TensorFlow first runs: fine in a fresh
    process, a clear error in one where TensorFlow already ran."""
    proc = subprocess.run([CLI, "benchmark", saved_model_tf2.path, "--num_threads=2",
                           "--input_layer_shape=1,4", *FAST_TF, "--format=json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["runs"][0]["num_threads"] == 2
    from tflite_tools.core.lazy_tf import tensorflow

    tensorflow().constant(1.0) + 1.0  # TensorFlow has run in this process now
    code, _, err = cli(saved_model_tf2.path, "--num_threads=3", "--input_layer_shape=1,4", *FAST_TF)
    assert code == 2 and "run the benchmark in a fresh process" in err


@pytest.mark.parametrize("role", ["directory", "pb", "pbtxt", "meta", "prefix"])
def test_checkpoint_graph_is_frozen_on_the_way(role, checkpoint_graph, frozen_graph):
    path = checkpoint_graph.path if role == "directory" else checkpoint_graph.files[role]
    run = cli_json(path, *FAST_TF, "--show_flops")["runs"][0]
    assert run["engine"].endswith("(graph, frozen on the way)")
    assert run["output_layers"] == ["output"] and run["inference"]["count"] == 5
    frozen = cli_json(frozen_graph.path, *FAST_TF, "--show_flops")["runs"][0]
    assert run["flops"] == frozen["flops"] > 0


def test_keras_model(keras_h5):
    # [1,4] @ [4,8] -> 4*8*2 = 64; [1,8] @ [8,3] -> 8*3*2 = 48
    run = cli_json(keras_h5.path, *FAST_TF, "--input_layer_shape=1,4", "--show_flops")["runs"][0]
    assert run["input_layers"] == ["features"] and run["inference"]["count"] == 5
    assert run["flops"] == 64 + 48
    assert run["engine"].endswith("(Keras model as a graph-mode concrete function)")


# --- side by side -----------------------------------------------------------------------------

def test_side_by_side_given_tflite(frozen_graph, tflite_model):
    data = cli_json(frozen_graph.path, "--tflite", tflite_model.path, *FAST_TF, *FAST_TFLITE)
    tf_run, tflite_run = data["runs"]
    assert (tf_run["runtime"], tflite_run["runtime"]) == ("tensorflow", "tflite")
    comparison = data["comparison"]
    assert comparison["tflite_origin"] == "given"
    assert comparison["latency_ratio"] == pytest.approx(
        tflite_run["inference"]["avg"] / tf_run["inference"]["avg"])
    assert comparison["speedup"] == pytest.approx(1 / comparison["latency_ratio"])
    assert comparison["size_ratio"] == pytest.approx(
        os.path.getsize(tflite_model.path) / os.path.getsize(frozen_graph.path))
    code, out, _ = cli(frozen_graph.path, "--tflite", tflite_model.path, *FAST_TF, *FAST_TFLITE)
    assert code == 0 and "Side by side (same inputs):" in out
    assert "Average inference timings in us: Warmup: " in out and "Inference timings in us: Init: " in out


def test_compare_tf_converts_on_the_fly(frozen_graph):
    data = cli_json(frozen_graph.path, "--compare_tf", *FAST_TF, *FAST_TFLITE)
    tf_run, tflite_run = data["runs"]
    assert data["comparison"]["tflite_origin"] == "converted"
    assert tflite_run["model_path"].endswith("(converted on the fly)")
    assert tflite_run["input_layers"] == ["input"] and tflite_run["inference"]["count"] == 5
    assert data["comparison"]["speedup"] > 0


def test_compare_tf_saved_model_maps_renamed_inputs(saved_model_tf2):
    """The converter renames x to serving_default_x:0; both runs get the same [2,4] input."""
    data = cli_json(saved_model_tf2.path, "--compare_tf", "--input_layer_shape=2,4", *FAST_TF,
                    *FAST_TFLITE)
    tf_run, tflite_run = data["runs"]
    assert tf_run["input_layers"] == ["x"] and tflite_run["input_layers"] == ["serving_default_x:0"]
    assert tf_run["input_shapes"] == tflite_run["input_shapes"] == ["2,4"]


def test_side_by_side_feeds_the_same_values(multi_io_graph, multi_io_tflite):
    """Both models get the .tflite generator's values (ids in 5..6 here): the TF
    run would fail on a shape mismatch if values were not mapped by name."""
    result = benchmark(multi_io_graph.path, tflite=multi_io_tflite, max_num_runs=2, num_runs=2,
                       min_secs=0, warmup_min_secs=0, input_layer_value_range="ids,5,6")
    assert [r.runtime for r in result.runs] == ["tensorflow", "tflite"]
    assert result.runs[0].input_layers == ["image", "ids"]


# --- errors -----------------------------------------------------------------------------------

def test_unknown_batch_is_benchmarked_as_1_and_said(dynamic_batch_graph, dynamic_tflite):
    """One rule for TF and .tflite alike: an unknown batch is 1, and the output says so."""
    note = "batch dimension of '{}' is unknown in the model: benchmarked with 1"
    code, out, err = cli(dynamic_batch_graph.path, *FAST_TF)
    assert code == 0, err
    assert note.format("x") in out and "Input shapes: [1,4]" in out
    run = cli_json(dynamic_batch_graph.path, *FAST_TF, "--input_layer_shape=3,4")["runs"][0]
    assert run["input_shapes"] == ["3,4"] and not run.get("notes")
    tflite_run = cli_json(dynamic_tflite, *FAST_TFLITE)["runs"][0]
    name = tflite_run["input_layers"][0]
    assert tflite_run["input_shapes"] == ["1,4"] and tflite_run["notes"] == [
        note.format(name) + "; pass --input_layer_shape to choose another"]


def test_unknown_layer_names_suggest_the_closest(frozen_graph, tflite_model):
    code, _, err = cli(frozen_graph.path, *FAST_TF, "--input_layer=inptu")
    assert code == 2 and "'inptu'" in err and "did you mean input" in err
    code, _, err = cli(frozen_graph.path, *FAST_TF, "--output_layer=outptu")
    assert code == 2 and "did you mean output" in err
    code, _, err = cli(tflite_model.path, *FAST_TFLITE, "--input_layer=inptu")
    assert code == 2 and "did you mean input" in err


def test_unknown_layer_name_with_none_close_lists_the_models(keras_h5, tflite_model):
    """'image' is nothing like 'features': the few names the model has are listed."""
    code, _, err = cli(keras_h5.path, *FAST_TF, "--input_layer=image")
    assert code == 2 and "'image'" in err and "the model has features" in err
    code, _, err = cli(tflite_model.path, *FAST_TFLITE, "--input_layer=image")
    assert code == 2 and "the model has input" in err


@pytest.mark.parametrize("argv, message", [
    (["--num_runs=0"], "--num_runs=0 must be at least 1"),
    (["--num_runs", "-3"], "--num_runs=-3 must be at least 1"),
    (["--min_secs=-1"], "--min_secs=-1.0 is negative"),
    (["--max_secs=-0.5"], "--max_secs=-0.5 is negative"),
    (["--warmup_min_secs=-2"], "--warmup_min_secs=-2.0 is negative"),
    (["--max_num_runs=5"], "--max_num_runs is a TensorFlow benchmark_model flag"),
    (["--input_layer_shape=1,-1,8,3"], "unknown (-1) size"),
    (["--input_layer_value_range=input,1"], "is not name,low,high"),
    (["--use_xnnpack=maybe"], "expected true or false"),
    (["--input_layer_shape=1,2"], "cannot run with the input shapes given"),
    (["--input_layer_shape=1,8,8,3:1,4"], "--input_layer_shape has 2 entries but there are 1"),
])
def test_bad_tflite_flags_exit_2(tflite_model, argv, message):
    code, out, err = cli(tflite_model.path, *argv)
    assert code == 2 and out == "", err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["--max_time=-1"], "--max_time=-1.0 is negative"),
    (["--max_num_runs=0", "--max_time=0"], "would never stop"),
    (["--num_runs=5"], "--num_runs is a TFLite benchmark_model flag"),
    (["--input_layer_type=float,int32"], "--input_layer_type has 2 items"),
    (["--input_layer_type=floot"], "'floot' is not a TensorFlow type"),
    (["--input_layer_type=quint8"], "has type quint8, which cannot be fed"),
    (["--input_layer_values=1:2"], "--input_layer_values has 2 entries"),
])
def test_bad_tf_flags_exit_2(frozen_graph, argv, message):
    code, out, err = cli(frozen_graph.path, *argv)
    assert code == 2 and out == "", err
    assert message in err


def test_bare_bool_flag_before_the_model_says_what_to_do(frozen_graph):
    code, _, err = cli("--show_flops", frozen_graph.path)
    assert code == 2 and "put MODEL before bare bool flags or write --graph=MODEL" in err
    code, _, err = cli(frozen_graph.path, "--show_flops", "true", *FAST_TF)
    assert code == 0, err


def test_side_by_side_refuses_tf_only_input_values(frozen_graph, tflite_model):
    code, _, err = cli(frozen_graph.path, "--tflite", tflite_model.path, "--input_layer_values=1")
    assert code == 2 and "does not apply side by side" in err


def _tensorflow_links_flex() -> bool:
    """Whether the installed TF's library exports the Flex delegate (TF 2.15-2.17 do, 2.21
    does not); LiteRT in a process that loaded it applies it to Flex ops, as TFLite does."""
    import ctypes

    import tensorflow as tf

    library = os.path.join(os.path.dirname(tf.__file__), "python", "_pywrap_tensorflow_internal.so")
    return os.path.exists(library) and hasattr(ctypes.CDLL(library), "TF_AcquireFlexDelegate")


def test_flex_tflite_says_what_it_needs(flex_tflite):
    code, out, err = cli(flex_tflite, *FAST_TFLITE)
    if _tensorflow_links_flex():
        assert code == 0 and "Inference timings" in out, err
        return
    assert code == 2 and out == ""
    assert "needs the Flex delegate for select TF ops (FlexCumprod)" in err and "Traceback" not in err


def test_engine_flag_side_by_side_is_python_only(frozen_graph, tflite_model):
    code, _, err = cli(frozen_graph.path, "--tflite", tflite_model.path, "--engine", "native")
    assert code == 2 and "run in the Python engine only" in err
    # auto falls back to the Python engine when the native tools cannot do the job
    code, _, err = cli(frozen_graph.path, "--tflite", tflite_model.path, "--engine=auto",
                       *FAST_TF, *FAST_TFLITE)
    assert code == 0, err


def test_missing_model_and_bad_tflite(tmp_path, frozen_graph):
    code, _, err = cli(str(tmp_path / "nope.tflite"))
    assert code == 2 and "does not exist" in err
    code, _, err = cli()
    assert code == 2 and "no model given" in err
    code, _, err = cli(frozen_graph.path, "--tflite", frozen_graph.path)
    assert code == 2 and "is not a .tflite" in err


# --- progress, subprocess smoke ---------------------------------------------------------------

def test_no_progress_output_when_captured(tflite_model):
    proc = subprocess.run([CLI, "benchmark", tflite_model.path, "--num_runs=1", "--min_secs=1.3",
                           "--warmup_min_secs=0", "--format=json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["runs"][0]["inference"]["count"] > 1
    assert "benchmark inference" not in proc.stderr and "\r" not in proc.stderr


def test_progress_shown_on_a_terminal(tflite_model):
    """stderr on a pseudo-terminal: a progress line appears for a 1.5 s phase."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([CLI, "benchmark", tflite_model.path, "--num_runs=1", "--min_secs=1.5",
                             "--warmup_min_secs=0", "--format=json"],
                            stdout=subprocess.PIPE, stderr=terminal, text=True)
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=60)
    os.close(controller)
    assert proc.returncode == 0
    assert json.loads(out)["runs"][0]["runtime"] == "tflite"
    assert b"benchmark inference" in seen


def test_console_script_smoke(tflite_model):
    proc = subprocess.run([CLI, "benchmark", "--graph", tflite_model.path, *FAST_TFLITE],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Inference timings in us: Init: " in proc.stdout
    proc = subprocess.run([CLI, "benchmark", tflite_model.path, "--num_runs=0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_format_text_of_an_empty_result_is_harmless():
    assert format_text(benchmark_pb2.BenchmarkResult()) == "\n"
