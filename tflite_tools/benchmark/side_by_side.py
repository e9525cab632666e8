"""`benchmark`: TensorFlow's two benchmark_model tools, from Python, side by side.

    >>> result = benchmark("model.tflite", num_runs=20, min_secs=0, warmup_min_secs=0)
    >>> result.runs[0].inference.avg
    >>> result = benchmark("frozen.pb", tflite="model.tflite", show_flops=True)
    >>> result.comparison.speedup
    >>> print(format_text(result))

A .tflite runs like TFLite's benchmark_model (tflite_benchmark.py), any TensorFlow
model like TF's benchmark_model (tf_benchmark.py); flags keep those tools' names.
With `tflite=` (or `compare_tf=True`, which converts the source on the fly)
both run on the same input values and a `Comparison` is filled in.
`format_text` (tflite_tools.benchmark.text) prints the lines those tools
log, so scripts that grep them keep working.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from typing import Optional

from tflite_tools.benchmark import common, tf_benchmark, tflite_benchmark
from tflite_tools.benchmark.stat import format_g
from tflite_tools.benchmark.tf_flags import TfFlags
from tflite_tools.errors import InputError, UsageError
from tflite_tools.proto import benchmark_pb2, summary_pb2

TFLITE_FLAGS = tuple(f.name for f in dataclasses.fields(tflite_benchmark.TfliteFlags))
TF_FLAGS = tuple(f.name for f in dataclasses.fields(TfFlags))
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
    return tflite_benchmark.TfliteFlags(**tflite_given), TfFlags(**tf_given)


def _parameter_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return format_g(value) if isinstance(value, float) else str(value)


def _parameters(flags_object) -> dict[str, str]:
    """Every flag's effective value, spelled as on the command line."""
    return {k: _parameter_text(v) for k, v in dataclasses.asdict(flags_object).items() if v is not None}


def _convert_on_the_fly(source: str, directory: str, tf_flags: TfFlags) -> str:
    from tflite_tools.convert.conversion import convert  # noqa: PLC0415 (imports TensorFlow)

    output = os.path.join(directory, "model.tflite")
    convert(source, output, input_arrays=common.split_names(tf_flags.input_layer) or None,
            output_arrays=common.split_names(tf_flags.output_layer) or None,
            input_shapes=tf_flags.input_layer_shape or None,
            verify=False)  # a temporary file, timed not kept: `verify` checks its numbers
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

