"""`doctor`: which TensorFlow, converter APIs and engines this machine has.

    report = doctor()
    report.tensorflow_version, [a.name for a in report.converter_apis if a.present]

The Python engine is TensorFlow itself (convert, freeze, verify need it).
For each artifact kind the report gives the raw TensorFlow call tflite-tools
makes, so users of older TF can find the equivalent spelling in
`api_history` (tf.contrib.lite.toco_convert ... tf.lite.TFLiteConverter).
The `native` section (Bazel, a TF source tree, the C++ tools) comes from
`tflite_tools.native.probe`.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform

from tflite_tools.core.versions import release
from tflite_tools.proto import doctor_pb2

# summarize reproduces this release's summarize_graph text byte for byte (the goldens'
# TF); other releases print some tensor values differently (tf-nightly: shorter
# float32, nan for -nan, float8 values).
SUMMARIZE_TEXT_OF = "2.21"
OLDEST = (2, 15)
_CONVERTER = ("V1 tf.compat.v1.lite.TFLiteConverter (frozen graph, TF1 SavedModel, session); "
              "V2 tf.lite.TFLiteConverter (SavedModel, Keras model, concrete functions)")
# (TF versions, Keras, converter API, how CI tests it); .ci/matrix holds the legs' pins.
SUPPORT = (
    ("2.15", "Keras 2 as tf.keras", _CONVERTER, "tensorflow-cpu==2.15.1 (.ci/matrix, core tests)"),
    ("2.16", "Keras 3; Keras 2 files with tf_keras", _CONVERTER, "not tested"),
    ("2.17", "Keras 3; Keras 2 files with tf_keras", _CONVERTER,
     "tensorflow-cpu==2.17.1 + tf-keras==2.17.0 (.ci/matrix, core tests)"),
    ("2.18-2.20", "Keras 3; Keras 2 files with tf_keras", _CONVERTER, "not tested"),
    ("2.21", "Keras 3; Keras 2 files with tf_keras", _CONVERTER, "tensorflow==2.21.0 (the whole suite)"),
    ("nightly", "Keras 3; Keras 2 files with tf_keras-nightly", _CONVERTER,
     "tf-nightly (.ci/matrix, core tests; failures reported, not fatal)"),
)
_TESTED = {"2.15", "2.17", "2.21"}


def doctor(native_tools=None) -> doctor_pb2.Doctor:
    """Probe the installed TensorFlow, its converter APIs and the native engine.

    Args:
      native_tools: a `tflite_tools.native.tools.NativeTools` saying where the
        native tools may be (default: PATH and $TF_SOURCE_DIR).

    Never raises for a missing TensorFlow, Bazel or tool: the report says so.
    """
    from tflite_tools.native import engine, probe

    report = doctor_pb2.Doctor(python_version=platform.python_version())
    report.native.CopyFrom(probe.probe(native_tools or engine.native_tools(argparse.Namespace())))
    report.keras_version = _version("keras")
    report.tf_keras_version = _version("tf-keras")
    report.litert_version = _version("ai-edge-litert")
    from tflite_tools.convert import converter_api

    report.api_history.extend(doctor_pb2.ApiEra(tensorflow_versions=v, api=a)
                              for v, a in converter_api.API_HISTORY)
    report.summarize_text_of = SUMMARIZE_TEXT_OF
    report.support.extend(doctor_pb2.TfSupport(tensorflow_versions=v, keras=k, converter_api=c, tested_by_ci=t)
                          for v, k, c, t in SUPPORT)
    try:
        report.tensorflow_version = converter_api.tf_version()
    except ImportError as exc:
        report.python_engine_note = (f"TensorFlow does not import ({exc}); install one "
                                     "(pip install tensorflow, or tflite-tools[tensorflow])")
        return report
    report.tensorflow_distribution = _tf_distribution()
    report.tensorflow_support = support_status(report.tensorflow_version)
    report.tensorflow_source_built = source_built(report.tensorflow_version, report.tensorflow_distribution)
    report.python_engine_available = True
    present = converter_api.available_apis()
    report.converter_apis.extend(doctor_pb2.ConverterApi(name=n, present=p) for n, p in present)
    found = {n for n, p in present if p}
    for kind, call in converter_api.raw_calls().items():
        report.raw_calls.add(artifact_kind=kind, call=call)
    report.entry_points_used.extend(
        n for n in ("tf.compat.v1.lite.TFLiteConverter.from_frozen_graph",
                    "tf.compat.v1.lite.TFLiteConverter.from_saved_model",
                    "tf.compat.v1.lite.TFLiteConverter.from_session",
                    "tf.lite.TFLiteConverter.from_saved_model",
                    "tf.lite.TFLiteConverter.from_keras_model",
                    "tf.lite.TFLiteConverter.from_concrete_functions") if n in found)
    return report


def support_status(version: str) -> str:
    """The place of TF `version` in the matrix: tested, nightly, untested or too old."""
    parts = release(version)
    if parts is None:
        return "untested (unreadable version)"
    if parts < OLDEST:
        return "too old: tflite-tools needs TensorFlow 2.15 or later"
    if "dev" in version:
        return "nightly: CI runs the core tests on tf-nightly (may break)"
    if f"{parts[0]}.{parts[1]}" in _TESTED:
        return "tested by CI"
    return "untested: between or after the releases CI tests (2.15, 2.17, 2.21)"


def source_built(version: str, distribution: str) -> bool:
    """A local version suffix (2.17.0+mybuild) or no wheel metadata means a TF built from source."""
    return "+" in version or not distribution


def _tf_distribution() -> str:
    """The distribution that installed the `tensorflow` package ("" for none: a source tree on PYTHONPATH)."""
    names = importlib.metadata.packages_distributions().get("tensorflow", [])
    return ", ".join(sorted({name.lower().replace("_", "-") for name in names}))


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def format_text(report: doctor_pb2.Doctor) -> str:
    """One two-column table: what, and what this machine has."""
    rows = [
        ("Python", report.python_version),
        ("TensorFlow", report.tensorflow_version or "not importable"),
        ("TF support", report.tensorflow_support or "-"),
        ("TF distribution", report.tensorflow_distribution or
         ("no wheel metadata" if report.tensorflow_version else "-")),
        ("Keras", report.keras_version or "not installed"),
        ("tf_keras", report.tf_keras_version or "not installed"),
        ("LiteRT (ai-edge-litert)", report.litert_version or "not installed"),
        ("Python engine", "available" if report.python_engine_available else
         f"unavailable: {report.python_engine_note}"),
    ]
    if report.tensorflow_source_built:
        rows.append(("TF build", "source-built; converter entry points: " +
                     (", ".join(a.name for a in report.converter_apis if a.present) or "none")))
    rows.append(("summarize text of", f"TensorFlow {report.summarize_text_of} summarize_graph"))
    rows += [(f"API {a.name}", "present" if a.present else "absent") for a in report.converter_apis]
    rows += [(f"convert {c.artifact_kind}", c.call) for c in report.raw_calls]
    rows += [(f"TF {e.tensorflow_versions}", e.api) for e in report.api_history]
    rows += [(f"support TF {t.tensorflow_versions}", f"{t.keras}; CI: {t.tested_by_ci}") for t in report.support]
    if report.native.checked:
        native = report.native
        rows.append(("Bazel", f"{native.bazel_version} ({native.bazel_path})" if native.bazel_path else "not found"))
        rows.append(("TF source tree", native.tensorflow_source_tree or "not found"))
        rows += [(f"native {t.name}", t.path if t.found else "not built") for t in native.tools]
        if native.note:
            rows.append(("native note", native.note))
    width = max(len(what) for what, _ in rows)
    lines = [f"{'what'.ljust(width)}  here", f"{'-' * width}  {'-' * 4}"]
    lines += [f"{what.ljust(width)}  {value}" for what, value in rows]
    return "\n".join(lines) + "\n"
