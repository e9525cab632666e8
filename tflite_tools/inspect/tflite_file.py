"""What a .tflite flatbuffer holds, for `inspect`: the ModelSummary filled
from tflite_tools.formats.tflite_flatbuffer (no TensorFlow, no interpreter).

Inputs/outputs are subgraph 0's; shapes use `shape_signature` when the
model has one (-1 for dynamic dimensions). Select TF ops appear as custom
ops named "Flex<Op>".
"""

from __future__ import annotations

import collections
import struct

from tflite_tools.errors import InputError
from tflite_tools.formats import tflite_flatbuffer as flatbuffer
from tflite_tools.proto import common_pb2, summary_pb2


def _tensor(subgraph, index: int, name: str = "", op: str = "") -> common_pb2.TensorSpec:
    tensor = flatbuffer.tensor(subgraph, index)
    return common_pb2.TensorSpec(
        name=name or tensor.name, dtype=tensor.dtype, shape=tensor.shape, op=op,
        tensor_name=tensor.name, index=tensor.index)


def describe(data: bytes, summary: summary_pb2.ModelSummary) -> None:
    """Fill inputs, outputs, signatures, the op histogram, const parameters
    and the ops it needs (tflite_compatibility)."""
    try:
        model = flatbuffer.read_model(data)
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
    for g, operator, code in flatbuffer.operators(model):
        counts[code.name] += 1
        if code.kind != "builtin":
            custom.add(code.name)
        if g == 0:
            for out in operator.OutputsAsNumpy() if operator.OutputsLength() else []:
                producers[int(out)] = code.name
    summary.inputs.extend(_tensor(subgraph, int(i)) for i in subgraph.InputsAsNumpy())
    summary.outputs.extend(_tensor(subgraph, int(i), op=producers.get(int(i), ""))
                           for i in subgraph.OutputsAsNumpy())
    summary.node_count = sum(counts.values())
    summary.function_count = model.SubgraphsLength()
    summary.op_counts.extend(common_pb2.OpCount(op=op, count=n)
                             for op, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    summary.const_parameters = flatbuffer.const_parameters(model)
    summary.producer = flatbuffer.producer(model)
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
    compat.select_tf_ops.extend(op[len(flatbuffer.FLEX_PREFIX):] for op in sorted(custom)
                                if op.startswith(flatbuffer.FLEX_PREFIX))
    compat.custom_ops.extend(op for op in sorted(custom) if not op.startswith(flatbuffer.FLEX_PREFIX))
    compat.convertible_with_builtins = not custom
