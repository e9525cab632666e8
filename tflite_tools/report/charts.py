"""The report's charts: matplotlib figures returned as inline SVG text.

Text stays text (`svg.fonttype: none`) and ids are salted with a constant,
so a chart is a few kilobytes and the same data draws the same bytes. Each
function takes plain values or result messages and returns `<svg ...>`.
"""

from __future__ import annotations

import io
import itertools

KIND_COLORS = {"builtin": "#4c78a8", "select_tf": "#f58518", "custom": "#e45756", "unsupported": "#9d2235"}
_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "tflite-tools", "font.size": 9,
          "axes.spines.top": False, "axes.spines.right": False}


def _pyplot():
    import matplotlib  # noqa: PLC0415 (only a page drawn needs it)

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot  # noqa: PLC0415

    return matplotlib, pyplot


def _svg(figure) -> str:
    """The figure as an <svg> element (no XML prolog, no DOCTYPE)."""
    _, pyplot = _pyplot()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    pyplot.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure(width: float, height: float, panels: int = 1):
    """A figure with `panels` axes side by side (call inside rc_context(_STYLE))."""
    return _pyplot()[1].subplots(1, panels, figsize=(width, height))


def op_bars(counts: list[tuple[str, int, str]], title: str, limit: int = 25) -> str:
    """Horizontal bars of (op, count, kind), most used on top, coloured by kind."""
    matplotlib, _ = _pyplot()
    shown = counts[:limit]
    with matplotlib.rc_context(_STYLE):
        figure, axes = _figure(6.4, 0.6 + 0.22 * len(shown))
        names = [op for op, _, _ in shown][::-1]
        axes.barh(names, [n for _, n, _ in shown][::-1],
                  color=[KIND_COLORS.get(kind, KIND_COLORS["builtin"]) for _, _, kind in shown][::-1])
        axes.set_xlabel("count")
        more = f" (top {limit} of {len(counts)})" if len(counts) > limit else ""
        axes.set_title(title + more, loc="left")
        kinds = sorted({kind for _, _, kind in shown})
        if kinds != ["builtin"]:
            axes.legend(handles=[matplotlib.patches.Patch(color=KIND_COLORS[k], label=k) for k in kinds],
                        loc="lower right", frameon=False)
        return _svg(figure)


def error_histogram(comparison) -> str:
    """Bars of an OutputComparison's |tflite - tf| histogram (log count axis)."""
    matplotlib, _ = _pyplot()
    edges, counts = list(comparison.abs_error_edges), list(comparison.abs_error_counts)
    with matplotlib.rc_context(_STYLE):
        figure, axes = _figure(6.4, 2.4)
        widths = [b - a for a, b in itertools.pairwise(edges)]
        axes.bar(edges[:-1], counts, width=widths, align="edge", color="#4c78a8", edgecolor="white")
        axes.set_yscale("symlog", linthresh=1)
        axes.set_xlabel("|tflite - tf|")
        axes.set_ylabel("elements")
        axes.set_title(f"{comparison.source_name}: |tflite - tf| over {sum(counts)} elements", loc="left")
        return _svg(figure)


def sweep_chart(points) -> str:
    """Size against accuracy (SNR) per --quantize mode, and latency beside it."""
    matplotlib, _ = _pyplot()
    done = [p for p in points if not p.error]
    with matplotlib.rc_context(_STYLE):
        figure, (left, right) = _figure(8.0, 3.0, panels=2)
        for p in done:
            left.scatter(p.size_bytes / 1024, p.snr_db, s=36, color="#2ca02c" if p.passed else "#d62728")
            left.annotate(p.quantize, (p.size_bytes / 1024, p.snr_db), textcoords="offset points",
                          xytext=(5, 4))
        left.set_xlabel("size (KiB)")
        left.set_ylabel("SNR vs TensorFlow (dB)")
        left.set_title("size against accuracy (green: verified)", loc="left")
        right.bar([p.quantize for p in done], [p.latency_avg_us for p in done], color="#4c78a8")
        right.set_ylabel("TFLite latency (µs, mean)")
        right.set_title("latency", loc="left")
        figure.tight_layout()
        return _svg(figure)


def latency_chart(result) -> str:
    """Each runtime's latency spread (min, p50-p90 bar, p99, max, mean) and,
    beside it, the means with the TFLite/TF ratio."""
    matplotlib, _ = _pyplot()
    runs = list(result.runs)
    with matplotlib.rc_context(_STYLE):
        figure, (spread, means) = _figure(8.0, 0.9 + 0.5 * len(runs), panels=2)
        for row, run in enumerate(runs):
            s = run.inference
            spread.hlines(row, s.min, s.max, color="#999999")
            spread.hlines(row, s.p50 or s.min, s.p90 or s.max, color="#4c78a8", linewidth=8)
            spread.plot([s.p99 or s.max], [row], "|", color="#333333", markersize=12)
            spread.plot([s.avg], [row], "o", color="#e45756")
        spread.set_yticks(range(len(runs)), [run.runtime for run in runs])
        spread.set_xlabel("inference latency (µs): min-max line, p50-p90 bar, p99 tick, mean dot")
        spread.set_title("latency distribution", loc="left")
        means.barh([run.runtime for run in runs], [run.inference.avg for run in runs], color="#4c78a8")
        ratio = result.comparison.latency_ratio
        means.set_title(f"mean; tflite/tensorflow = {ratio:.2f}" if ratio else "mean", loc="left")
        means.set_xlabel("µs")
        figure.tight_layout()
        return _svg(figure)
