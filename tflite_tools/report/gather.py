"""`report(model, output)`: gather what the page shows, draw it, write it.

Always the model card (`inspect`). For a TensorFlow model, a conversion
(with convert's options), its verification with `verify=True`, every
--quantize mode with `quantize_sweep=True`, TensorFlow and TFLite side by
side with `benchmark=True`. A .tflite gets its card (and its benchmark) and
never imports TensorFlow. The page holds facts and charts, never weights.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Optional

from tflite_tools.errors import UsageError, VerificationMismatch
from tflite_tools.proto import report_pb2, summary_pb2, verification_pb2
from tflite_tools.report import page, sweep

# Short benchmark runs: the page shows a distribution, not a lab measurement.
BENCHMARK_FLAGS = dict(num_runs=30, min_secs=0.2, warmup_runs=2, warmup_min_secs=0.0)
TF_BENCHMARK_FLAGS = dict(max_num_runs=30, max_time=2.0)


def report(model: str, output: str = "report.html", *, verify: bool = False, quantize_sweep: bool = False,
           benchmark: bool = False, tflite: Optional[str] = None, **convert_options) -> report_pb2.ModelReport:
    """Write the HTML report of `model` to `output`; return its ModelReport.

    Args:
      model: any artifact `inspect` recognises.
      output: the .html to write.
      verify, quantize_sweep, benchmark: the optional sections.
      tflite: keep the converted model here (default: a temporary file).
      **convert_options: `convert`'s options (input_arrays, input_shapes, quantize, ...).
    Raises:
      UsageError: a section that needs a TensorFlow source asked of a .tflite.
      VerificationMismatch: the conversion did not verify (the page is written first).
    """
    from tflite_tools.inspect.model_summary import inspect  # noqa: PLC0415

    started = time.perf_counter()
    result = report_pb2.ModelReport()
    result.model.CopyFrom(inspect(model))
    if result.model.format == summary_pb2.TFLITE:
        if verify or quantize_sweep or tflite or convert_options.get("input_arrays"):
            raise UsageError(f"{model} is already a .tflite: there is no conversion to verify or sweep; "
                             "give the TensorFlow model it came from.")
        if benchmark:
            result.benchmark.CopyFrom(_benchmark(model, None))
    else:
        with tempfile.TemporaryDirectory(prefix="tflite-tools-report-") as tmp:
            tflite_path = tflite or os.path.join(tmp, "model.tflite")
            result.conversion.CopyFrom(_convert(model, tflite_path, verify=verify, **convert_options))
            if not tflite:  # a temporary file, gone with the page
                result.conversion.output_path = ""
            if quantize_sweep:
                result.quantize_sweep.extend(sweep.run(model, result.conversion, tmp, convert_options))
            if benchmark:
                result.benchmark.CopyFrom(_benchmark(model, tflite_path, result.conversion))
    page.write_page(result, output, started)
    if result.conversion.verification.status == verification_pb2.MISMATCH:
        raise VerificationMismatch(result.conversion.verification.message, result=result)
    return result


def conversion_page(model: str, output_file: str, html: str, **options):
    """`convert --html`: convert as `convert` does, then write the page of the
    model, the conversion and its verification; return the ConversionReport.
    A verification mismatch is raised after the page is written."""
    from tflite_tools.inspect.model_summary import inspect  # noqa: PLC0415

    started = time.perf_counter()
    result = report_pb2.ModelReport()
    result.conversion.CopyFrom(_convert(model, output_file, **options))
    result.model.CopyFrom(inspect(model))
    page.write_page(result, html, started)
    if result.conversion.verification.status == verification_pb2.MISMATCH:
        raise VerificationMismatch(result.conversion.verification.message, result=result.conversion)
    return result.conversion


def _convert(model, tflite_path, **options):
    """The conversion's report; a mismatch is kept for the page, not raised."""
    from tflite_tools.convert.conversion import convert  # noqa: PLC0415 (imports TensorFlow)

    try:
        return convert(model, tflite_path, **options)
    except VerificationMismatch as mismatch:
        return mismatch.result


def _benchmark(model, tflite_path, conversion=None):
    """TensorFlow and TFLite side by side (a .tflite alone), fed at the
    tensors the conversion was."""
    from tflite_tools.benchmark.side_by_side import benchmark  # noqa: PLC0415

    if tflite_path is None:
        return benchmark(model, **BENCHMARK_FLAGS)
    options = conversion.options
    layers = dict(input_layer=",".join(options.input_arrays) or None,
                  input_layer_shape=options.input_shapes or None,
                  output_layer=",".join(options.output_arrays) or None)
    return benchmark(model, tflite=tflite_path, **BENCHMARK_FLAGS, **TF_BENCHMARK_FLAGS, **layers)
