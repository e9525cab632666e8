"""Parse a log of TensorFlow's `benchmark_model` (tensorflow/tools/benchmark).

    >>> result = parse(open("benchmark_model.stderr.txt").read())
    >>> result.runs[0].inference.avg, result.runs[0].flops_text
    (61.85, '238.34k')

Everything the tool logs is understood in every era (tf-tools-formats.md §2):
the `Graph: [..]`-style parameter lines, `Initialized session in`, the three
Stat lines (warmup, no-stat = `inference`, with-stat = `inference_with_stats`),
`Average inference timings`, the StatSummarizer tables and their short summary,
`FLOPs estimate` / `FLOPs/second`, and failures (into `error`). Lines it does
not know land in `unknown_lines`; a log cut short gives what it holds.
"""

from __future__ import annotations

import re

from tflite_tools.parsers import _benchmark_common as common
from tflite_tools.parsers import _numbers
from tflite_tools.parsers._log_lines import clean, flag_values
from tflite_tools.proto import benchmark_pb2

# `<Description>: [..]` -> flag name (benchmark_model.cc's LOG lines, eras B, C and current).
_PARAMETERS = {
    "Graph": "graph", "Init ops": "init_ops", "Input layers": "input_layer",
    "Input shapes": "input_layer_shape", "Input types": "input_layer_type",
    "Output layers": "output_layer", "Target layers": "target_layer",
    "Num runs": "max_num_runs", "Inter-inference delay (seconds)": "inference_delay",
    "Inter-benchmark delay (seconds)": "inter_benchmark_delay",
    "Inter-run delay (seconds)": "run_delay", "Num threads": "num_threads",
    "Benchmark name": "benchmark_name", "Output prefix": "output_prefix",
    "Show sizes": "show_sizes", "Warmup runs": "warmup_runs",
}
_BOOL_FLAGS = ("show_sizes", "show_flops", "show_run_order", "show_time", "show_memory",
               "show_type", "show_summary")

_INIT_OPS = re.compile(r"^Init ops:\s*(.*)$")  # printed without brackets
_RUNNING = re.compile(r"^Running benchmark for (?:max )?\d+ iterations(?:, max ([-0-9.e+]+) seconds)?.*?"
                      r"\b(with|without) detailed stat logging")
_SESSION = re.compile(r"^Initialized session in ([-+0-9.eE]+)s$")
_AVERAGES = re.compile(r"^Average inference timings in us: Warmup: (-?\d+), no stats: (-?\d+), "
                       r"with stats: (-?\d+)$")
_FLOPS = re.compile(r"^FLOPs estimate: (\S+)$")
_FLOPS_PER_SECOND = re.compile(r"^FLOPs/second: (\S+)$")
# Progress lines with nothing to keep; StatSummarizer's warning that a node's
# output changed between runs (control flow, sic no closing quote) is noise too.
_KNOWN = re.compile(r"^(Loading TensorFlow\.|Got config, \d+ devices|"
                    r"Output tensor changed between runs for '.*)$")
_FAILURES = re.compile(
    r"^(Failed on run |Timing failed with |Could not create TensorFlow |FLOPs calculation failed"
    r"|Unknown argument |There must be the same number of items|Any unknown sizes in the shapes"
    r"|Incorrect size string specified|Unsupported input type|.* was an invalid type$)")


def _is_warmup(max_time: str | None, run: benchmark_pb2.BenchmarkRun, logged: dict) -> bool:
    """Does a "Running benchmark ... without detailed stat logging" line start the warmup?"""
    if run.HasField("warmup"):
        return False
    if max_time is not None:
        return max_time == "-1"  # the warmup loop always runs with max_time -1
    # older logs do not print max_time: the warmup comes first unless --warmup_runs=0
    return not run.HasField("inference") and logged.get("warmup_runs", "1") != "0"


def _result_line(msg: str, run: benchmark_pb2.BenchmarkRun, summary_avgs: dict) -> bool:
    """Session time, the averages line and the FLOPs lines; False for any
    other line, and for one whose numbers no message holds."""
    match = _SESSION.match(msg)
    init_us = _numbers.scaled(match.group(1), 1e6) if match else None
    if init_us is not None:
        run.init_us = init_us
        return True
    match = _AVERAGES.match(msg)
    averages = [_numbers.integer(g) for g in match.groups()] if match else [None]
    if None not in averages:
        warmup, no_stats, with_stats = averages
        run.warmup_avg_us, run.inference_avg_us, run.with_stats_avg_us = warmup, no_stats, with_stats
        summary_avgs.update(warmup=warmup, inference=no_stats, inference_with_stats=with_stats)
        return True
    match = _FLOPS.match(msg)
    if match:
        run.flops_text = match.group(1)
        run.flops = common.parse_human_readable(match.group(1)) or 0
        return True
    match = _FLOPS_PER_SECOND.match(msg)
    if match:
        run.flops_per_second_text = match.group(1)
        return True
    return False


def parse(text: str) -> benchmark_pb2.BenchmarkResult:
    """A BenchmarkResult holding one BenchmarkRun (runtime "tensorflow") for `text`."""
    run = benchmark_pb2.BenchmarkRun(runtime="tensorflow")
    tables = common.StatTables(run)
    phases = common.Phases(run, ("warmup", "inference", "inference_with_stats"))
    logged: dict[str, str] = {}
    command: dict[str, str] = {}
    errors: list[str] = []
    summary_avgs: dict[str, float] = {}
    last_was_error = False
    for line in clean(text):
        msg = line.text
        was_error, last_was_error = last_was_error, False
        if not msg:
            tables.feed(msg)
            continue
        if was_error and not line.prefixed and line.indent:
            # glog continues a multi-line message on unprefixed, indented lines
            errors[-1] += "\n" + msg
            last_was_error = True
            continue
        if tables.feed(msg):
            continue
        stat = common.parse_stat(msg)
        if stat is not None:
            phases.stat(stat)
            continue
        if phases.percentiles(msg):
            continue
        match = _RUNNING.match(msg)
        if match:
            if match.group(2) == "with":
                phases.announce("inference_with_stats")
            elif _is_warmup(match.group(1), run, logged):
                phases.announce("warmup")
            else:
                phases.announce("inference")
            continue
        param = common.parse_param_line(msg)
        if param is not None:
            logged[_PARAMETERS.get(param[0], param[0])] = param[1]
            continue
        match = _INIT_OPS.match(msg)
        if match:
            logged["init_ops"] = match.group(1)
            continue
        if _result_line(msg, run, summary_avgs):
            continue
        if _KNOWN.match(msg):
            continue
        if line.severity in ("E", "F") or _FAILURES.match(msg):
            errors.append(msg)
            last_was_error = True
            continue
        if line.command is not None:
            command.update(flag_values(line.command[1:], bool_flags=_BOOL_FLAGS))
            continue
        run.unknown_lines.append(msg)
    return common.finish(run, phases, summary_avgs, logged, command, errors)
