"""`convert --quantize int8|dynamic --keep_float NAME[,..]`: keep chosen layers in float.

int8: TensorFlow's converter keeps layers in float through its quantization
debugger (tf.lite.experimental.QuantizationDebugger, TF >= 2.7): the model is
calibrated, then quantized with QuantizationDebugOptions' denylisted ops
(TFLite op names: CONV_2D) and denylisted nodes (the calibrated model's
tensor names).

dynamic: the converter has no denylist for dynamic-range quantization, so
the plan is converted twice, with its optimizations and without, and the
kept ops of the dynamic-range model get the float model's weights back
(convert.float_weights). A kept name must name an op with int8 weights.

A NAME is either an op name (every such op is kept), or a tensor or
TensorFlow node name as `verify --layers` lists them: a name matches every
tensor of the calibrated (int8) or dynamic-range model that it names, whole
or as one of its ';'-joined parts, and keeps the ops writing them.

float16 and int16x8 quantization keep no chosen layer in float.

    flatbuffer = run(plan, ["dense_2/MatMul1"], None, False, quantize="dynamic")
"""

from __future__ import annotations

import dataclasses
import re

from tflite_tools.convert import converter_api, float_weights
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import UsageError


# The quantization modes whose layers can be kept in float.
MODES = ("int8", "dynamic")


def check(quantize: str, names) -> None:
    """UsageError unless `names` can be kept in float under `quantize`."""
    if names and quantize not in MODES:
        raise UsageError(f"--keep_float needs --quantize int8 or dynamic (got {quantize}): only int8 and "
                         "dynamic-range models have int8 layers that can stay in float.")


def run(plan: converter_api.Plan, names, representative_dataset, fully_quantize: bool,
        quantize: str = "int8") -> bytes:
    """Convert `plan` (options already applied for `quantize`) keeping `names` in float.

    Raises:
      UsageError: a name names nothing in the model (dynamic: no op with int8
        weights), or this TensorFlow cannot keep layers in float.
    """
    if quantize == "dynamic":
        return _run_dynamic(plan, names)
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


def _run_dynamic(plan: converter_api.Plan, names) -> bytes:
    """The dynamic-range conversion with the kept ops' float weights put back."""
    dynamic = converter_api.run(plan)
    ops, nodes = set(), set()
    for name, (name_ops, name_nodes) in zip(names, resolve_each(dynamic, names)):
        if not float_weights.quantized_ops(dynamic, name_ops, name_nodes):
            raise UsageError(f"--keep_float {name} names no layer with quantized weights in the dynamic-range "
                             "model (only ops with int8 weights change when kept in float); pass one that "
                             "`verify --layers` suggests, or an op name such as FULLY_CONNECTED or CONV_2D.")
        ops.update(name_ops)
        nodes.update(name_nodes)
    converter = plan.converter
    optimizations = converter.optimizations
    converter.optimizations = []  # the same plan, unquantized: where the float weights come from
    try:
        float_model = converter_api.run(plan)
    finally:
        converter.optimizations = optimizations
    return float_weights.restore(dynamic, float_model, ops, nodes)


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
    ops, nodes = [], []
    for name_ops, name_nodes in resolve_each(model, names):
        ops.extend(o for o in name_ops if o not in ops)
        nodes.extend(t for t in name_nodes if t not in nodes)
    return ops, nodes


def resolve_each(model: bytes, names) -> list[tuple[list, list]]:
    """`resolve` name by name: (op names, tensor names) for each of `names`."""
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415 (heavy, lazy)

    interpreter = Interpreter(model_content=model)
    op_names = {op["op_name"] for op in interpreter._get_ops_details()}
    tensors = [d["name"] for d in interpreter.get_tensor_details()]
    resolved = []
    for name in names:
        if name in op_names:
            resolved.append(([name], []))
            continue
        wanted = {name, name.removesuffix(":0"), re.sub(r"\d+$", "", name)}
        found = [t for t in tensors if wanted & _parts(t)]
        if not found:
            raise UsageError(f"--keep_float {name} names no op or tensor of the model; pass a TFLite op "
                             f"({', '.join(sorted(op_names))}) or a tensor as `verify --layers` lists it.")
        resolved.append(([], list(dict.fromkeys(found))))
    return resolved


def _parts(tensor: str) -> set:
    """The node names a tensor name joins, also without the digit the
    converter appends to a taken name ("dense/MatMul1")."""
    parts = tensor.split(";")
    return set(parts) | {re.sub(r"\d+$", "", part) for part in parts}
