"""The text of a BenchmarkResult: the lines TF's and TFLite's benchmark_model
log (so scripts that grep them keep working), then the side-by-side figures.

Results come from our engines or from `tflite-tools parse` of a real log, so
each line is printed only when the result holds its value.
"""

from __future__ import annotations

from tflite_tools.benchmark import step_stats
from tflite_tools.benchmark.stat import format_g, format_percentiles, format_stat
from tflite_tools.proto import benchmark_pb2


def _stat_lines(stat: benchmark_pb2.Stat) -> list[str]:
    """The Stat line, our percentiles on a line of their own (so the Stat line
    stays parseable by the tools' regexes), then the tools' blank line."""
    lines = [format_stat(stat)]
    if stat.count > 1 and stat.min != stat.max and stat.p99:
        lines.append(f"Percentiles in us: {format_percentiles(stat)}")
    return lines + [""]


def _memory_lines(run: benchmark_pb2.BenchmarkRun) -> list[str]:
    if not run.HasField("memory"):
        return []
    memory = run.memory
    lines = [
        "Note: as the benchmark tool itself affects memory footprint, the following is only "
        "APPROXIMATE to the actual memory footprint of the model at runtime. Take the information "
        "at your discretion.",
        f"Memory footprint delta from the start of the tool (MB): init={format_g(memory.init_mb)} "
        f"overall={format_g(memory.overall_mb)}",
    ]
    if memory.rss_growth_mb:
        lines.append(f"RSS growth during the benchmark (MB): {format_g(memory.rss_growth_mb)}")
    return lines


def _header_lines(pairs) -> list[str]:
    """`<Description>: [value]` lines for the values that are set."""
    return [f"{label}: [{value}]" for label, value in pairs if value not in ("", None)]


def _numbers(parameters, *names) -> list[float] | None:
    """The parameters `names` as numbers, or None when one is missing or no number:
    a parsed log holds only the flags it printed, and no heading is made up."""
    try:
        return [float(parameters[name]) for name in names]
    except (KeyError, ValueError):
        return None


def _table_lines(run: benchmark_pb2.BenchmarkRun) -> list[str]:
    """StatSummarizer / op-profiling tables, each TFLite section under its
    heading and followed by its short summary."""
    sections = list(dict.fromkeys([t.section for t in run.tables] +
                                  [s.section for s in run.profile_summaries]))
    lines = []
    for section in sections:
        if section:
            lines.append(f"{section}:")
        for table in run.tables:
            if table.section != section:
                continue
            executed = [summary.nodes_executed for summary in run.profile_summaries
                        if (summary.section, summary.subgraph) == (section, table.subgraph)]
            if table.title == "Summary by node type" and any(executed):
                lines.append(f"Number of nodes executed: {max(executed)}")
            lines += step_stats.format_table(table)
        for summary in run.profile_summaries:
            # a log cut after the tables leaves an empty summary
            if summary.section == section and (summary.timings.count or summary.nodes_observed):
                lines += step_stats.format_summary(summary)
    return lines


# TFLite's LogParams descriptions for the flags we print (BenchmarkTfLiteModel).
_TFLITE_PARAMETER_LINES = (
    ("num_runs", "Min num runs"), ("min_secs", "Min runs duration (seconds)"),
    ("max_secs", "Max runs duration (seconds)"), ("run_delay", "Inter-run delay (seconds)"),
    ("warmup_runs", "Min warmup runs"), ("warmup_min_secs", "Min warmup runs duration (seconds)"),
    ("input_layer_value_range", "Input value ranges"),
    ("input_layer_value_files", "Input value files"), ("use_xnnpack", "Use xnnpack"),
)


def _tflite_text(run: benchmark_pb2.BenchmarkRun) -> list[str]:
    p = run.parameters
    shown = {"true": "1", "false": "0"}  # TFLite prints bools as 1/0
    lines = _header_lines((label, shown.get(p.get(name), p.get(name)))
                          for name, label in _TFLITE_PARAMETER_LINES)
    lines += _header_lines((("Graph", run.model_path), ("Engine", run.engine),
                            ("Input layers", ",".join(run.input_layers)),
                            ("Input shapes", ":".join(run.input_shapes)),
                            ("Num threads", run.num_threads or None)))
    lines += list(run.notes)
    if run.model_path:
        lines.append(f"Loaded model {run.model_path}")
    # The runtime's own words when it applies a delegate.
    lines += [f"Created TensorFlow Lite {name} delegate for CPU." for name in run.delegates]
    if run.model_size_text:  # as a log printed it; the bytes are rebuilt from it
        lines.append(f"The input model file size (MB): {run.model_size_text.removesuffix(' MB')}")
    elif run.model_size_bytes:
        lines.append(f"The input model file size (MB): {format_g(run.model_size_bytes / 1e6)}")
    if run.init_us:
        lines.append(f"Initialized session in {format_g(run.init_us / 1e3)}ms.")
    for phase, runs, secs in (("warmup", "warmup_runs", "warmup_min_secs"),
                              ("inference", "num_runs", "min_secs")):
        if run.HasField(phase):
            numbers = _numbers(p, runs, secs, "max_secs")
            if numbers:
                lines.append(f"Running benchmark for at least {p[runs]} iterations and at least "
                             f"{format_g(numbers[1])} seconds but terminate if exceeding "
                             f"{format_g(numbers[2])} seconds.")
            lines += _stat_lines(getattr(run, phase))
    if run.inference_avg_us:
        warmup = run.warmup_avg_us or run.warmup.avg
        lines.append(
            f"Inference timings in us: Init: {run.init_us}, First inference: "
            f"{run.first_inference_us}, Warmup (avg): {format_g(warmup) if warmup else 'nan'}, "
            f"Inference (avg): {format_g(run.inference_avg_us)}")
    lines += _memory_lines(run) + _table_lines(run)
    return lines + ([run.error] if run.error else [])


def _tf_text(run: benchmark_pb2.BenchmarkRun) -> list[str]:
    p = run.parameters
    lines = _header_lines((("Graph", run.model_path), ("Engine", run.engine),
                           ("Input layers", ",".join(run.input_layers)),
                           ("Input shapes", ":".join(run.input_shapes)),
                           ("Input types", ",".join(run.input_types)),
                           ("Output layers", ",".join(run.output_layers)),
                           ("Num runs", p.get("max_num_runs")),
                           ("Num threads", run.num_threads or None),
                           ("Warmup runs", p.get("warmup_runs"))))
    lines += list(run.notes)
    if run.model_size_bytes:
        lines.append(f"Model size (bytes): {run.model_size_bytes}")
    if run.init_us:
        lines.append(f"Initialized session in {format_g(run.init_us / 1e6)}s")
    timing = _numbers(p, "max_time", "inference_delay")
    if run.warmup.count:
        if "warmup_runs" in p:
            lines.append(f"Running benchmark for max {p['warmup_runs']} iterations, max -1 seconds "
                         "without detailed stat logging, with -1s sleep between inferences")
        lines += _stat_lines(run.warmup)
    for phase, how in (("inference", "without"), ("inference_with_stats", "with")):
        if run.HasField(phase):
            if timing and "max_num_runs" in p:
                lines.append(f"Running benchmark for max {p['max_num_runs']} iterations, max "
                             f"{format_g(timing[0])} seconds {how} detailed stat logging, with "
                             f"{format_g(timing[1])}s sleep between inferences")
            lines += _stat_lines(getattr(run, phase))
    if run.inference_avg_us:
        average = (f"Average inference timings in us: Warmup: {int(run.warmup_avg_us)}, "
                   f"no stats: {int(run.inference_avg_us)}")
        if run.with_stats_avg_us:
            average += f", with stats: {int(run.with_stats_avg_us)}"
        lines.append(average)
    lines += _table_lines(run)
    if run.flops_text:
        lines.append(f"FLOPs estimate: {run.flops_text}")
    if run.flops_per_second_text:
        lines.append(f"FLOPs/second: {run.flops_per_second_text}")
    if run.error:
        lines.append(run.error)
    return lines + _memory_lines(run)


def _comparison_text(result: benchmark_pb2.BenchmarkResult) -> list[str]:
    tf_run, tflite_run = result.runs[0], result.runs[1]
    c = result.comparison
    return [
        "Side by side (same inputs):",
        f"  latency avg (us): tensorflow={format_g(tf_run.inference.avg)} "
        f"tflite={format_g(tflite_run.inference.avg)} tflite/tensorflow={c.latency_ratio:.3f} "
        f"speedup={c.speedup:.2f}x",
        f"  latency p50 (us): tensorflow={tf_run.inference.p50} tflite={tflite_run.inference.p50}",
        f"  timed: tensorflow={tf_run.engine or 'unknown'} tflite={tflite_run.engine or 'unknown'}",
        f"  model size (bytes): tensorflow={tf_run.model_size_bytes} "
        f"tflite={tflite_run.model_size_bytes} tflite/tensorflow={c.size_ratio:.3f}",
    ]


def format_text(result: benchmark_pb2.BenchmarkResult) -> str:
    """The TF tools' summary lines for each run, then the side-by-side figures.

    Renders results of the engines and of `tflite-tools parse` alike."""
    blocks = []
    for run in result.runs:
        lines = _tflite_text(run) if run.runtime == "tflite" else _tf_text(run)
        blocks.append("\n".join(lines))
    if len(result.runs) == 2 and result.HasField("comparison"):
        blocks.append("\n".join(_comparison_text(result)))
    return "\n\n".join(blocks) + "\n"
