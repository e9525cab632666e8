"""A ConversionReport as the CLI prints it."""

from __future__ import annotations

from tflite_tools.proto import conversion_pb2, verification_pb2
from tflite_tools.verify.text import output_lines
from tflite_tools.verify.layer_text import format_layers


def format_text(report: conversion_pb2.ConversionReport) -> str:
    """The report as a short block for the terminal."""
    lines = [f"Converted {report.source.path} ({report.source.format})"]
    if report.output_path:
        lines[0] += f" -> {report.output_path}"
    lines.append(f"  converter: {report.converter_entry_point}"
                 + (f" (TensorFlow {report.tensorflow_version})" if report.tensorflow_version else ""))
    for step in report.steps:
        lines.append(f"  step:      {step}")
    for kind, tensors in (("input", report.inputs), ("output", report.outputs)):
        for t in tensors:
            shape = ",".join(str(d) for d in t.shape)
            lines.append(f"  {(kind + ':').ljust(11)}{t.name} {t.dtype}[{shape}]")
    if report.options.quantize and report.options.quantize != "none":
        lines.append(f"  quantize:  {report.options.quantize}")
    if report.options.keep_float:
        lines.append(f"  in float:  {', '.join(report.options.keep_float)}")
    ops = ", ".join(f"{o.op}{'' if o.kind == 'builtin' else ' (' + o.kind + ')'} x{o.count}"
                    for o in report.ops)
    lines.append(f"  ops:       {ops}")
    lines.append(f"  size:      {report.output_size_bytes} bytes, sha256 {report.output_sha256[:16]}")
    for warning in report.warnings:
        lines.append(f"  warning:   {warning}")
    if report.HasField("verification"):
        status = verification_pb2.VerificationStatus.Name(report.verification.status)
        lines.append(f"  verify:    {status}{': ' + report.verification.message if report.verification.message else ''}")
        lines.extend(output_lines(report.verification, " " * 13))
    if report.verification.HasField("layer_report"):
        lines.extend(f"  {line}" for line in format_layers(report.verification.layer_report).splitlines())
    lines.append(f"  time:      {report.timings.total_ms:.0f} ms")
    return "\n".join(lines) + "\n"
