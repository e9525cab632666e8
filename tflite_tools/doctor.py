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

from tflite_tools.proto import doctor_pb2


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
    try:
        report.tensorflow_version = converter_api.tf_version()
    except ImportError as exc:
        report.python_engine_note = f"TensorFlow does not import ({exc}); install tensorflow"
        return report
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
        ("Keras", report.keras_version or "not installed"),
        ("tf_keras", report.tf_keras_version or "not installed"),
        ("LiteRT (ai-edge-litert)", report.litert_version or "not installed"),
        ("Python engine", "available" if report.python_engine_available else
         f"unavailable: {report.python_engine_note}"),
    ]
    rows += [(f"API {a.name}", "present" if a.present else "absent") for a in report.converter_apis]
    rows += [(f"convert {c.artifact_kind}", c.call) for c in report.raw_calls]
    rows += [(f"TF {e.tensorflow_versions}", e.api) for e in report.api_history]
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
