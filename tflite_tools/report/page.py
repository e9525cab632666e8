"""The report's HTML page: a ModelReport drawn with jinja2 templates.

Each section is a function of the ModelReport returning the template's
context, or None when the data was not asked for (the section is left out).
`SECTIONS` lists them in page order; a section is one function here and
one template `templates/sections/<name>.html.j2`. The page is one file:
styles inline, charts inline SVG, no script, nothing fetched.
"""

from __future__ import annotations

import time

from tflite_tools.core import fileio
from tflite_tools.proto import summary_pb2, verification_pb2
from tflite_tools.report import charts


def _model(report):
    model = report.model
    compat = model.tflite_compatibility
    kinds = {op: "select_tf" for op in compat.select_tf_ops}
    kinds.update({op: "custom" for op in compat.custom_ops})
    kinds.update({u.op: u.kind for u in report.conversion.ops if u.kind != "builtin"})
    if model.format == summary_pb2.TFLITE:  # op names there are the codes: FlexCumprod, Erfinv
        kinds.update({f"Flex{op}": "select_tf" for op in compat.select_tf_ops})
    counts = [(c.op, c.count, kinds.get(c.op, "builtin")) for c in model.op_counts]
    return dict(model=model, format=summary_pb2.ModelFormat.Name(model.format),
                flagged=[(op, kind) for op, _, kind in counts if kind != "builtin"],
                chart=charts.op_bars(counts, "op types") if counts else "")


def _conversion(report):
    if not report.HasField("conversion"):
        return None
    conversion = report.conversion
    counts = [(u.op, u.count, u.kind) for u in conversion.ops]
    return dict(conversion=conversion, chart=charts.op_bars(counts, "TFLite ops") if counts else "")


def _verification(report):
    verification = report.conversion.verification
    if not verification.status:
        return None
    return dict(verification=verification,
                status=verification_pb2.VerificationStatus.Name(verification.status),
                outputs=[(c, charts.error_histogram(c) if c.abs_error_counts else "")
                         for c in verification.outputs])


def _layers(report):
    layers = report.conversion.verification.layer_report
    if not layers.layers:
        return None
    return dict(layers=layers)


def _quantize_sweep(report):
    if not report.quantize_sweep:
        return None
    return dict(points=report.quantize_sweep, chart=charts.sweep_chart(report.quantize_sweep))


def _benchmark(report):
    if not report.benchmark.runs:
        return None
    return dict(benchmark=report.benchmark, chart=charts.latency_chart(report.benchmark))


SECTIONS = (
    ("model", "Model", _model),
    ("conversion", "Conversion", _conversion),
    ("verification", "Verification", _verification),
    ("layers", "Layers", _layers),
    ("quantize_sweep", "Quantization sweep", _quantize_sweep),
    ("benchmark", "Benchmark", _benchmark),
)


def render_page(report) -> tuple[str, list[str]]:
    """(the page's HTML, the names of the sections drawn)."""
    import jinja2  # noqa: PLC0415 (only a page drawn needs it)

    env = jinja2.Environment(loader=jinja2.PackageLoader("tflite_tools.report", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["kib"] = lambda n: f"{n / 1024:,.1f} KiB"
    env.filters["shape"] = lambda dims: "[" + ",".join("?" if d < 0 else str(d) for d in dims) + "]"
    sections = []
    for name, title, function in SECTIONS:
        context = function(report)
        if context is not None:
            sections.append(dict(name=name, title=title, **context))
    title = report.model.source_path or report.conversion.source.path
    html = env.get_template("report.html.j2").render(title=title, sections=sections, report=report)
    return html, [s["name"] for s in sections]


def write_page(report, path: str, started: float) -> None:
    """Render `report`, write it atomically to `path` and record the page's
    path, size, sections and build time (since `started`, a perf_counter)."""
    html, sections = render_page(report)
    data = html.encode("utf-8")
    fileio.write_atomic(path, data)
    report.html_path = path
    report.html_size_bytes = len(data)
    report.sections[:] = sections
    report.build_ms = (time.perf_counter() - started) * 1000
