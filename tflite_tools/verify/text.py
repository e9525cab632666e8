"""The VerificationReport as text: `format_text`, what `--format text` prints."""

from __future__ import annotations

from tflite_tools.proto import verification_pb2
from tflite_tools.verify import compare
from tflite_tools.verify.layer_text import format_layers

_S = verification_pb2.VerificationStatus


def format_text(report: verification_pb2.VerificationReport) -> str:
    """The report for people: verdict first, then mappings and per-output errors."""
    verdict = {_S.PASSED: "VERIFIED", _S.MISMATCH: "MISMATCH",
               _S.NOT_RUNNABLE: "NOT RUNNABLE"}.get(report.status, "UNKNOWN")
    lines = [f"{verdict}: {report.message}",
             f"source:  {report.source_path}",
             f"tflite:  {report.tflite_path}"
             + (f" (quantization: {report.quantization})" if report.quantization else "")]
    if report.input_data:
        lines.append(f"inputs:  {report.input_data}, {report.num_samples} sample(s)")
    if report.input_mapping:
        lines.append("input mapping:")
        lines.extend(f"  {m.source_name} -> {m.tflite_name} [{m.tflite_index}] by {m.method}"
                     for m in report.input_mapping)
    if report.output_mapping:
        lines.append("output mapping:")
        lines.extend(f"  {m.source_name} <- {m.tflite_name} [{m.tflite_index}] by {m.method}"
                     for m in report.output_mapping)
    if report.outputs:
        lines.append("outputs:")
        lines.extend(output_lines(report, "  "))
    if report.HasField("layer_report"):
        lines.append(format_layers(report.layer_report).rstrip("\n"))
    if report.checks:
        lines.append("structural checks:")
        lines.extend(f"  {check}" for check in report.checks)
    if report.status == _S.NOT_RUNNABLE:
        lines.append("NOT numerically verified: run it where the TFLite runtime has the Flex delegate "
                     "(e.g. an app linking tensorflow-lite-select-tf-ops) to compare values.")
    return "\n".join(lines) + "\n"


def output_lines(report: verification_pb2.VerificationReport, indent: str) -> list[str]:
    """Two lines per compared output: verdict and criterion, then the error figures."""
    lines = []
    for c in report.outputs:
        lines.append(f"{indent}{c.source_name} {list(c.shape)} {c.dtype}: {'PASS' if c.passed else 'FAIL'} "
                     f"({_criterion(c)})")
        if c.criterion != "shape":
            agreement = f"  argmax agreement {c.agreement:.0%}" if c.criterion == "snr+argmax" else ""
            nonfinite = f"  NaN/inf mismatches {c.nonfinite_mismatches}" if c.nonfinite_mismatches else ""
            lines.append(f"{indent}  max abs {c.max_abs_error:.3g}  max rel {c.max_rel_error:.3g}  "
                         f"mean abs {c.mean_abs_error:.3g}  SNR {c.snr_db:.1f} dB{agreement}{nonfinite}")
    return lines


def _criterion(c) -> str:
    if c.criterion == "allclose":
        return f"|tflite - tf| <= {c.atol:g} + {c.rtol:g} * |tf|"
    if c.criterion == "range+snr":
        return (f"|tflite - tf| <= {compare.FLOAT_RANGE_FRACTION:g} * max |tf| and SNR >= {c.min_snr_db:g} dB; "
                f"over {c.atol:g} + {c.rtol:g} * |tf|: a deep model's float32 rounding")
    if c.criterion == "snr+argmax":
        return f"SNR >= {c.min_snr_db:g} dB and argmax agreement >= {c.min_agreement:.0%}"
    if c.criterion == "shape":
        return "shapes differ"
    return "exact"
