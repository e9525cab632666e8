"""What a .tflite flatbuffer holds, for `inspect`: the ModelSummary filled
from tflite_tools.formats.tflite_flatbuffer (no TensorFlow).

Inputs/outputs are subgraph 0's; shapes use `shape_signature` when the
model has one (-1 for dynamic dimensions). Select TF ops appear as custom
ops named "Flex<Op>". `tflite` details: weight precision, the TFLITE_METADATA
(normalization, labels), and, only for a model with custom or select TF ops,
which of them the stock LiteRT interpreter resolves: LiteRT itself is asked
(ai_edge_litert is imported then, and only then).
"""

from __future__ import annotations

import collections
import re

from tflite_tools.formats import tflite_flatbuffer as flatbuffer
from tflite_tools.formats import tflite_metadata
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
        _details(data, model, summary)
    except flatbuffer.READ_ERRORS as exc:
        raise flatbuffer.unreadable(exc) from exc


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


def _details(data: bytes, model, summary) -> None:
    details = summary.tflite
    details.weight_precision = flatbuffer.WEIGHT_PRECISIONS[flatbuffer.quantization_kind(model)]
    buffer = flatbuffer.metadata_buffer(model, tflite_metadata.NAME)
    metadata = tflite_metadata.read(data, buffer) if buffer else None
    if metadata is not None:
        details.metadata.CopyFrom(metadata)
    compat = summary.tflite_compatibility
    ops = [*compat.custom_ops, *(flatbuffer.FLEX_PREFIX + op for op in compat.select_tf_ops)]
    if ops:
        unresolved = unresolved_ops(data, ops)
        details.runnable_custom_ops.extend(op for op in ops if op not in unresolved)
        details.unresolved_custom_ops.extend(op for op in ops if op in unresolved)


_UNRESOLVED = re.compile(r"unresolved custom op: (\S+?)\.?(?:\s|$)|"
                         r"Select TensorFlow op\(s\), included in the given model, is\(are\) not supported")


def unresolved_ops(data: bytes, ops: list[str]) -> set[str]:
    """The ops among `ops` (custom op codes) that the stock LiteRT interpreter
    does not resolve: an interpreter is built for `data` and its tensors
    allocated; the ops its error names (every Flex op when it names select
    TF ops; all of `ops` when it names none)."""
    from ai_edge_litert.interpreter import Interpreter  # only for models with custom ops

    try:
        Interpreter(model_content=bytes(data)).allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        message = str(exc)
        named = {match.group(1) for match in _UNRESOLVED.finditer(message) if match.group(1)}
        if _UNRESOLVED.search(message) and not named or "Select TensorFlow op" in message:
            named |= {op for op in ops if op.startswith(flatbuffer.FLEX_PREFIX)}
        return {op for op in ops if op in named} or set(ops)
    return set()
