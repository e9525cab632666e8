"""The log parsers (`tflite-tools parse`): goldens for every real log in
shared/fixtures, hand-checked values, the log-line cleaner, the Stat line in
every era, agreement with the Python summarize engine, and the CLI."""

from __future__ import annotations

import difflib
import io
import os
import subprocess
import sys

import pytest
import update_parse_goldens as goldens
from google.protobuf import text_format

from tflite_tools import parsers
from tflite_tools.cli import main
from tflite_tools.errors import TfliteToolsError
from tflite_tools.parsers import _benchmark_common, _log_lines
from tflite_tools.proto import benchmark_pb2, summary_pb2

CASES = goldens.cases()
REAL = goldens.REAL
TF_TOOLS = goldens.TF_TOOLS


def _parse_file(tool: str, *paths: str):
    text = "".join(open(path, encoding="utf-8").read() for path in paths)
    return parsers.parse(tool, text)


def _real(tool_dir: str, number: str):
    return _parse_file(goldens._REAL_DIRS[tool_dir], os.path.join(REAL, tool_dir, number + ".txt"))


def _assert_same(actual, expected, what: str, hint: str = "") -> None:
    if actual == expected:
        return
    diff = "\n".join(difflib.unified_diff(
        text_format.MessageToString(expected).splitlines(),
        text_format.MessageToString(actual).splitlines(),
        "expected", "actual", lineterm="", n=2))
    pytest.fail(f"{what} differs{hint}:\n{diff}")


# ---------------------------------------------------------------- goldens

def test_every_fixture_has_a_case():
    inputs = {case.input_path for case in CASES}
    for directory in goldens._REAL_DIRS:
        for name in os.listdir(os.path.join(REAL, directory)):
            assert os.path.join(REAL, directory, name) in inputs
    assert len([c for c in CASES if c.input_path.startswith(TF_TOOLS)]) == 16 + 3 + 1 + 1 + 6
    readme = open(os.path.join(goldens.GOLDEN_DIR, "README.md"), encoding="utf-8").read()
    for case in CASES:
        assert f"| {case.tool} | `{case.name}` |" in readme


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.tool}/{c.name}")
def test_golden(case):
    actual = goldens.parse_case(case)
    assert os.path.exists(case.golden_path), f"missing golden; run: {goldens.COMMAND}"
    expected = text_format.Parse(open(case.golden_path, encoding="utf-8").read(), type(actual)())
    _assert_same(actual, expected, f"parse of {case.input_label}",
                 f" from {os.path.relpath(case.golden_path, goldens.ROOT)}; if the change is right, "
                 f"run `{goldens.COMMAND}` and review the diff")


# ---------------------------------------------------------------- hand-checked values

def test_summarize_graph_variables_devices_and_ops():
    s = _parse_file("summarize_graph", os.path.join(TF_TOOLS, "02_unfrozen_variables", "summarize_graph.txt"))
    assert [(v.name, v.type, v.type_enum, v.shape) for v in s.variables][:2] == [
        ("conv_w", "float", 1, "[3,3,1,8]"), ("conv_b", "float", 1, "[8]")]
    assert (s.const_parameters, s.variable_parameters, s.control_edges) == (47, 0, 9)
    assert [(d.device, d.count) for d in s.devices] == [("/device:CPU:0", 3)]
    assert len(s.op_counts) == 18 and (s.op_counts[0].op, s.op_counts[0].count) == ("Const", 14)
    assert s.op_counts[9].op == "Conv2D" and s.op_counts[10].op == "BiasAdd"  # printed order kept
    assert s.benchmark_hint.input_layer_shape == "1,28,28,1:3,3,1,8:8:6272,10:10"
    assert not s.unknown_lines


def test_summarize_graph_two_devices_run_into_op_types():
    s = _parse_file("summarize_graph", os.path.join(TF_TOOLS, "14_device_placement", "summarize_graph.txt"))
    assert [(d.device, d.count) for d in s.devices] == [
        ("/device:CPU:0", 3), ("/job:worker/replica:0/task:0/device:CPU:0", 2)]
    assert [(o.op, o.count) for o in s.op_counts] == [("Const", 2), ("Mul", 1), ("Placeholder", 1), ("Sum", 1)]


def test_summarize_graph_shapes_as_printed():
    s = _parse_file("summarize_graph", os.path.join(TF_TOOLS, "05_unknown_shapes", "summarize_graph.txt"))
    assert [i.shape for i in s.inputs] == ["[?,28,28,1]", "<unknown>", "[]", "None"]
    assert s.benchmark_hint.input_layer_shape == "-1,28,28,1:::"


def test_summarize_graph_invalid_input_and_stderr():
    stdout = os.path.join(TF_TOOLS, "15_invalid_input", "summarize_graph.txt")
    stderr = os.path.join(TF_TOOLS, "15_invalid_input", "summarize_graph.error.txt")
    s = _parse_file("summarize_graph", stdout, stderr)
    assert [(i.input, i.node) for i in s.invalid_inputs] == [("missing_node", "output")]
    assert s.error == "Invalid graph with inputs referring to nonexistent nodes"
    assert not s.op_counts and not s.unknown_lines  # the usage text is known too
    warnings = _parse_file("summarize_graph", os.path.join(TF_TOOLS, "02_unfrozen_variables",
                                                           "summarize_graph.stderr.txt"))
    assert list(warnings.decode_failures) == ["conv_w", "conv_b", "fc_w", "fc_b"]


def test_summarize_graph_hand_wrapped_pastes():
    s = _real("summarize_graph", "11")  # tab-indented, op list wrapped over four lines
    assert not s.inputs and s.outputs[0].name == "tower_0/logits/predictions"
    assert len(s.op_counts) == 27
    assert (s.op_counts[7].count, s.op_counts[7].op) == (94, "Conv2D")
    assert (s.op_counts[-1].count, s.op_counts[-1].op) == (1, "BiasAdd")
    assert s.in_graph == "frozen_model.pb" and not s.unknown_lines
    s = _real("summarize_graph", "15")  # outputs, op list and hint wrapped without '\'
    assert [o.name for o in s.outputs] == ["detection_boxes", "detection_scores", "num_detections",
                                           "detection_classes"]
    assert len(s.op_counts) == 63 and s.op_counts[7].op == "Reshape" and s.op_counts[24].op == "Enter"
    assert s.op_counts[25].op == "Relu" and s.control_edges == 4163
    assert s.benchmark_hint.output_layer == "detection_boxes,detection_scores,num_detections,detection_classes"
    assert s.benchmark_hint.input_layer_shape == "-1,-1,-1,3"


def test_summarize_graph_print_structure():
    s = _real("summarize_graph", "09")
    assert s.print_structure and len(s.structure) == 37
    first = s.structure[0]
    assert (first.name, first.op, list(first.inputs)) == ("fully_connected/biases", "Const", [])
    assert first.value == "Tensor<type: half shape: [1] values: -0.0464782715>"
    assert list(s.structure[9].inputs) == ["Flatten/flatten/Shape", "Flatten/flatten/strided_slice/stack",
                                           "Flatten/flatten/strided_slice/stack_1",
                                           "Flatten/flatten/strided_slice/stack_2"]
    assert s.inputs[0].type == "half" and s.inputs[0].type_enum == 19
    s = _parse_file("summarize_graph", os.path.join(TF_TOOLS, "12_while_loop",
                                                    "summarize_graph.print_structure.txt"))
    assert list(s.structure[3].inputs) == ["^recurrence/Merge"]
    assert list(s.structure[7].inputs) == ["recurrence/Switch:1"]


def test_tf_benchmark_current_absl_log():
    run = _parse_file("benchmark_model", os.path.join(TF_TOOLS, "01_small_cnn_frozen",
                                                      "benchmark_model.stderr.txt")).runs[0]
    assert run.runtime == "tensorflow" and run.model_path == "graph.pb"
    assert (run.warmup.count, run.warmup.curr, run.warmup.all_same) == (1, 32608, True)
    assert (run.inference.count, run.inference.first, run.inference.avg, run.inference.std) == (20, 172, 61.85, 29)
    assert (run.inference_with_stats.count, run.inference_with_stats.avg) == (20, 152.8)
    assert (run.warmup_avg_us, run.inference_avg_us, run.with_stats_avg_us) == (32608, 61, 152)
    assert (run.init_us, run.flops, run.flops_text, run.flops_per_second_text) == (13319, 238340, "238.34k", "3.85B")
    assert run.parameters["max_num_runs"] == "20" and run.parameters["init_ops"] == ""
    assert [t.title for t in run.tables] == ["Run Order", "Top by Computation Time", "Top by Memory Use",
                                             "Summary by node type"]
    row = run.tables[0].rows[7]
    assert (row.node_type, row.first_ms, row.avg_ms, row.percent, row.mem_kb, row.name) == (
        "_FusedConv2D", 0.040, 0.040, 67.479, 25.088, "relu")
    type_row = run.tables[3].type_rows[3]
    assert (type_row.node_type, type_row.count, type_row.times_called) == ("Const", 5, 5)
    summary = run.profile_summaries[0]
    assert (summary.timings.avg, summary.memory.curr, summary.memory.all_same) == (59.5, 25128, True)
    assert (summary.nodes_observed, summary.nodes_executed) == (13, 13)


@pytest.mark.parametrize("tool, path", [
    ("benchmark_model", os.path.join(TF_TOOLS, "12_while_loop", "benchmark_model.stderr.txt")),
    ("tflite_benchmark_model", os.path.join(REAL, "benchmark_model_tflite", "03.txt")),
])
def test_tables_whose_tabs_became_spaces(tool, path):
    text = open(path, encoding="utf-8").read()
    tabbed, spaced = parsers.parse(tool, text).runs[0], parsers.parse(tool, text.expandtabs(8)).runs[0]
    assert len(tabbed.tables) >= 4 and list(spaced.tables) == list(tabbed.tables)


def test_tf_benchmark_show_sizes_block_is_no_table():
    run = parsers.parse("benchmark_model", "============ Node output tensor sizes in run order ========\n"
                                           "conv\t1\t1\t4\t1\t28\t28\t8\n").runs[0]
    assert not run.tables and run.unknown_lines == ["conv\t1\t1\t4\t1\t28\t28\t8"]


def test_tf_benchmark_2017_glog_log_with_command_line():
    run = _real("benchmark_model_tf", "01").runs[0]
    assert run.parameters["show_run_order"] == "false"  # from the pasted command line
    assert run.parameters["warmup_runs"] == "2" and run.parameters["input_layer_shape"] == "16000,1:"
    assert list(run.input_layers) == ["decoded_sample_data:0", "decoded_sample_data:1"]
    assert (run.warmup.count, run.warmup.avg, run.inference.count, run.inference.avg) == (2, 169371, 65, 154048)
    assert (run.inference_avg_us, run.flops) == (154047, 410_320_000)
    assert [t.title for t in run.tables] == ["Summary by node type"]
    assert run.tables[0].type_rows[1].node_type == "AudioSpectrogram"
    assert not run.unknown_lines


def test_tf_benchmark_errors_keep_their_continuation():
    run = _parse_file("benchmark_model", os.path.join(TF_TOOLS, "12_while_loop",
                                                      "benchmark_model.stderr.txt")).runs[0]
    assert run.error == ("FLOPs calculation failed with INTERNAL: Retval[2] has already been set.\n"
                         "[[{{node _retval_recurrence/MatMul/ReadVariableOp_0_2}}]]")
    assert not run.flops_text and run.inference_with_stats.max == 3264


def test_tflite_benchmark_op_profiling():
    run = _real("benchmark_model_tflite", "01").runs[0]
    assert run.runtime == "tflite" and run.model_size_bytes == 16_900_800
    assert (run.init_us, run.first_inference_us) == (17187, 3512391)
    assert run.inference.avg == 2.95034e+06 and run.inference_avg_us == 2950340.0
    assert (run.memory.init_mb, run.memory.overall_mb) == (4.21094, 46.0859)
    assert run.parameters["num_threads"] == "4" and run.num_threads == 4
    sections = [(t.section, t.title) for t in run.tables]
    assert sections[0] == ("Profiling Info for Benchmark Initialization", "Run Order")
    assert sections[3] == ("Operator-wise Profiling Info for Regular Benchmark Runs", "Run Order")
    row = run.tables[3].rows[0]
    assert (row.node_type, row.start_ms, row.first_ms, row.avg_ms, row.name) == (
        "CONV_2D", 0.066, 87.754, 60.957, "[MobilenetV1/MobilenetV1/Conv2d_0/Relu6]:0")
    assert len(run.tables[3].rows) == 31 and run.tables[5].type_rows[0].count == 15
    init, regular = run.profile_summaries
    assert (init.timings.curr, init.memory.count, init.nodes_observed) == (1356, 0, 1)
    assert (regular.timings.count, regular.timings.avg, regular.nodes_executed) == (50, 2.9499e+06, 31)


def test_tflite_benchmark_pasted_tail_and_glued_command():
    run = _real("benchmark_model_tflite", "05").runs[0]  # only the regular Stat line, no heading
    assert run.inference.count == 50 and not run.HasField("warmup")
    assert (run.memory.init_mb, run.memory.overall_mb) == (5.15625, 36.9883)
    run = _real("benchmark_model_tflite", "11").runs[0]  # "--num_threads=4STARTING!"
    assert run.parameters["enable_op_profiling"] == "1" and list(run.delegates) == ["XNNPACK"]
    assert (run.warmup.count, run.warmup_avg_us, run.inference_avg_us) == (9, 57758.2, 55043.2)
    assert not run.unknown_lines


def test_tflite_benchmark_failure():
    run = _real("benchmark_model_tflite", "13").runs[0]
    assert run.error.splitlines() == [
        "Didn't find op for builtin opcode 'MUL' version '5'. An older version of this builtin might be "
        "supported. Are you using an old TFLite binary with a newer model?",
        "Registration failed.", "Failed to initialize the interpreter", "Benchmarking failed."]
    assert run.model_path == "model_float16.tflite" and not run.HasField("inference")


def test_logs_cut_before_the_warmup():
    tf_log = open(os.path.join(TF_TOOLS, "04_multi_io", "benchmark_model.stderr.txt"), encoding="utf-8").read()
    cut = tf_log[tf_log.index("Running benchmark for max 20"):]  # from the no-stat phase on
    run = parsers.parse("benchmark_model", cut).runs[0]
    assert not run.HasField("warmup") and run.inference.avg == 48.35 and run.inference_with_stats.avg == 120.95
    tfl_log = open(os.path.join(REAL, "benchmark_model_tflite", "11.txt"), encoding="utf-8").read()
    cut = tfl_log[tfl_log.index("Running benchmark for at least 50"):]
    run = parsers.parse("tflite_benchmark_model", cut).runs[0]
    assert not run.HasField("warmup") and (run.inference.count, run.inference.avg) == (50, 55043.2)


def test_tflite_benchmark_subgraphs_and_delegate_internal():
    header = "\t[node type]\t[start]\t[first]\t[avg ms]\t[%]\t[cdf%]\t[mem KB]\t[times called]\t[Name]"
    row = "\t{}\t0.000\t0.100\t0.200\t50.000%\t100.000%\t0.000\t1\t[{}]:0"
    run = parsers.parse("tflite_benchmark_model", "\n".join([
        "INFO: Operator-wise Profiling Info for Regular Benchmark Runs:",
        "INFO: Primary graph profile:",
        "INFO: ============================== Run Order ==============================",
        "INFO: " + header, "INFO: " + row.format("WHILE", "loop"), "INFO: ",
        "INFO: Timings (microseconds): count=5 first=10 curr=9 min=9 max=10 avg=9.4 std=0",
        "INFO: Memory (bytes): count=0", "INFO: 1 nodes observed", "INFO: ",
        "INFO: Subgraph (index: 1) profile:",
        "INFO: ============================== Run Order ==============================",
        "INFO: " + header, "INFO: " + row.format("ADD", "body/add"), "INFO: ",
        "INFO: Subgraph (index: 1) Timings (microseconds): count=15 curr=3(all same)",
        "INFO: Memory (bytes): count=0", "INFO: 1 nodes observed",
        "INFO: Delegate internal:",
        "INFO: Timings (microseconds): count=0", "INFO: Memory (bytes): count=0", "INFO: 0 nodes observed",
    ])).runs[0]
    assert [(t.subgraph, t.rows[0].name) for t in run.tables] == [
        ("Primary graph", "[loop]:0"), ("Subgraph (index: 1)", "[body/add]:0")]
    assert [(s.subgraph, s.timings.count, s.nodes_observed) for s in run.profile_summaries] == [
        ("Primary graph", 5, 1), ("Subgraph (index: 1)", 15, 1), ("Delegate internal", 0, 0)]
    assert run.profile_summaries[1].timings.curr == 3 and not run.unknown_lines
    assert {s.section for s in run.profile_summaries} == {"Operator-wise Profiling Info for Regular Benchmark Runs"}


def test_tflite_benchmark_old_and_peak_memory_lines():
    run = parsers.parse("tflite_benchmark_model", "\n".join([
        "Initialized session in 12.5ms",
        "Average inference timings in us: Warmup: 1234.5, Init: 12500, no stats: 1000.25",
        "[Init Phase] - Memory usage: max resident set size = 3.5 MB, total malloc-ed size = 1.25 MB",
        "[Overall] - Memory usage: max resident set size = 9 MB, total malloc-ed size = 4 MB",
        "Overall peak memory footprint (MB) via periodic monitoring: 11.5",
        "Memory status at the end of exeution:",
        "- VmRSS              : 12 MB",
        "+ RssAnnon           : 8 MB",
        "+ RssFile + RssShmem : 4 MB",
    ])).runs[0]
    assert (run.init_us, run.warmup_avg_us, run.inference_avg_us) == (12500, 1234.5, 1000.25)
    m = run.memory
    assert (m.init_mb, m.init_malloc_mb, m.overall_mb, m.overall_malloc_mb, m.peak_mb) == (3.5, 1.25, 9, 4, 11.5)
    assert (m.end_vm_rss_mb, m.end_rss_anon_mb, m.end_rss_file_shmem_mb) == (12, 8, 4)
    assert not run.unknown_lines


def test_freeze_graph_failures():
    r = _real("freeze_graph_errors", "01")
    assert (r.error_type, list(r.missing_nodes)) == ("AssertionError", ["logits/BiasAdd:0"])
    assert not r.unknown_lines  # every traceback frame is understood
    r = _real("freeze_graph_errors", "03")
    assert r.error_type == "DataLossError" and r.error.startswith("Unable to open table file C:\\Tensorflow1")
    r = _real("freeze_graph_errors", "05")  # hard-wrapped at 80 columns
    assert (r.error_type, r.error) == ("OSError", "File /tmp/east_icdar2015_resnet_v1_50_rbox/"
                                                  "model.ckpt-49491.meta does not exist.")
    assert not r.unknown_lines
    assert (_real("freeze_graph_errors", "07").error_type, _real("freeze_graph_errors", "07").error) == (
        "DecodeError", "Error parsing message")


def test_freeze_graph_success_and_printed_failures():
    r = parsers.parse("freeze_graph", "\n".join([
        "$ python -m tensorflow.python.tools.freeze_graph --input_graph=g.pbtxt "
        "--input_checkpoint=ckpt/model.ckpt-1000 --output_graph=frozen.pb --output_node_names='out, prob'",
        "Loaded meta graph file 'ckpt/model.ckpt-1000.meta",
        "INFO:tensorflow:Froze 4 variables.",
        "I1126 10:00:00.123456 140000 graph_util_impl.py:334] Converted 4 variables to const ops.",
    ]))
    assert (r.input_graph, r.input_checkpoint, r.output_graph) == ("g.pbtxt", "ckpt/model.ckpt-1000", "frozen.pb")
    assert list(r.output_node_names) == ["out", "prob"] and r.frozen_variables == 4
    assert r.input_meta_graph == "ckpt/model.ckpt-1000.meta" and not r.unknown_lines and not r.error
    r = parsers.parse("freeze_graph", "Input checkpoint 'model.ckpt' doesn't exist!\n")
    assert (r.error, r.input_checkpoint) == ("Input checkpoint 'model.ckpt' doesn't exist!", "model.ckpt")
    r = parsers.parse("freeze_graph", "ValueError: You need to supply the name of a node to --output_node_names.")
    assert (r.error_type, r.error) == ("ValueError", "You need to supply the name of a node to --output_node_names.")
    r = parsers.parse("freeze_graph", "Input graph file 'a b.pb' does not exist!")
    assert r.input_graph == "a b.pb" and r.error


# ---------------------------------------------------------------- Stat line, numbers

@pytest.mark.parametrize("line, expected", [
    ("count=0", dict(count=0)),
    ("count=1 curr=32608", dict(count=1, first=32608, curr=32608, min=32608, max=32608, avg=32608,
                                all_same=True)),
    ("count=20 curr=25128(all same)", dict(count=20, first=25128, curr=25128, min=25128, max=25128,
                                           avg=25128, all_same=True)),
    ("count=50 first=2990275 curr=2913402 min=2727568 max=3189954 avg=2.95034e+06 std=109798",
     dict(count=50, first=2990275, curr=2913402, min=2727568, max=3189954, avg=2950340.0, std=109798)),
    ("count=9 first=1 curr=2 min=1 max=2 avg=1.04177e+06 std=3",
     dict(count=9, first=1, curr=2, min=1, max=2, avg=1041770.0, std=3)),
    ("curr=150 count=61 min=89 max=256 avg=165.9 std=28",  # <= TF 1.3 order, no first=
     dict(count=61, curr=150, min=89, max=256, avg=165.9, std=28)),
])
def test_stat_line(line, expected):
    assert _benchmark_common.parse_stat(line) == benchmark_pb2.Stat(**expected)


@pytest.mark.parametrize("line", ["count=", "curr=5", "count=1 curr=5 foo=3", "count=3 count=4",
                                  "Memory (bytes): count=0", "count=2 curr=x"])
def test_not_a_stat_line(line):
    assert _benchmark_common.parse_stat(line) is None


@pytest.mark.parametrize("text, value", [("56", 56), ("238.34k", 238_340), ("410.32M", 410_320_000),
                                         ("1.50B", 1_500_000_000), ("3.46T", 3_460_000_000_000),
                                         ("1.23E+15", 1_230_000_000_000_000), ("abc", None)])
def test_human_readable_numbers(text, value):
    assert _benchmark_common.parse_human_readable(text) == value


# ---------------------------------------------------------------- log lines

@pytest.mark.parametrize("raw, text, severity", [
    ("2017-11-27 08:56:45.691915: I tensorflow/tools/benchmark/benchmark_model.cc:324] count=0", "count=0", "I"),
    ("I0000 00:00:1795687126.921125    3034 benchmark_model.cc:493] Graph: [graph.pb]", "Graph: [graph.pb]", "I"),
    ("W1126 10:00:00.123456 140000 deprecation.py:50] From x: y", "From x: y", "W"),
    ("E0000 00:00:1795687131.070552    3099 summarize_graph_main.cc:331] Invalid graph", "Invalid graph", "E"),
    ("INFO:tensorflow:Froze 4 variables.", "Froze 4 variables.", "I"),
    ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.", "Created TensorFlow Lite XNNPACK delegate for CPU.", "I"),
    ("ERROR: Registration failed.", "Registration failed.", "E"),
    ("\t  No inputs spotted.  ", "No inputs spotted.", ""),
])
def test_log_prefixes(raw, text, severity):
    (line,) = _log_lines.clean(raw)
    assert (line.text, line.severity, line.prefixed) == (text, severity, bool(severity))


def test_logcat_prefixes():
    lines = _log_lines.clean("11-26 10:00:00.123  1234  1234 I tflite  : Graph: [m.tflite]\n"
                             "E/tflite  ( 1234): Failed to allocate tensors!")
    assert [(line.text, line.severity) for line in lines] == [
        ("Graph: [m.tflite]", "I"), ("Failed to allocate tensors!", "E")]


def test_log_lines_drop_comments_and_absl_banner():
    lines = _log_lines.clean("# source: somewhere\nWARNING: All log messages before absl::InitializeLog() "
                             "is called are written to STDERR\n#threads used for CPU inference: [4]\n")
    assert [line.text for line in lines] == ["#threads used for CPU inference: [4]", ""]


@pytest.mark.parametrize("raw, argv", [
    ("$ bazel-bin/tensorflow/tools/graph_transforms/summarize_graph --in_graph=a.pb",
     ("bazel-bin/tensorflow/tools/graph_transforms/summarize_graph", "--in_graph=a.pb")),
    ("guest@ubuntu-mate:~$ ./benchmark_model --graph=x.pb --input_layer=\"a:0,b:1\"",
     ("./benchmark_model", "--graph=x.pb", "--input_layer=a:0,b:1")),
    ("(tensorflow) ➜  model_export git:(master) ✗ ../../summarize_graph --in_graph=graph.pb",
     ("../../summarize_graph", "--in_graph=graph.pb")),
    ("python -m tensorflow.python.tools.freeze_graph --input_graph=g.pb",
     ("python", "-m", "tensorflow.python.tools.freeze_graph", "--input_graph=g.pb")),
    ("Found 1 possible inputs: (name=x, type=float(1), shape=None)", None),
    ('  File "/usr/lib/python3.8/site.py", line 1, in <module>', None),
])
def test_command_lines(raw, argv):
    (line,) = _log_lines.clean(raw)
    assert line.command == argv


def test_backslash_continuations_and_prompts():
    lines = _log_lines.split_lines("toco --input_file=a.pb \\\n    >   --output_file=b.lite \\\n  --x=1\nnext")
    assert lines == ["toco --input_file=a.pb --output_file=b.lite --x=1", "next"]


def test_hard_wrap_only_when_several_lines_share_the_width():
    wrapped = "a" * 70 + "\n" + "bc\n" + "d" * 70 + "\nef\n" + "g" * 70 + "\nh"
    assert _log_lines.unwrap_hard_wrapped(wrapped) == "a" * 70 + "bc\n" + "d" * 70 + "ef\n" + "g" * 70 + "h"
    assert _log_lines.unwrap_hard_wrapped("a" * 70 + "\nb\n" + "c" * 70) == "a" * 70 + "\nb\n" + "c" * 70


# ---------------------------------------------------------------- robustness

@pytest.mark.parametrize("tool", sorted(parsers.TOOLS))
def test_any_log_cut_anywhere_never_raises(tool):
    for case in CASES:
        lines = open(case.input_path, encoding="utf-8").read().split("\n")
        for cut in range(0, len(lines), max(1, len(lines) // 7)):
            parsers.parse(tool, "\n".join(lines[:cut]))
            parsers.parse(tool, "\n".join(lines[cut:]))
    parsers.parse(tool, "")
    parsers.parse(tool, "\x00\xff garbage (name= [ ] count= ===")


# ---------------------------------------------------------------- equality with the Python engine

# Fields summarize_graph's stdout cannot carry: the "Decoding Tensor failed"
# warnings go to stderr (with stderr appended they are compared too).
STDOUT_CANNOT_CARRY = ("decode_failures",)
# in_graph is echoed only in the benchmark hint, which a failed run never prints.
ONLY_IN_HINT = ("in_graph",)
_GRAPH_CASES = sorted(os.path.basename(os.path.dirname(p)) for p in
                      __import__("glob").glob(os.path.join(TF_TOOLS, "*", "summarize_graph.txt")))


def _without(message, fields):
    trimmed = type(message)()
    trimmed.CopyFrom(message)
    for field in fields:
        trimmed.ClearField(field)
    return trimmed


def _python_engine(case_dir: str, print_structure: bool, monkeypatch) -> summary_pb2.GraphSummary:
    from tflite_tools.summarize_graph.summarize import summarize

    monkeypatch.chdir(case_dir)  # summarize_graph ran there with --in_graph=graph.pb
    graph = "graph.pb" if os.path.exists("graph.pb") else "graph.pbtxt"
    try:
        return summarize(graph, print_structure=print_structure)
    except TfliteToolsError as err:  # 15_invalid_input: the partial summary
        assert err.result is not None
        return err.result


def _stderr_files(case_dir: str) -> list[str]:
    return [os.path.join(case_dir, name) for name in ("summarize_graph.stderr.txt", "summarize_graph.error.txt")
            if os.path.exists(os.path.join(case_dir, name))]


@pytest.mark.parametrize("case", _GRAPH_CASES)
def test_parse_equals_python_summarize(case, monkeypatch):
    case_dir = os.path.join(TF_TOOLS, case)
    stdout = os.path.join(case_dir, "summarize_graph.txt")
    expected = _python_engine(case_dir, False, monkeypatch)
    parsed = _parse_file("summarize_graph", stdout)
    assert not parsed.unknown_lines
    if not parsed.HasField("benchmark_hint"):
        expected = _without(expected, ONLY_IN_HINT)
    _assert_same(parsed, _without(expected, STDOUT_CANNOT_CARRY),
                 f"parse(summarize_graph.txt) vs summarize() for {case}")
    _assert_same(_parse_file("summarize_graph", stdout, *_stderr_files(case_dir)), expected,
                 f"parse(stdout + stderr) vs summarize() for {case}")
    structure = os.path.join(case_dir, "summarize_graph.print_structure.txt")
    if os.path.exists(structure):
        _assert_same(_parse_file("summarize_graph", structure), _python_engine(case_dir, True, monkeypatch),
                     f"parse(summarize_graph.print_structure.txt) vs summarize(print_structure=True) for {case}")


# ---------------------------------------------------------------- CLI

def _run(argv, stdin_text=None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin_text is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_summarize_graph_text_is_the_tool_output():
    path = os.path.join(TF_TOOLS, "04_multi_io", "summarize_graph.txt")
    code, out, err = _run(["parse", "summarize_graph", path])
    assert (code, err) == (0, "")
    assert out == open(path, encoding="utf-8").read()


def test_cli_json_from_stdin(monkeypatch):
    text = open(os.path.join(REAL, "benchmark_model_tflite", "09.txt"), encoding="utf-8").read()
    code, out, _ = _run(["parse", "tflite_benchmark_model", "-", "--format", "json"], text, monkeypatch)
    import json
    run = json.loads(out)["runs"][0]
    assert code == 0 and run["init_us"] == 17851 and run["inference_avg_us"] == 1039.66
    assert {k: v for k, v in run["memory"].items() if v} == {"init_mb": 10.7383, "overall_mb": 12.1055}


def test_cli_freeze_graph_prints_pbtxt():
    code, out, _ = _run(["parse", "freeze_graph", os.path.join(REAL, "freeze_graph_errors", "01.txt")])
    assert code == 0 and 'missing_nodes: "logits/BiasAdd:0"' in out


def test_cli_errors():
    code, out, err = _run(["parse", "summarize_graph", "/no/such/log.txt"])
    assert code == 2 and out == "" and "cannot read /no/such/log.txt" in err and "Traceback" not in err
    code, out, err = _run(["parse", "summarize_graph", os.path.join(REAL, "freeze_graph_errors", "07.txt")])
    assert code == 2 and out == "" and "looks like summarize_graph output" in err and "freeze_graph" in err
    assert "unknown_lines" not in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(["parse", "toco", "x.txt"])
    assert code == 2 and "invalid choice" in err


def test_console_script_smoke():
    exe = os.path.join(goldens.ROOT, ".venv", "bin", "tflite-tools")
    path = os.path.join(TF_TOOLS, "13_text_only", "benchmark_model.stderr.txt")
    done = subprocess.run([exe, "parse", "benchmark_model", path, "--format", "pbtxt"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'flops_text: "56"' in done.stdout and "init_us: 12691" in done.stdout
