"""The one reader of .tflite flatbuffers, with the `tflite` package's schema
classes (no TensorFlow, no interpreter); the ops and I/O every conversion
reports (`read_ops`, `read_io`) are read by field slot with
formats.flatbuffer_table, four times as fast.

    >>> model = read_model(data)
    >>> [(code.name, code.kind) for code in op_codes(model)]
    [('CONV_2D', 'builtin'), ('FlexCumprod', 'select_tf'), ('Erfinv', 'custom')]
    >>> inputs, outputs = read_io(data)     # subgraph 0's, as TensorSpecs

Operator codes are named once (`op_code`): a CUSTOM code with a custom code
is a custom op, "Flex<Op>" ones being select TF ops; every other code is the
builtin it numbers, as the interpreter reads it. Shapes are `shape_signature` when the model has one (-1
for dynamic dimensions), else `shape`. A corrupt buffer raises one of
READ_ERRORS, which callers turn into `unreadable(exc)`.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import struct
from typing import Iterator, Optional

import tflite

from tflite_tools.errors import InputError
from tflite_tools.formats.flatbuffer_table import INT8, INT32, UINT32, Table
from tflite_tools.proto import common_pb2, conversion_pb2

TYPE_NAMES = {value: name.lower() for name, value in vars(tflite.TensorType).items()
              if not name.startswith("_")}
FLEX_PREFIX = "Flex"
# What reading a corrupt buffer raises (here and in the flatbuffers runtime).
READ_ERRORS = (IndexError, ValueError, TypeError, AttributeError, struct.error)

# Field slots of the schema's tables (tensorflow/compiler/mlir/lite/schema/schema.fbs), for
# read_ops and read_io: they run on every conversion and read with flatbuffer_table.
_MODEL_OPERATOR_CODES, _MODEL_SUBGRAPHS = 1, 2
_SUBGRAPH_TENSORS, _SUBGRAPH_INPUTS, _SUBGRAPH_OUTPUTS, _SUBGRAPH_OPERATORS = 0, 1, 2, 3
_OPERATOR_OPCODE_INDEX = 0
_CODE_DEPRECATED_BUILTIN, _CODE_CUSTOM, _CODE_BUILTIN = 0, 1, 3
_TENSOR_SHAPE, _TENSOR_TYPE, _TENSOR_NAME, _TENSOR_SHAPE_SIGNATURE = 0, 1, 3, 7


def unreadable(exc: Exception, path: str = "") -> InputError:
    """The InputError for a buffer that raised `exc`, one of READ_ERRORS."""
    what = f"'{path}' is a .tflite flatbuffer that" if path else "the .tflite flatbuffer"
    return InputError(f"{what} cannot be read ({exc or type(exc).__name__}); it may be truncated: convert "
                      "or copy it again.")


def read_model(data: bytes):
    """The flatbuffer's root `tflite.Model` (read lazily, field by field)."""
    return tflite.Model.GetRootAs(data, 0)


# --- operator codes ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class OpCode:
    """One operator code. `name` is the custom code of custom and select TF
    ops ("FlexCumprod"), else the builtin's schema name ("CONV_2D"), or
    BUILTIN_<n> for a builtin newer than the `tflite` package; `kind` is
    "builtin", "select_tf" or "custom"."""

    builtin: int
    name: str
    kind: str

    @property
    def op(self) -> str:
        """The name without the Flex prefix of select TF ops ("Cumprod")."""
        return self.name[len(FLEX_PREFIX):] if self.kind == "select_tf" else self.name

    @property
    def known(self) -> bool:
        """False for a builtin the `tflite` package's schema does not name."""
        return self.kind != "builtin" or self.builtin in tflite.BUILTIN_OPCODE2NAME


def op_code(model, index: int) -> OpCode:
    code = model.OperatorCodes(index)
    return _named_code(code.BuiltinCode(), code.DeprecatedBuiltinCode(), code.CustomCode())


def _named_code(builtin: int, deprecated_builtin: int, custom: Optional[bytes]) -> OpCode:
    # Schema 3a: codes above 127 live in builtin_code, older ones in the deprecated field.
    builtin = max(builtin, deprecated_builtin)
    if builtin == tflite.BuiltinOperator.CUSTOM and custom:
        name = custom.decode("utf-8", "replace")
        return OpCode(builtin, name, "select_tf" if name.startswith(FLEX_PREFIX) else "custom")
    return OpCode(builtin, tflite.BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}"), "builtin")


def op_codes(model) -> list[OpCode]:
    return [op_code(model, i) for i in range(model.OperatorCodesLength())]


def operators(model, codes: Optional[list[OpCode]] = None) -> Iterator[tuple[int, object, OpCode]]:
    """(subgraph index, tflite.Operator, its OpCode) for every operator of every
    subgraph. Without `codes`, each operator's code is read when it is reached."""
    for g in range(model.SubgraphsLength()):
        graph = model.Subgraphs(g)
        for o in range(graph.OperatorsLength()):
            operator = graph.Operators(o)
            index = operator.OpcodeIndex()
            yield g, operator, codes[index] if codes is not None else op_code(model, index)


def non_builtin_ops(model) -> tuple[list[str], list[str]]:
    """(Flex ops, other custom ops) the model's operator codes name, sorted."""
    codes = op_codes(model)
    return (sorted({c.name for c in codes if c.kind == "select_tf"}),
            sorted({c.name for c in codes if c.kind == "custom"}))


def read_ops(flatbuffer: bytes) -> list:
    """OpUsage per op in the flatbuffer (builtin / select_tf / custom), most used first."""
    model = Table.root(flatbuffer)
    codes = [_named_code(c.scalar(_CODE_BUILTIN, INT32), c.scalar(_CODE_DEPRECATED_BUILTIN, INT8),
                         c.string(_CODE_CUSTOM)) for c in model.tables(_MODEL_OPERATOR_CODES)]
    counts = collections.Counter(
        # A builtin newer than the schema is named by its number here.
        (code.op if code.known else str(code.builtin), code.kind)
        for code in (codes[operator.scalar(_OPERATOR_OPCODE_INDEX, UINT32)]
                     for subgraph in model.tables(_MODEL_SUBGRAPHS)
                     for operator in subgraph.tables(_SUBGRAPH_OPERATORS)))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [conversion_pb2.OpUsage(op=op, kind=kind, count=n) for (op, kind), n in ordered]


# --- tensors ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Tensor:
    """One tensor of a subgraph. `raw_name` is the name's bytes (None when
    unset); `type` the TensorType value; `shape` a list of ints."""

    index: int
    raw_name: Optional[bytes]
    type: int
    shape: list

    @property
    def name(self) -> str:
        return self.raw_name.decode("utf-8", "replace")

    @property
    def dtype(self) -> str:
        """The type's name ("float32"); type_<n> for a type newer than the `tflite` package."""
        return TYPE_NAMES.get(self.type, f"type_{self.type}")


def tensor(subgraph, index: int) -> Tensor:
    found = subgraph.Tensors(index)
    shape = (found.ShapeSignatureAsNumpy() if found.ShapeSignatureLength()
             else found.ShapeAsNumpy() if found.ShapeLength() else [])
    return Tensor(index=int(index), raw_name=found.Name(), type=found.Type(), shape=[int(d) for d in shape])


def read_io(flatbuffer: bytes):
    """(inputs, outputs) of the main subgraph as TensorSpecs (shape_signature, -1 dynamic)."""
    subgraph = Table.root(flatbuffer).tables(_MODEL_SUBGRAPHS)[0]

    def spec(index):
        found = subgraph.table(_SUBGRAPH_TENSORS, index)
        # Strict UTF-8, and no name for an unknown type, as convert's report always had.
        return common_pb2.TensorSpec(
            name=found.string(_TENSOR_NAME).decode(), dtype=TYPE_NAMES.get(found.scalar(_TENSOR_TYPE, INT8), ""),
            shape=found.numbers(_TENSOR_SHAPE_SIGNATURE, "i") or found.numbers(_TENSOR_SHAPE, "i"), index=index)

    return ([spec(i) for i in subgraph.numbers(_SUBGRAPH_INPUTS, "i")],
            [spec(i) for i in subgraph.numbers(_SUBGRAPH_OUTPUTS, "i")])


# --- buffers and metadata ----------------------------------------------------------------

def const_parameters(model) -> int:
    """Elements of subgraph 0's tensors that carry data in a buffer."""
    subgraph = model.Subgraphs(0)
    return sum(constant_elements(model, subgraph.Tensors(t)) for t in range(subgraph.TensorsLength()))


def constant_elements(model, found) -> int:
    """Elements of the tflite.Tensor `found` when a buffer holds its data, else 0."""
    index = found.Buffer()
    if index <= 0 or index >= model.BuffersLength():
        return 0
    buffer = model.Buffers(index)
    if buffer.DataLength() or buffer.Size():
        return math.prod(int(d) for d in found.ShapeAsNumpy()) if found.ShapeLength() else 1
    return 0


def producer(model) -> str:
    """The converter's description and the minimum runtime version it recorded
    (metadata "min_runtime_version"), which older interpreters trip over."""
    description = (model.Description() or b"").decode("utf-8", "replace")
    raw = metadata_buffer(model, b"min_runtime_version")
    if raw:
        version = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
        return f"{description} (min runtime {version})".strip()
    return description


def metadata_buffer(model, name: bytes) -> bytes | None:
    """The bytes of the model metadata entry `name` (None when absent or empty)."""
    for m in range(model.MetadataLength()):
        metadata = model.Metadata(m)
        if metadata.Name() == name and 0 < metadata.Buffer() < model.BuffersLength():
            raw = model.Buffers(metadata.Buffer()).DataAsNumpy()
            return None if isinstance(raw, int) else bytes(raw)  # DataAsNumpy gives 0 for an empty buffer
    return None


def quantized_weight_outputs(model) -> set[int]:
    """Subgraph 0's tensors written by ops that read int8 weights: an int8
    constant input (the hybrid kernels of dynamic-range models), or the
    output of a DEQUANTIZE of one."""
    subgraph = model.Subgraphs(0)
    codes = op_codes(model)

    def int8_constant(index: int) -> bool:
        found = subgraph.Tensors(index)
        return found.Type() == tflite.TensorType.INT8 and constant_elements(model, found) > 0

    dequantized = set()
    for o in range(subgraph.OperatorsLength()):
        operator = subgraph.Operators(o)
        if (codes[operator.OpcodeIndex()].name == "DEQUANTIZE" and operator.InputsLength()
                and int8_constant(operator.Inputs(0))):
            dequantized.update(int(operator.Outputs(k)) for k in range(operator.OutputsLength()))
    written = set()
    for o in range(subgraph.OperatorsLength()):
        operator = subgraph.Operators(o)
        if codes[operator.OpcodeIndex()].name == "DEQUANTIZE":
            continue
        inputs = [int(operator.Inputs(i)) for i in range(operator.InputsLength())]
        if any(t >= 0 and (t in dequantized or int8_constant(t)) for t in inputs):
            written.update(int(operator.Outputs(k)) for k in range(operator.OutputsLength()))
    return written


WEIGHT_PRECISIONS = {"none": "float32", "float16": "float16", "dynamic": "dynamic-range int8",
                     "int8": "full int8", "int16x8": "int16x8"}


def quantization_kind(model) -> str:
    """What convert's --quantize would have been: "int16x8" (int16
    activations), "int8" (integer activations), "dynamic" (integer weights,
    float activations), "float16" (float16 weights) or "none". Constants are
    tensors with data in their buffer."""
    int_weights = int8_acts = int16_acts = half_weights = False
    for s in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(s)
        for t in range(subgraph.TensorsLength()):
            found = subgraph.Tensors(t)
            buffer = model.Buffers(found.Buffer()) if found.Buffer() < model.BuffersLength() else None
            constant = buffer is not None and (buffer.DataLength() > 0 or buffer.Offset() > 1)
            quant = found.Quantization()
            quantized = quant is not None and quant.ScaleLength() > 0
            kind = found.Type()
            if kind == tflite.TensorType.FLOAT16 and constant:
                half_weights = True
            if not quantized:
                continue
            if kind in (tflite.TensorType.INT8, tflite.TensorType.UINT8, tflite.TensorType.INT4):
                if constant:
                    int_weights = True
                else:
                    int8_acts = True
            elif kind == tflite.TensorType.INT16 and not constant:
                int16_acts = True
    if int16_acts:
        return "int16x8"
    if int8_acts:
        return "int8"
    if int_weights:
        return "dynamic"
    if half_weights:
        return "float16"
    return "none"
