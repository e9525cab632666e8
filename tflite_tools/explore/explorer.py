"""`explore`: Google AI Edge Model Explorer on a model's .tflite, with our
results on its nodes.

`prepare(model)` gives the .tflite to show (the model itself, or a trial
conversion) and the overlays (explore.overlays); `serve` starts Model
Explorer's local server on loopback with them. A conversion refused with
builtins is tried again with select TF and custom ops allowed: its custom
ops are the "unsupported" ones. Model Explorer is the optional extra
`tflite-tools[explore]`.
"""

from __future__ import annotations

import json

from tflite_tools.errors import ConversionError, UsageError, VerificationMismatch
from tflite_tools.explore.overlays import overlays
from tflite_tools.formats.detect import detect
from tflite_tools.proto import summary_pb2

HOST = "127.0.0.1"
INSTALL_HINT = ("Model Explorer is not installed; install it with: pip install 'tflite-tools[explore]' "
                "(or pip install ai-edge-model-explorer)")


def prepare(model: str, tflite_path: str, layers: bool = False, **convert_options) -> tuple[str, dict]:
    """(the .tflite to show, overlay name -> node data). A TensorFlow model is
    converted to `tflite_path` with `convert`'s options; with `layers`, and
    verified layer by layer (the error overlays)."""
    layer_report = None
    if detect(model).format == summary_pb2.TFLITE:
        if layers:
            raise UsageError(f"{model} is already a .tflite: per-layer errors need the TensorFlow model "
                             "it came from; explore that one with --layers.")
        shown, unsupported = model, set()
    else:
        options = dict(convert_options, verify=layers, verify_layers=layers)
        shown, (unsupported, conversion) = tflite_path, _trial_conversion(model, tflite_path, options)
        layer_report = conversion.verification.layer_report if layers else None
    with open(shown, "rb") as f:
        return shown, overlays(f.read(), unsupported, layer_report)


def _trial_conversion(model, tflite_path, options):
    """Convert as asked; when builtins refuse, again with select TF and custom
    ops allowed. Returns (the ops only custom ops let through, the
    ConversionReport); a verification mismatch is kept, not raised."""
    try:
        return set(), _convert(model, tflite_path, options)
    except ConversionError:
        if options.get("allow_select_tf_ops") and options.get("allow_custom_ops"):
            raise
    report = _convert(model, tflite_path, dict(options, allow_select_tf_ops=True, allow_custom_ops=True))
    return {u.op for u in report.ops if u.kind == "custom"}, report


def _convert(model, tflite_path, options):
    from tflite_tools.convert.conversion import convert  # noqa: PLC0415 (imports TensorFlow)

    try:
        return convert(model, tflite_path, **options)
    except VerificationMismatch as mismatch:
        # The overlays show where it diverges, on the .tflite a mismatch
        # leaves unwritten: convert again without verifying to write it.
        convert(model, tflite_path, **dict(options, verify=False, verify_layers=False))
        return mismatch.result


def overlay_json(data: dict) -> str:
    return json.dumps(data, indent=1, sort_keys=True)


def require_model_explorer():
    """The model_explorer module; UsageError (exit 2, how to install it) when missing."""
    try:
        import model_explorer  # noqa: PLC0415 (the optional extra)
    except ImportError as exc:
        raise UsageError(INSTALL_HINT) from exc
    return model_explorer


def serve(tflite_path: str, node_data: dict, port: int, open_browser: bool) -> None:
    """Run Model Explorer on `tflite_path` with `node_data` on loopback until interrupted."""
    model_explorer = require_model_explorer()
    config = model_explorer.config()
    config.add_model_from_path(tflite_path)
    for name, data in node_data.items():
        config.add_node_data(name, overlay_json(data))
    model_explorer.visualize_from_config(config, host=HOST, port=port,
                                         no_open_in_browser=not open_browser)
