"""The LayerReport as text: one row per layer in execution order, the first
divergent layer marked, then the unmatched tensors and the keep-float trials."""

from __future__ import annotations

from tflite_tools.proto import verification_pb2

# Unmatched tensor names listed before "... and N more".
MAX_UNMATCHED_SHOWN = 12
# Widest tensor name column; longer names keep their end (the layer's own part).
NAME_WIDTH = 48


def format_layers(report: verification_pb2.LayerReport) -> str:
    """The table of `report`, with a heading line and a trailing newline."""
    if report.criterion == "snr":
        rule = f"SNR >= {report.min_snr_db:g} dB"
    else:
        rule = f"max |tflite - tf| <= {report.atol:g} + {report.rtol:g} * max |tf|"
    lines = [(f"layers: {report.matched} of {report.total} TFLite op outputs matched to TensorFlow tensors; "
              f"per layer {rule}")]
    quantized = any(c.scale for c in report.layers)
    header = f"  {'#':>3}  {'op':<18} {'tflite tensor':<{NAME_WIDTH}} {'max abs':>9} {'mean abs':>9} {'SNR dB':>7}"
    if quantized:
        header += f" {'scale':>9} {'zp':>4} {'sat':>5}"
    lines.append(header + "  tf tensor")
    for c in report.layers:
        row = (f"  {c.step:>3}  {c.op[:18]:<18} {_fit(c.tflite_tensor):<{NAME_WIDTH}} {c.max_abs_error:>9.3g} "
               f"{c.mean_abs_error:>9.3g} {c.snr_db:>7.1f}")
        if quantized:
            row += (f" {c.scale:>9.3g} {c.zero_point:>4} {c.saturation:>5.0%}" if c.scale else f" {'float':>9} "
                    f"{'':>4} {'':>5}")
        mark = "  ok" if c.passed else "  OUT"
        if c.tflite_tensor == report.first_divergent:
            mark = "  OUT <- first divergent"
        lines.append(f"{row}  {c.tf_tensor}{mark}")
    if report.first_divergent:
        lines.append(f"first divergent layer: {report.first_divergent}")
    elif report.layers:
        lines.append("every layer within tolerance" if all(c.passed for c in report.layers) else
                     "no first divergent layer: the layers out of tolerance have inputs out of it too")
    if report.unmatched:
        shown = ", ".join(report.unmatched[:MAX_UNMATCHED_SHOWN])
        more = len(report.unmatched) - MAX_UNMATCHED_SHOWN
        lines.append(f"unmatched: {shown}" + (f" ... and {more} more" if more > 0 else ""))
    if report.trials:
        lines.append(f"keep in float, one at a time (output SNR now {report.output_snr_db:.1f} dB, "
                     f"min {report.min_snr_db:g} dB):")
        lines.extend(f"  {t.name}: {t.output_snr_db:.1f} dB ({t.gain_db:+.1f} dB)" for t in report.trials)
    if report.suggested_keep_float:
        lines.append(f"suggested: convert --keep_float {','.join(report.suggested_keep_float)} "
                     f"(output SNR {report.suggested_output_snr_db:.1f} dB)")
    return "\n".join(lines) + "\n"


def _fit(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else "..." + name[-(NAME_WIDTH - 3):]
