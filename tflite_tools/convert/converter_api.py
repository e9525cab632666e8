"""The TFLite converter entry points, whichever TensorFlow is installed.

TensorFlow renamed its converter four times (doc: tf-tools-formats.md
§5.2). This module is the one place that knows which entry point fits which
artifact, builds the converter, applies options and runs it with its chatter
captured, turning failures into ConversionError with the ops named:

    plan = converter_api.from_frozen_graph("frozen.pb", ["input"], ["output"], {"input": [1, 8]})
    converter_api.apply_options(plan.converter, allow_select_tf_ops=True)
    flatbuffer = converter_api.run(plan)

`API_HISTORY` and `available_apis()` feed `tflite-tools doctor`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import tempfile
from typing import Callable, Optional, Sequence

from tflite_tools.convert import converter_errors, frozen_graph_in_memory
from tflite_tools.core.captured_output import captured_output as _captured_output
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import ConversionError, InputError, UsageError
from tflite_tools.formats import graphdef_io

V1 = "tf.compat.v1.lite.TFLiteConverter"
V2 = "tf.lite.TFLiteConverter"

# (TF versions, API) in release order; the last rows are what TF 2.x has.
API_HISTORY = (
    ("1.7-1.8", "tf.contrib.lite.toco_convert(graph_def, input_tensors, output_tensors)"),
    ("1.9-1.11", "tf.contrib.lite.TocoConverter.from_session / from_frozen_graph / from_saved_model"),
    ("1.12", "tf.contrib.lite.TFLiteConverter (TocoConverter kept as a deprecated alias)"),
    ("1.13-1.15", "tf.lite.TFLiteConverter: from_session / from_frozen_graph / from_saved_model / "
                  "from_keras_model_file"),
    ("2.x", "tf.lite.TFLiteConverter (V2): from_saved_model / from_keras_model / "
            "from_concrete_functions; V1 API under tf.compat.v1.lite.TFLiteConverter"),
)

# Dotted names probed by available_apis(), oldest first.
PROBED_APIS = (
    "tf.contrib.lite.toco_convert",
    "tf.contrib.lite.TocoConverter",
    "tf.contrib.lite.TFLiteConverter",
    "tf.lite.TocoConverter",
    "tf.lite.toco_convert",
    "tf.compat.v1.lite.toco_convert",
    "tf.compat.v1.lite.TocoConverter",
    "tf.compat.v1.lite.TFLiteConverter.from_frozen_graph",
    "tf.compat.v1.lite.TFLiteConverter.from_saved_model",
    "tf.compat.v1.lite.TFLiteConverter.from_session",
    "tf.compat.v1.lite.TFLiteConverter.from_keras_model_file",
    "tf.lite.TFLiteConverter.from_saved_model",
    "tf.lite.TFLiteConverter.from_keras_model",
    "tf.lite.TFLiteConverter.from_concrete_functions",
)

# Artifact kind -> the raw call for it; {v1}/{v2} are the installed V1/V2 converter classes.
RAW_CALLS = {
    "FROZEN_GRAPH": "{v1}.from_frozen_graph('frozen.pb', input_arrays, output_arrays, input_shapes)",
    "CHECKPOINT": "freeze_graph (graph + checkpoint -> frozen.pb), then "
                  "{v1}.from_frozen_graph('frozen.pb', input_arrays, output_arrays)",
    "GRAPH_DEF": "freeze_graph with the checkpoint, then "
                 "{v1}.from_frozen_graph('frozen.pb', input_arrays, output_arrays)",
    "META_GRAPH": "freeze_graph --input_meta_graph, then "
                  "{v1}.from_frozen_graph('frozen.pb', input_arrays, output_arrays)",
    "SAVED_MODEL_TF1": "{v1}.from_saved_model(saved_model_dir, tag_set={{'serve'}}, "
                       "signature_key='serving_default')",
    "SAVED_MODEL_TF2": "{v2}.from_saved_model(saved_model_dir, signature_keys=['serving_default'])",
    "KERAS_H5": "{v2}.from_keras_model(keras.models.load_model('model.h5', compile=False))",
    "KERAS_V3": "{v2}.from_keras_model(keras.saving.load_model('model.keras', compile=False))",
    "SESSION": "{v1}.from_session(sess, input_tensors, output_tensors)",
    "CONCRETE_FUNCTION": "{v2}.from_concrete_functions([concrete_function], trackable_obj)",
}

# Where the V1 (graph) and V2 (TF2) converter classes live, newest first.
_V1_HOMES = (V1, "tf.lite.TFLiteConverter", "tf.contrib.lite.TFLiteConverter", "tf.contrib.lite.TocoConverter")


def converter_classes() -> tuple[str, str]:
    """(V1 class, V2 class) dotted names in the installed TensorFlow; "" when absent."""
    tf = tensorflow()
    v1 = next((home for home in _V1_HOMES
               if hasattr(_resolve(tf, home), "from_frozen_graph")), "")
    v2 = V2 if hasattr(_resolve(tf, V2), "from_concrete_functions") else ""
    return v1, v2


def raw_calls() -> dict[str, str]:
    """RAW_CALLS spelled for the installed TensorFlow (kinds it cannot convert say so)."""
    v1, v2 = converter_classes()
    calls = {}
    for kind, template in RAW_CALLS.items():
        if ("{v1}" in template and not v1) or ("{v2}" in template and not v2):
            calls[kind] = "not available in this TensorFlow"
        else:
            calls[kind] = template.format(v1=v1, v2=v2)
    return calls


def _resolve(tf, dotted: str):
    obj = tf
    for part in dotted.split(".")[1:]:
        try:
            obj = getattr(obj, part)
        except (AttributeError, ImportError):
            return None
        if obj is None:
            return None
    return obj


QUANTIZE_MODES = ("none", "dynamic", "float16", "int8", "int16x8")
INTEGER_IO_TYPES = ("float32", "int8", "uint8", "int16")


@dataclasses.dataclass
class Plan:
    """A converter ready to run and the entry point that built it."""

    converter: object
    entry_point: str
    # Kept alive for the converter (e.g. the Keras model behind a concrete function).
    keepalive: tuple = ()
    # Another way to the same model, taken when this one leaves resource variables.
    fallback: Optional[Callable[[], "Plan"]] = None


def tf_version() -> str:
    return tensorflow().__version__


def available_apis() -> list[tuple[str, bool]]:
    """(dotted API name, present in the installed TensorFlow) for PROBED_APIS."""
    tf = tensorflow()
    return [(dotted, _resolve(tf, dotted) is not None) for dotted in PROBED_APIS]


# --- entry points ---------------------------------------------------------------

def _v1_class():
    """(the graph-mode converter class of this TensorFlow, its dotted name)."""
    name = converter_classes()[0]
    if not name:
        raise ConversionError(f"this TensorFlow ({tf_version()}) has no graph-mode TFLite converter; "
                              "install TensorFlow 1.13 or later.")
    return _resolve(tensorflow(), name), name


def from_frozen_graph(path: str, input_arrays: Sequence[str], output_arrays: Sequence[str],
                      input_shapes: Optional[dict] = None, contents: Optional[bytes | memoryview] = None) -> Plan:
    """V1 converter on a frozen GraphDef file, or on `contents`, its bytes
    when they were read already (built in memory where frozen_graph_in_memory can)."""
    cls, name = _v1_class()
    with _converter_errors("frozen graph", path, "--input_arrays/--output_arrays"):
        try:
            graph = graphdef_io.read_contents(path) if contents is None else contents
        except InputError:
            graph = None  # from_frozen_graph says why, its own way
        converter = frozen_graph_in_memory.converter(cls, graph, input_arrays, output_arrays, input_shapes)
        if converter is None:
            converter = cls.from_frozen_graph(path, list(input_arrays), list(output_arrays),
                                              input_shapes=input_shapes or None)
    return Plan(converter, f"{name}.from_frozen_graph")


def from_frozen_graph_bytes(graph: bytes, input_arrays: Sequence[str], output_arrays: Sequence[str],
                            input_shapes: Optional[dict] = None) -> Plan:
    """from_frozen_graph on a binary GraphDef in memory (one the plan changed)."""
    cls, name = _v1_class()
    with _captured_output():
        converter = frozen_graph_in_memory.converter(cls, graph, input_arrays, output_arrays, input_shapes)
    if converter is not None:
        return Plan(converter, f"{name}.from_frozen_graph")
    with tempfile.TemporaryDirectory(prefix="tflite-tools-") as tmp:
        path = os.path.join(tmp, "frozen.pb")
        with open(path, "wb") as f:
            f.write(graph)
        return from_frozen_graph(path, input_arrays, output_arrays, input_shapes)


def from_saved_model_v1(saved_model_dir: str, tags: Sequence[str], signature_key: str) -> Plan:
    """V1 converter on a TF1 SavedModel signature (freezes it internally)."""
    cls, name = _v1_class()
    with _converter_errors("SavedModel", saved_model_dir, "--signature_key"):
        converter = cls.from_saved_model(saved_model_dir, tag_set=set(tags), signature_key=signature_key)
    return Plan(converter, f"{name}.from_saved_model")


def from_saved_model(saved_model_dir: str, tags: Sequence[str], signature_key: str) -> Plan:
    """V2 converter on a TF2 SavedModel signature."""
    tf = tensorflow()
    with _converter_errors("SavedModel", saved_model_dir, "--signature_key"):
        converter = tf.lite.TFLiteConverter.from_saved_model(
            saved_model_dir, signature_keys=[signature_key], tags=set(tags))
    return Plan(converter, f"{V2}.from_saved_model")


def from_keras_model(model) -> Plan:
    """V2 converter on a live Keras model (Keras 3 or tf_keras)."""
    tf = tensorflow()
    with _captured_output():
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
    return Plan(converter, f"{V2}.from_keras_model", (model,))


def from_concrete_functions(functions: Sequence, trackable=None) -> Plan:
    """V2 converter on concrete functions (tf.Module, fixed input shapes)."""
    tf = tensorflow()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(list(functions), trackable)
    return Plan(converter, f"{V2}.from_concrete_functions", (trackable,))


def from_session(sess, input_tensors: Sequence, output_tensors: Sequence) -> Plan:
    """V1 converter on a live tf.compat.v1.Session (freezes its variables)."""
    cls, name = _v1_class()
    with _converter_errors("session", "the session", "input/output tensors"):
        converter = cls.from_session(sess, list(input_tensors), list(output_tensors))
    return Plan(converter, f"{name}.from_session")


# --- Keras files -----------------------------------------------------------------

def unsafe_keras_layers(config) -> list[str]:
    """Layers in a Keras model config whose loading runs code: Lambda layers and
    classes Keras does not register itself (custom objects), as "Lambda 'name'"."""
    import keras

    found = []

    def walk(node):
        if isinstance(node, dict):
            cls = node.get("class_name")
            if isinstance(cls, str) and isinstance(node.get("config"), dict):
                name = node["config"].get("name", "")
                module = node.get("module")
                registered = str(node.get("registered_name") or "")
                if cls == "Lambda":
                    found.append(f"Lambda layer '{name}'")
                elif ">" in registered or (module is not None and not str(module).startswith("keras")):
                    found.append(f"custom object {registered or cls} '{name}'")
                elif module is None and cls[:1].isupper() and not _keras_knows(keras, cls):
                    found.append(f"custom object {cls} '{name}'")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return found


def _keras_knows(keras, class_name: str) -> bool:
    namespaces = (keras.layers, keras.models, keras.initializers, keras.regularizers,
                  keras.constraints, keras.activations, keras.optimizers, keras.losses, keras.metrics)
    return class_name in ("Functional", "Sequential", "Model", "DTypePolicy") or \
        any(hasattr(ns, class_name) for ns in namespaces)


def with_fixed_shapes(model, shapes, dtypes):
    """The same Keras model (shared weights) behind Inputs of the given shapes."""
    keras = importlib.import_module(type(model).__module__.split(".")[0])
    inputs = [keras.Input(batch_shape=tuple(shape), dtype=dtype, name=name)
              for shape, dtype, name in zip(shapes, dtypes, (t.name for t in model.inputs))]
    outputs = model(inputs[0] if len(inputs) == 1 else inputs)
    return keras.Model(inputs, outputs, name=model.name)


# --- options ---------------------------------------------------------------------

def apply_options(converter, *, quantize: str = "none", representative_dataset: Optional[Callable] = None,
                  inference_input_type: str = "", inference_output_type: str = "",
                  allow_select_tf_ops: bool = False, allow_custom_ops: bool = False) -> None:
    """Set optimizations, target ops and I/O types on a V1 or V2 converter.

    Raises:
      UsageError: an unknown mode or type, or int8/int16x8 without data.
    """
    tf = tensorflow()
    if quantize not in QUANTIZE_MODES:
        raise UsageError(f"--quantize {quantize} is not a mode; use one of {', '.join(QUANTIZE_MODES)}.")
    ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantize in ("int8", "int16x8"):
        if representative_dataset is None:
            raise UsageError(f"--quantize {quantize} needs calibration data; pass --representative_data "
                             "FILE.npz with an array per input name.")
        converter.representative_dataset = representative_dataset
        ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8 if quantize == "int8" else
               tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    elif representative_dataset is not None:
        converter.representative_dataset = representative_dataset
    if allow_select_tf_ops:
        ops.append(tf.lite.OpsSet.SELECT_TF_OPS)
    converter.target_spec.supported_ops = ops
    converter.allow_custom_ops = bool(allow_custom_ops)
    for attribute, value, flag in (("inference_input_type", inference_input_type, "--inference_input_type"),
                                   ("inference_output_type", inference_output_type,
                                    "--inference_output_type")):
        if not value:
            continue
        if value not in INTEGER_IO_TYPES:
            raise UsageError(f"{flag} {value} is not supported; use one of {', '.join(INTEGER_IO_TYPES)}.")
        if value != "float32" and quantize not in ("int8", "int16x8"):
            raise UsageError(f"{flag} {value} needs an integer model; add --quantize int8 (or int16x8) "
                             "with --representative_data.")
        setattr(converter, attribute, getattr(tf, value))


# --- running ---------------------------------------------------------------------

def run(plan: Plan) -> bytes:
    """Convert; returns the flatbuffer.

    Raises:
      ConversionError: the converter refused; the message names the ops
        that need select TF ops or custom ops and the flag that helps.
    """
    failure = None
    with _captured_output() as captured:
        try:
            flatbuffer = bytes(plan.converter.convert())
        except Exception as exc:  # noqa: BLE001 - the converter raises ConverterError, ValueError, ...
            failure = exc
    if failure is None:
        return flatbuffer
    text = f"{failure}\n{captured.getvalue()}"
    select_ops, custom_ops = converter_errors.unsupported_ops(failure, text)
    raise converter_errors.conversion_error(select_ops, custom_ops, text) from failure


def _first_line(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


@contextlib.contextmanager
def _converter_errors(kind: str, where: str, flag: str):
    """Turn the V1 constructors' ValueError/IOError into one-sentence errors."""
    try:
        with _captured_output():
            yield
    except (ValueError, OSError, KeyError) as exc:
        message = _first_line(exc)
        if "None is only supported in the 1st dimension" in message:
            raise UsageError(f"{message}; fix the shape with --input_shapes.") from exc
        if "Invalid tensors" in message:
            raise UsageError(f"{message} in the {kind} '{where}'; check {flag}.") from exc
        raise InputError(f"cannot open the {kind} '{where}' for conversion: {message}.") from exc
