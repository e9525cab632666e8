"""The `report` result for people: where the page went and what it shows."""

from __future__ import annotations


def format_text(report) -> str:
    lines = [f"Wrote {report.html_path} ({report.html_size_bytes:,} bytes in {report.build_ms:.0f} ms)",
             f"  sections: {', '.join(report.sections)}"]
    for point in report.quantize_sweep:
        detail = point.error or (f"{point.size_bytes:,} bytes, SNR {point.snr_db:.1f} dB, "
                                 f"{point.latency_avg_us:.1f} us, {'verified' if point.passed else 'NOT verified'}")
        lines.append(f"  --quantize {point.quantize}: {detail}")
    return "\n".join(lines) + "\n"
