"""What a .tflite flatbuffer holds, for `inspect`, read with the `tflite`
package's schema classes (no TensorFlow, no interpreter).

Inputs/outputs are subgraph 0's; shapes use `shape_signature` when the
model has one (-1 for dynamic dimensions). Select TF ops appear as custom
ops named "Flex<Op>".
"""

from __future__ import annotations

import collections
import math
import struct

import tflite

from tflite_tools.errors import InputError
from tflite_tools.proto import common_pb2, summary_pb2

_TYPE_NAMES = {value: name.lower() for name, value in vars(tflite.TensorType).items()
               if not name.startswith("_")}
_FLEX_PREFIX = "Flex"


def _tensor(subgraph, index: int, name: str = "", op: str = "") -> common_pb2.TensorSpec:
    tensor = subgraph.Tensors(index)
    shape = (tensor.ShapeSignatureAsNumpy() if tensor.ShapeSignatureLength()
             else tensor.ShapeAsNumpy() if tensor.ShapeLength() else [])
    tensor_name = tensor.Name().decode("utf-8", "replace")
    return common_pb2.TensorSpec(
        name=name or tensor_name, dtype=_TYPE_NAMES.get(tensor.Type(), f"type_{tensor.Type()}"),
        shape=[int(d) for d in shape], op=op, tensor_name=tensor_name, index=index)


def _op_name(model, code_index: int) -> tuple[str, bool]:
    """(op name, is custom) of an operator code."""
    code = model.OperatorCodes(code_index)
    if code.CustomCode():
        return code.CustomCode().decode("utf-8", "replace"), True
    # Schema 3a: codes above 127 live in builtin_code, older ones in the deprecated field.
    builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    return tflite.BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}"), False


def describe(data: bytes, summary: summary_pb2.ModelSummary) -> None:
    """Fill inputs, outputs, signatures, the op histogram, const parameters
    and the ops it needs (tflite_compatibility)."""
    try:
        model = tflite.Model.GetRootAs(data, 0)
        _describe(model, summary)
    except (IndexError, ValueError, TypeError, AttributeError, struct.error) as exc:  # what a corrupt buffer raises
        raise InputError(f"the .tflite flatbuffer cannot be read ({type(exc).__name__}: {exc}); it may "
                         "be truncated: convert or copy it again.") from exc


def _describe(model, summary) -> None:
    if not model.SubgraphsLength():
        raise ValueError("the model has no subgraph")
    subgraph = model.Subgraphs(0)
    producers = {}
    counts = collections.Counter()
    custom = set()
    for g in range(model.SubgraphsLength()):
        graph = model.Subgraphs(g)
        for o in range(graph.OperatorsLength()):
            operator = graph.Operators(o)
            name, is_custom = _op_name(model, operator.OpcodeIndex())
            counts[name] += 1
            if is_custom:
                custom.add(name)
            if g == 0:
                for out in operator.OutputsAsNumpy() if operator.OutputsLength() else []:
                    producers[int(out)] = name
    summary.inputs.extend(_tensor(subgraph, int(i)) for i in subgraph.InputsAsNumpy())
    summary.outputs.extend(_tensor(subgraph, int(i), op=producers.get(int(i), ""))
                           for i in subgraph.OutputsAsNumpy())
    summary.node_count = sum(counts.values())
    summary.function_count = model.SubgraphsLength()
    summary.op_counts.extend(common_pb2.OpCount(op=op, count=n)
                             for op, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    summary.const_parameters = _const_parameters(model)
    summary.producer = _producer(model)
    for s in range(model.SignatureDefsLength()):
        signature = model.SignatureDefs(s)
        graph = model.Subgraphs(signature.SubgraphIndex())
        entry = summary.signatures.add(key=signature.SignatureKey().decode("utf-8"))
        for j in range(signature.InputsLength()):
            tensor_map = signature.Inputs(j)
            entry.inputs.append(_tensor(graph, tensor_map.TensorIndex(), tensor_map.Name().decode("utf-8")))
        for j in range(signature.OutputsLength()):
            tensor_map = signature.Outputs(j)
            entry.outputs.append(_tensor(graph, tensor_map.TensorIndex(), tensor_map.Name().decode("utf-8")))
    compat = summary.tflite_compatibility
    compat.builtin_ops.extend(sorted(op for op in counts if op not in custom))
    compat.select_tf_ops.extend(op[len(_FLEX_PREFIX):] for op in sorted(custom) if op.startswith(_FLEX_PREFIX))
    compat.custom_ops.extend(op for op in sorted(custom) if not op.startswith(_FLEX_PREFIX))
    compat.convertible_with_builtins = not custom


def _producer(model) -> str:
    """The converter's description and the minimum runtime version it recorded
    (metadata "min_runtime_version"), which older interpreters trip over."""
    description = (model.Description() or b"").decode("utf-8", "replace")
    for m in range(model.MetadataLength()):
        metadata = model.Metadata(m)
        if metadata.Name() == b"min_runtime_version" and 0 < metadata.Buffer() < model.BuffersLength():
            raw = model.Buffers(metadata.Buffer()).DataAsNumpy()
            if not isinstance(raw, int):  # DataAsNumpy gives 0 for an empty buffer
                version = bytes(raw).split(b"\0", 1)[0].decode("utf-8", "replace")
                return f"{description} (min runtime {version})".strip()
    return description


def _const_parameters(model) -> int:
    """Elements of subgraph 0's tensors that carry data in a buffer."""
    subgraph = model.Subgraphs(0)
    total = 0
    for t in range(subgraph.TensorsLength()):
        tensor = subgraph.Tensors(t)
        index = tensor.Buffer()
        if index <= 0 or index >= model.BuffersLength():
            continue
        buffer = model.Buffers(index)
        if buffer.DataLength() or buffer.Size():
            total += math.prod(int(d) for d in tensor.ShapeAsNumpy()) if tensor.ShapeLength() else 1
    return total
