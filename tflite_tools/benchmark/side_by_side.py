"""`benchmark`: TensorFlow's two benchmark_model tools, from Python, side by side.

    >>> result = benchmark("model.tflite", num_runs=20, min_secs=0, warmup_min_secs=0)
    >>> result.runs[0].inference.avg
    >>> result = benchmark("frozen.pb", tflite="model.tflite", show_flops=True)
    >>> result.comparison.speedup
    >>> print(format_text(result))

A .tflite runs like TFLite's benchmark_model (tflite_bench), any TensorFlow
model like TF's benchmark_model (tf_bench); flags keep those tools' names.
With `tflite=` (or `compare_tf=True`, which converts the source on the fly)
both run on the same input values and a `Comparison` is filled in.
`format_text` prints the lines those tools log, so scripts that grep them
keep working.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from typing import Optional

from tflite_tools.benchmark import common, step_stats, tf_benchmark, tflite_benchmark
from tflite_tools.benchmark.stat import format_g, format_percentiles, format_stat
from tflite_tools.errors import InputError, UsageError
from tflite_tools.proto import benchmark_pb2, summary_pb2

TFLITE_FLAGS = tuple(f.name for f in dataclasses.fields(tflite_benchmark.TfliteFlags))
TF_FLAGS = tuple(f.name for f in dataclasses.fields(tf_benchmark.TfFlags))
# The nearest flag of the other tool, for "use --x instead" hints.
_COUNTERPARTS = {"num_runs": "max_num_runs", "max_secs": "max_time", "min_secs": "max_time",
                 "run_delay": "inference_delay", "max_num_runs": "num_runs", "max_time": "max_secs",
                 "inference_delay": "run_delay", "input_layer_values": "input_layer_value_files"}


def is_tflite(path: str) -> bool:
    """True for a TFLite flatbuffer; InputError when `path` is no model at all."""
    from tflite_tools.formats.detect import detect  # noqa: PLC0415

    return detect(path).format == summary_pb2.TFLITE


def _wrong_family(name: str, model_kind: str, other_kind: str) -> UsageError:
    hint = _COUNTERPARTS.get(name)
    instead = f"; use --{hint} instead" if hint else ""
    return UsageError(f"--{name} is a {other_kind} benchmark_model flag and does not apply to a "
                      f"{model_kind} model{instead}")


def _split_flags(flags: dict, want_tflite: bool, want_tf: bool):
    tflite_given = {k: v for k, v in flags.items() if k in TFLITE_FLAGS}
    tf_given = {k: v for k, v in flags.items() if k in TF_FLAGS}
    unknown = sorted(set(flags) - set(TFLITE_FLAGS) - set(TF_FLAGS))
    if unknown:
        raise UsageError(f"unknown benchmark flag(s) {', '.join(unknown)}")
    for name in flags:
        if not want_tf and name not in TFLITE_FLAGS:
            raise _wrong_family(name, ".tflite", "TensorFlow")
        if not want_tflite and name not in TF_FLAGS:
            raise _wrong_family(name, "TensorFlow", "TFLite")
    return tflite_benchmark.TfliteFlags(**tflite_given), tf_benchmark.TfFlags(**tf_given)


def _parameter_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return format_g(value) if isinstance(value, float) else str(value)


def _parameters(flags_object) -> dict[str, str]:
    """Every flag's effective value, spelled as on the command line."""
    return {k: _parameter_text(v) for k, v in dataclasses.asdict(flags_object).items() if v is not None}


def _convert_on_the_fly(source: str, directory: str, tf_flags: tf_benchmark.TfFlags) -> str:
    from tflite_tools.convert.conversion import convert  # noqa: PLC0415 (imports TensorFlow)

    output = os.path.join(directory, "model.tflite")
    convert(source, output, input_arrays=common.split_names(tf_flags.input_layer) or None,
            output_arrays=common.split_names(tf_flags.output_layer) or None,
            input_shapes=tf_flags.input_layer_shape or None)
    return output


def _compare(tf_run: benchmark_pb2.BenchmarkRun, tflite_run: benchmark_pb2.BenchmarkRun,
             origin: str) -> benchmark_pb2.Comparison:
    tf_avg, tflite_avg = tf_run.inference.avg, tflite_run.inference.avg
    comparison = benchmark_pb2.Comparison(tensorflow_avg_us=tf_avg, tflite_avg_us=tflite_avg,
                                          tflite_origin=origin)
    if tf_avg > 0 and tflite_avg > 0:
        comparison.latency_ratio = tflite_avg / tf_avg
        comparison.speedup = tf_avg / tflite_avg
    if tf_run.model_size_bytes:
        comparison.size_ratio = tflite_run.model_size_bytes / tf_run.model_size_bytes
    return comparison


def benchmark(model: str, *, tflite: Optional[str] = None, compare_tf: bool = False,
              progress: Optional[common.Progress] = None, **flags) -> benchmark_pb2.BenchmarkResult:
    """Benchmark `model` (a .tflite, or any TensorFlow model) with the tools' flags.

    Args:
      model: a .tflite, frozen .pb/.pbtxt, checkpoint (+graph) directory,
        .meta, SavedModel directory or Keras file.
      tflite: a .tflite converted from `model`: run both on the same inputs.
      compare_tf: convert `model` to a temporary .tflite and run both.
      progress: called after every run with (phase, runs, seconds).
      **flags: TFLite benchmark_model flags (num_runs, min_secs, ...) for a
        .tflite, TF benchmark_model flags (max_num_runs, show_flops, ...) for
        TensorFlow models; both in a side-by-side run. None values are unset.

    Raises:
      UsageError: a flag of the wrong tool, a bad flag value, an unknown
        layer name, or unknown input sizes without --input_layer_shape.
      InputError: a missing or unreadable model.
    """
    flags = {k: v for k, v in flags.items() if v is not None}
    source_is_tflite = is_tflite(model)
    side_by_side = bool(tflite) or compare_tf
    if side_by_side and source_is_tflite:
        raise UsageError(f"{model} is already a .tflite; side by side needs the TensorFlow model "
                         "it came from as MODEL")
    if tflite and compare_tf:
        raise UsageError("give either --tflite OUT.tflite or --compare_tf, not both")
    if tflite and not (os.path.isfile(tflite) and is_tflite(tflite)):
        raise InputError(f"{tflite} is not a .tflite flatbuffer; give the converted model to --tflite")
    tflite_flags, tf_flags = _split_flags(flags, want_tflite=source_is_tflite or side_by_side,
                                          want_tf=not source_is_tflite)
    if side_by_side and tf_flags.input_layer_values:
        raise UsageError("--input_layer_values does not apply side by side: both models get the "
                         "values the .tflite inputs are given; use --input_layer_value_range or "
                         "--input_layer_value_files")
    result = benchmark_pb2.BenchmarkResult()
    if source_is_tflite:
        run = tflite_benchmark.run(model, tflite_flags, progress=progress)
        run.parameters.update(_parameters(tflite_flags))
        result.runs.append(run)
        return result

    if not side_by_side:
        result.runs.append(_tf_run(model, tf_flags, None, progress))
        return result
    with tempfile.TemporaryDirectory(prefix="tflite-tools-benchmark-") as directory:
        tflite_path = tflite or _convert_on_the_fly(model, directory, tf_flags)
        # The layer flags name the TF inputs; the .tflite gets the same values.
        tflite_flags.input_layer = ""
        interpreter = tflite_benchmark.make_interpreter(tflite_path, tflite_flags)
        values = tflite_benchmark.make_inputs(interpreter, tflite_flags)
        del interpreter
        tf_run = _tf_run(model, tf_flags, values, progress)
        tflite_run = tflite_benchmark.run(tflite_path, tflite_flags, inputs=values, progress=progress)
        tflite_run.parameters.update(_parameters(tflite_flags))
        if not tflite:
            tflite_run.model_path = f"{model} (converted on the fly)"
    result.runs.extend([tf_run, tflite_run])
    result.comparison.CopyFrom(_compare(tf_run, tflite_run, "given" if tflite else "converted"))
    return result


def _tf_run(model, tf_flags, values, progress) -> benchmark_pb2.BenchmarkRun:
    run = tf_benchmark.run(model, tf_flags, inputs=values, progress=progress)
    run.parameters.update(_parameters(tf_flags))
    return run


# --- text output ------------------------------------------------------------------------------------
# Results come from our engines or from `tflite-tools parse` of a real log, so
# each line is printed only when the result holds its value.

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
            if table.title == "Summary by node type":
                # every executed node is counted under its type
                lines.append(f"Number of nodes executed: {sum(r.count for r in table.type_rows)}")
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
    if run.model_path:
        lines.append(f"Loaded model {run.model_path}")
    # The runtime's own words when it applies a delegate.
    lines += [f"Created TensorFlow Lite {name} delegate for CPU." for name in run.delegates]
    if run.model_size_bytes:
        lines.append(f"The input model file size (MB): {format_g(run.model_size_bytes / 1e6)}")
    if run.init_us:
        lines.append(f"Initialized session in {format_g(run.init_us / 1e3)}ms.")
    for phase, runs, secs in (("warmup", "warmup_runs", "warmup_min_secs"),
                              ("inference", "num_runs", "min_secs")):
        if run.HasField(phase):
            default_runs, default_secs = ("1", 0.5) if phase == "warmup" else ("50", 1)
            lines += [f"Running benchmark for at least {p.get(runs, default_runs)} iterations and "
                      f"at least {format_g(float(p.get(secs, default_secs)))} seconds but terminate "
                      f"if exceeding {format_g(float(p.get('max_secs', 150)))} seconds.",
                      *_stat_lines(getattr(run, phase))]
    if run.HasField("inference"):
        lines.append(
            f"Inference timings in us: Init: {run.init_us}, First inference: "
            f"{run.first_inference_us}, Warmup (avg): "
            f"{format_g(run.warmup_avg_us) if run.warmup.count else 'nan'}, "
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
    if run.model_size_bytes:
        lines.append(f"Model size (bytes): {run.model_size_bytes}")
    if run.init_us:
        lines.append(f"Initialized session in {format_g(run.init_us / 1e6)}s")
    timed = (f"{format_g(float(p.get('max_time', 10)))} seconds {{}} detailed stat logging, with "
             f"{format_g(float(p.get('inference_delay', -1)))}s sleep between inferences")
    if run.warmup.count:
        lines += [f"Running benchmark for max {p.get('warmup_runs', '1')} iterations, max -1 seconds "
                  "without detailed stat logging, with -1s sleep between inferences",
                  *_stat_lines(run.warmup)]
    for phase, how in (("inference", "without"), ("inference_with_stats", "with")):
        if run.HasField(phase):
            lines += [f"Running benchmark for max {p.get('max_num_runs', '1000')} iterations, max "
                      + timed.format(how), *_stat_lines(getattr(run, phase))]
    if run.HasField("inference"):
        average = (f"Average inference timings in us: Warmup: {int(run.warmup_avg_us)}, "
                   f"no stats: {int(run.inference_avg_us)}")
        if run.HasField("inference_with_stats"):
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
