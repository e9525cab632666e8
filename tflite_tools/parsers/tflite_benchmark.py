"""Parse a log of TensorFlow Lite's `benchmark_model` (tensorflow/lite/tools/benchmark).

    >>> run = parse(log_text).runs[0]
    >>> run.inference.avg, run.memory.overall_mb
    (2950340.0, 46.0859)

Understood in every era (tf-tools-formats.md §3): `STARTING!`, the
`<Description>: [value]` parameter lines (keyed by flag name), `Loaded model`,
model size, `Initialized session in`, the warmup and regular Stat lines, the old
`Average inference timings in us: Warmup:..., Init:..., no stats:...` and new
`Inference timings in us: Init:..., First inference:..., Warmup (avg):...,
Inference (avg):...` lines, the three memory-line forms and the peak and
end-of-run memory lines, created/applied delegates, failures (into `error`),
and the `--enable_op_profiling` tables per section and subgraph. Lines it does
not know land in `unknown_lines`; a log cut short gives what it holds.
"""

from __future__ import annotations

import re

from tflite_tools.parsers import _benchmark_common as common
from tflite_tools.parsers import _numbers
from tflite_tools.parsers._log_lines import clean, flag_values
from tflite_tools.proto import benchmark_pb2

# `<Description>: [..]` -> flag name, from BenchmarkModel/BenchmarkTfLiteModel::LogParams
# and the delegate providers, old and new spellings.
_PARAMETERS = {
    "Log parameter values verbosely": "verbose", "Min num runs": "num_runs", "Num runs": "num_runs",
    "Min runs duration (seconds)": "min_secs", "Max runs duration (seconds)": "max_secs",
    "Inter-run delay (seconds)": "run_delay", "Number of prorated runs per second": "run_frequency",
    "Num threads": "num_threads", "Use caching": "use_caching", "Benchmark name": "benchmark_name",
    "Output prefix": "output_prefix", "Min warmup runs": "warmup_runs", "Warmup runs": "warmup_runs",
    "Min warmup runs duration (seconds)": "warmup_min_secs", "Run w/o invoking kernels": "dry_run",
    "Report the peak memory footprint": "report_peak_memory_footprint",
    "Memory footprint check interval (ms)": "memory_footprint_check_interval_ms",
    "Graph": "graph", "Input layers": "input_layer", "Input shapes": "input_layer_shape",
    "Input value ranges": "input_layer_value_range", "Input value files": "input_layer_value_files",
    "Input layer values files": "input_layer_value_files", "Allow fp16": "allow_fp16",
    "Require full delegation": "require_full_delegation", "Enable op profiling": "enable_op_profiling",
    "Max profiling buffer entries": "max_profiling_buffer_entries",
    "CSV File to export profiling data to": "profiling_output_csv_file",
    "Print pre-invoke interpreter state": "print_preinvoke_state",
    "Print post-invoke interpreter state": "print_postinvoke_state",
    "Enable platform-wide tracing": "enable_platform_tracing",
    "#threads used for CPU inference": "num_threads",
    "Max number of delegated partitions": "max_delegated_partitions",
    "Min nodes per partition": "min_nodes_per_partition",
    "External delegate path": "external_delegate_path",
    "External delegate options": "external_delegate_options",
    "Use gpu": "use_gpu", "Use xnnpack": "use_xnnpack", "Use nnapi": "use_nnapi",
    "Use Hexagon": "use_hexagon", "Use CoreML": "use_coreml",
}

_STARTING = "STARTING!"
_SECTIONS = ("Profiling Info for Benchmark Initialization:",
             "Operator-wise Profiling Info for Regular Benchmark Runs:")
# ProfileSummaryDefaultFormatter's headings when a model has more than one subgraph.
_SUBGRAPH = re.compile(r"^(Primary graph|Subgraph \(index: \d+\)) (?:profile|summary):$|^(Delegate internal):$")
_RUNNING = re.compile(r"^Running benchmark for (?:at least )?\d+ iterations")
_LOADED = re.compile(r"^Loaded model (.+)$")
_MODEL_SIZE = re.compile(r"^The input model file size \(MB\): ([-+0-9.eE]+)$")
_SESSION = re.compile(r"^Initialized session in ([-+0-9.eE]+)ms\.?$")
_NUMBER = r"([-+0-9.eE]+|nan|-?inf)"
_TIMINGS = re.compile(rf"^Inference timings in us: Init: (\d+), First inference: (\d+), "
                      rf"Warmup \(avg\): {_NUMBER}, Inference \(avg\): {_NUMBER}$")
_OLD_TIMINGS = re.compile(rf"^Average inference timings in us: Warmup: {_NUMBER}, Init: (\d+), "
                          rf"(?:no stats|Inference): {_NUMBER}$")
_MEMORY = re.compile(rf"^(?:Memory footprint delta from the start of the tool|Peak memory footprint) "
                     rf"\(MB\): init={_NUMBER} overall={_NUMBER}$")
_OLD_MEMORY = re.compile(rf"^\[(Init Phase|Overall)\] - Memory usage: max resident set size = "
                         rf"{_NUMBER} MB, total malloc-ed size = {_NUMBER} MB$")
_PEAK = re.compile(rf"^Overall peak memory footprint \(MB\) via periodic monitoring: {_NUMBER}$")
_END_MEMORY = re.compile(rf"^([-+]) (VmRSS|RssAnnon|RssFile \+ RssShmem)\s*: {_NUMBER} MB$")
_END_MEMORY_FIELDS = {"VmRSS": "end_vm_rss_mb", "RssAnnon": "end_rss_anon_mb",
                      "RssFile + RssShmem": "end_rss_file_shmem_mb"}
_OLD_MEMORY_FIELDS = {"Init Phase": ("init_mb", "init_malloc_mb"),
                      "Overall": ("overall_mb", "overall_malloc_mb")}
# pattern -> the Memory fields of its numbers (the old and end-of-run lines pick theirs by name)
_MEMORY_LINES = ((_MEMORY, ("init_mb", "overall_mb")), (_OLD_MEMORY, None),
                 (_PEAK, ("peak_mb",)), (_END_MEMORY, None))
_DELEGATE = re.compile(r"^(?:Created TensorFlow Lite (\S+) delegate for |Explicitly applied (\S+) delegate)")
_KNOWN = re.compile(r"^(Note: as the benchmark tool itself affects memory footprint|"
                    r"Memory status at the end of exeution:$)")
# TFLite <= ~2.2 logged errors to stderr without an "ERROR: " prefix.
_FAILURES = re.compile(
    r"^(Failed to |Benchmarking failed|Didn't find op for |Registration failed|"
    r"Please specify the name of your TF Lite input file|Disallowed CPU fallback detected|"
    r"Input tensor #\d+ should have|Failed to parse flag )")
_BOOL_FLAGS = ()  # TFLite's flag parser needs --name=value for bools too


def parse(text: str) -> benchmark_pb2.BenchmarkResult:
    """A BenchmarkResult holding one BenchmarkRun (runtime "tflite") for `text`."""
    run = benchmark_pb2.BenchmarkRun(runtime="tflite")
    tables = common.StatTables(run)
    phases = common.Phases(run, ("warmup", "inference"))
    logged: dict[str, str] = {}
    command: dict[str, str] = {}
    errors: list[str] = []
    summary_avgs: dict[str, float] = {}
    for line in clean(text):
        msg = line.text
        if line.command is not None and msg.endswith(_STARTING):
            # the paste glued the first output line to the command line
            argv = list(line.command)
            argv[-1] = argv[-1][:-len(_STARTING)]
            command.update(flag_values(argv[1:], bool_flags=_BOOL_FLAGS))
            continue
        if not msg:
            tables.feed(msg)
            continue
        if msg == _STARTING or _KNOWN.match(msg):
            continue
        if msg in _SECTIONS:
            tables.start_section(msg[:-1])
            continue
        match = _SUBGRAPH.match(msg)
        if match:
            tables.start_subgraph(match.group(1) or match.group(2))
            continue
        if tables.feed(msg):
            continue
        stat = common.parse_stat(msg)
        if stat is not None:
            phases.stat(stat)
            continue
        if phases.percentiles(msg):
            continue
        if _RUNNING.match(msg):
            phases.announce(phases.next_unannounced())
            continue
        param = common.parse_param_line(msg)
        if param is not None:
            name = _PARAMETERS.get(param[0], param[0])
            if name not in logged:  # "#threads used for CPU inference" repeats num_threads
                logged[name] = param[1]
            continue
        if _summary_line(msg, run, summary_avgs) or _memory_line(msg, run):
            continue
        match = _LOADED.match(msg)
        if match:
            run.model_path = run.model_path or match.group(1)
            continue
        match = _DELEGATE.match(msg)
        if match:
            name = match.group(1) or match.group(2)
            if name not in run.delegates:
                run.delegates.append(name)
            continue
        if line.severity in ("E", "F") or _FAILURES.match(msg):
            errors.append(msg)
            continue
        if line.command is not None:
            command.update(flag_values(line.command[1:], bool_flags=_BOOL_FLAGS))
            continue
        run.unknown_lines.append(msg)
    return common.finish(run, phases, summary_avgs, logged, command, errors)


def _summary_line(msg: str, run: benchmark_pb2.BenchmarkRun, summary_avgs: dict) -> bool:
    """Model size, session time and the timings line; False for any other
    line, and for one whose numbers no message holds."""
    match = _MODEL_SIZE.match(msg)
    size = _numbers.scaled(match.group(1), 1e6) if match else None
    if size is not None:
        # printed in MB (1e6 bytes) with 6 significant digits: keep the text, the bytes are rounded
        run.model_size_bytes, run.model_size_text = size, match.group(1) + " MB"
        return True
    match = _SESSION.match(msg)
    init_us = _numbers.scaled(match.group(1), 1e3) if match else None
    if init_us is not None:
        run.init_us = run.init_us or init_us
        return True
    match = _TIMINGS.match(msg)
    if match:
        init, first, warmup, inference = match.groups()
    else:
        match = _OLD_TIMINGS.match(msg)
        if not match:
            return False
        (warmup, init, inference), first = match.groups(), None
    init, first = _numbers.integer(init), _numbers.integer(first) if first else 0
    if init is None or first is None:
        return False
    run.init_us, run.first_inference_us = init, first or run.first_inference_us
    for phase, field, value in (("warmup", "warmup_avg_us", warmup),
                                ("inference", "inference_avg_us", inference)):
        number = common.parse_number(value)
        if number is not None:
            setattr(run, field, number)
            summary_avgs[phase] = number
    return True


def _memory_line(msg: str, run: benchmark_pb2.BenchmarkRun) -> bool:
    """The memory lines of every era; False for any other line, and for one
    whose numbers are no doubles."""
    for pattern, fields in _MEMORY_LINES:
        match = pattern.match(msg)
        if not match:
            continue
        groups = match.groups()
        if pattern is _OLD_MEMORY:
            fields, groups = _OLD_MEMORY_FIELDS[groups[0]], groups[1:]
        elif pattern is _END_MEMORY:
            fields, groups = (_END_MEMORY_FIELDS[groups[1]],), groups[2:]
        values = [_numbers.real(g) for g in groups]
        if None in values:
            return False
        for field, value in zip(fields, values):
            setattr(run.memory, field, value)
        return True
    return False
