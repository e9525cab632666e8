"""`convert --quantize int8 --keep_float NAME[,..]`: keep chosen layers in float.

TensorFlow's converter keeps layers in float through its quantization
debugger (tf.lite.experimental.QuantizationDebugger, TF >= 2.7): the model is
calibrated, then quantized with QuantizationDebugOptions' denylisted ops
(TFLite op names: CONV_2D) and denylisted nodes (the calibrated model's
tensor names). A NAME here is either an op name, or a tensor or TensorFlow
node name as `verify --layers` lists them: a name matches every tensor of
the calibrated model that it names, whole or as one of its ';'-joined parts.

Only calibrated (int8) quantization has these options; dynamic-range and
float16 quantization keep no chosen layer in float.
"""

from __future__ import annotations

import dataclasses
import re

from tflite_tools.convert import converter_api
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import UsageError


def check(quantize: str, names) -> None:
    """UsageError unless `names` can be kept in float under `quantize`."""
    if names and quantize != "int8":
        raise UsageError(f"--keep_float needs --quantize int8 (got {quantize}): TensorFlow's converter keeps "
                         "chosen layers in float only when it quantizes with calibration data; "
                         "dynamic-range and float16 modes have no such option.")


def run(plan: converter_api.Plan, names, representative_dataset, fully_quantize: bool) -> bytes:
    """Convert `plan` (options already applied) keeping `names` in float."""
    tf = tensorflow()
    experimental = tf.lite.experimental
    if not hasattr(experimental, "QuantizationDebugger"):
        raise UsageError(f"--keep_float needs tf.lite.experimental.QuantizationDebugger (TensorFlow >= 2.7); "
                         f"this is TensorFlow {tf.__version__}.")
    converter = plan.converter
    converter._experimental_calibrate_only = True  # the debugger's own switch: calibrate, do not quantize
    try:
        calibrated = converter_api.run(plan)
    finally:
        converter._experimental_calibrate_only = False
    ops, nodes = resolve(calibrated, names)
    try:
        options = experimental.QuantizationDebugOptions(denylisted_ops=ops, denylisted_nodes=nodes,
                                                        fully_quantize=fully_quantize)
    except TypeError as exc:
        raise UsageError(f"this TensorFlow ({tf.__version__}) cannot keep layers in float: its "
                         "QuantizationDebugOptions has no denylists (TensorFlow >= 2.7 has).") from exc
    return converter_api.run(dataclasses.replace(plan, converter=_Debugged(converter, representative_dataset,
                                                                           options)))


@dataclasses.dataclass
class _Debugged:
    """A converter whose convert() quantizes through the debugger."""

    converter: object
    dataset: object
    options: object

    def convert(self) -> bytes:
        debugger = tensorflow().lite.experimental.QuantizationDebugger(
            converter=self.converter, debug_dataset=self.dataset, debug_options=self.options)
        return debugger.get_nondebug_quantized_model()


def resolve(model: bytes, names) -> tuple[list, list]:
    """(op names, tensor names) of the calibrated `model` that `names` name.

    Raises UsageError for a name that names nothing in it.
    """
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415 (heavy, lazy)

    interpreter = Interpreter(model_content=model)
    op_names = {op["op_name"] for op in interpreter._get_ops_details()}
    tensors = [d["name"] for d in interpreter.get_tensor_details()]
    ops, nodes = [], []
    for name in names:
        if name in op_names:
            ops.append(name)
            continue
        wanted = {name, name.removesuffix(":0"), re.sub(r"\d+$", "", name)}
        found = [t for t in tensors if wanted & _parts(t)]
        if not found:
            raise UsageError(f"--keep_float {name} names no op or tensor of the model; pass a TFLite op "
                             f"({', '.join(sorted(op_names))}) or a tensor as `verify --layers` lists it.")
        nodes.extend(t for t in found if t not in nodes)
    return ops, nodes


def _parts(tensor: str) -> set:
    """The node names a tensor name joins, also without the digit the
    converter appends to a taken name ("dense/MatMul1")."""
    parts = tensor.split(";")
    return set(parts) | {re.sub(r"\d+$", "", part) for part in parts}
