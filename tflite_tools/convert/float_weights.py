"""Put float weights back into chosen ops of a dynamic-range .tflite.

TensorFlow's converter has no denylist for dynamic-range quantization (only
its calibrated path takes denylisted ops and nodes), so `--quantize dynamic
--keep_float` converts twice, the same plan with and without optimizations,
and rewrites the dynamic-range model here:

    flatbuffer = restore(dynamic, float_model, ops={"CONV_2D"}, nodes={"dense/MatMul1"})

Each kept op (its op name in `ops`, or one of its output tensors in `nodes`)
gets, for each int8 constant weight input, the float constant of the float
model's corresponding op at the same input position. A weight input is an
int8 tensor with data in its buffer (what the hybrid kernels read), or the
output of a DEQUANTIZE of one. An op whose int8 output only feeds DEQUANTIZE
ops (GATHER over an int8 table) writes their float output instead. The
DEQUANTIZE ops and constants left unused are removed; everything else
(signature defs, metadata, the other ops) is the dynamic model's as it was.

The corresponding op: both models' ops, DEQUANTIZE left out, in the same
order with the same op codes (the converter runs the same passes on the same
graph), else the float op with the same op code writing a tensor of the same
name; UsageError when neither finds it. TensorFlow's own object API
(`tensorflow.lite.python.schema_py_generated` and
`tensorflow.lite.tools.flatbuffer_utils`, in the pip wheels of TF 2.15 to
2.21) reads and writes the flatbuffers.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import UsageError

DEQUANTIZE = "DEQUANTIZE"


def restore(dynamic: bytes, float_model: bytes, ops, nodes) -> bytes:
    """`dynamic` with the kept ops' weights taken from `float_model`.

    Args:
      dynamic: the dynamic-range flatbuffer.
      float_model: the same plan converted without optimizations.
      ops: op names ("FULLY_CONNECTED") whose every op is kept in float.
      nodes: tensor names whose producing ops are kept in float.

    Returns:
      The rewritten flatbuffer.

    Raises:
      UsageError: a kept op has no counterpart in the float model, or its
        weights cannot be swapped (an int8 output read by other ops than
        DEQUANTIZE; no float constant at the same input of the float op).
    """
    schema = _schema()
    target, source = _read(dynamic), _read(float_model)
    if len(target.subgraphs) != len(source.subgraphs):
        raise UsageError(f"--keep_float: the float conversion has {len(source.subgraphs)} subgraphs and the "
                         f"dynamic-range one {len(target.subgraphs)}; their ops cannot be matched.")
    for g in range(len(target.subgraphs)):
        _Rewrite(schema, target, source, g, set(ops), set(nodes)).run()
    return bytes(_utils().convert_object_to_bytearray(target))


def quantized_ops(dynamic: bytes, ops, nodes) -> list[str]:
    """Names ("FULLY_CONNECTED writing dense/MatMul1") of the ops `ops` and
    `nodes` keep that have int8 weights; empty when none has."""
    model = _read(dynamic)
    found = []
    for graph in model.subgraphs:
        view = _Graph(model, graph)
        for op in view.kept(set(ops), set(nodes)):
            if view.weight_inputs(op) or view.int8_outputs(op):
                found.append(f"{view.opname(op)} writing {view.name(op.outputs[0])}")
    return found


def _utils():
    tensorflow()  # quiet start-up first
    from tensorflow.lite.tools import flatbuffer_utils  # noqa: PLC0415 (heavy, lazy)

    return flatbuffer_utils


def _schema():
    tensorflow()
    from tensorflow.lite.python import schema_py_generated  # noqa: PLC0415 (heavy, lazy)

    return schema_py_generated


def _read(data: bytes):
    """The ModelT of `data`. TF 2.21's read_model_from_bytearray also inlines
    buffers stored past the flatbuffer (models over 2 GB); TF 2.15 and 2.17
    have only convert_bytearray_to_object, so that is done here."""
    model = _utils().convert_bytearray_to_object(bytearray(data))
    for buffer in model.buffers or []:
        if getattr(buffer, "offset", 0) > 1:  # older schemas have no offset field
            buffer.data = np.frombuffer(data, np.uint8, buffer.size, buffer.offset).copy()
            buffer.offset = buffer.size = 0
    return model


class _Graph:
    """One subgraph of a ModelT, with its producers and consumers."""

    def __init__(self, model, graph):
        self.model, self.graph = model, graph
        self.codes = [_code_name(model, i) for i in range(len(model.operatorCodes or []))]
        self.producer, self.consumers = {}, {}
        for op in graph.operators or []:
            for t in _ints(op.outputs):
                self.producer[t] = op
            for t in _ints(op.inputs):
                if t >= 0:
                    self.consumers.setdefault(t, []).append(op)

    def opname(self, op) -> str:
        return self.codes[op.opcodeIndex]

    def name(self, index: int) -> str:
        raw = self.graph.tensors[index].name
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")

    def constant(self, index: int) -> bool:
        buffer = self.graph.tensors[index].buffer
        return 0 < buffer < len(self.model.buffers) and self.model.buffers[buffer].data is not None \
            and len(self.model.buffers[buffer].data) > 0

    def int8_constant(self, index: int) -> bool:
        return self.graph.tensors[index].type == _schema().TensorType.INT8 and self.constant(index)

    def weight_inputs(self, op) -> list[int]:
        """Input positions of `op` that read an int8 constant, directly or through a DEQUANTIZE."""
        positions = []
        for i, t in enumerate(_ints(op.inputs)):
            if t < 0:
                continue
            feeder = self.producer.get(t)
            if self.int8_constant(t) or (feeder is not None and self.opname(feeder) == DEQUANTIZE
                                         and self.int8_constant(_ints(feeder.inputs)[0])):
                positions.append(i)
        return positions

    def int8_outputs(self, op) -> list[int]:
        """Output positions of `op` writing int8 from an int8 constant (GATHER over an int8 table)."""
        if not any(self.int8_constant(t) for t in _ints(op.inputs) if t >= 0):
            return []
        return [k for k, t in enumerate(_ints(op.outputs))
                if self.graph.tensors[t].type == _schema().TensorType.INT8]

    def kept(self, ops: set, nodes: set) -> list:
        return [op for op in self.graph.operators or []
                if self.opname(op) in ops or any(self.name(t) in nodes for t in _ints(op.outputs))]

    def sequence(self) -> list:
        return [op for op in self.graph.operators or [] if self.opname(op) != DEQUANTIZE]

    def references(self) -> set:
        used = set(_ints(self.graph.inputs)) | set(_ints(self.graph.outputs))
        for op in self.graph.operators or []:
            used.update(_ints(op.inputs), _ints(op.outputs), _ints(op.intermediates))
        return used


@dataclasses.dataclass
class _Rewrite:
    schema: object
    target: object
    source: object
    index: int
    ops: set
    nodes: set

    def run(self) -> None:
        view = _Graph(self.target, self.target.subgraphs[self.index])
        kept = view.kept(self.ops, self.nodes)
        if not kept:
            return
        other = _Graph(self.source, self.source.subgraphs[self.index])
        counterpart = _counterparts(view, other, kept)
        copied, dead, dropped = {}, set(), []
        for op in kept:
            twin = counterpart[id(op)]
            readers = self._dequantizing_readers(view, op)  # before the weights change
            for i in view.weight_inputs(op):
                old = _ints(op.inputs)[i]
                op.inputs[i] = self._float_constant(view, other, op, twin, i, copied)
                dead.add(old)
                feeder = view.producer.get(old)
                if feeder is not None and view.opname(feeder) == DEQUANTIZE:
                    dead.add(_ints(feeder.inputs)[0])
            for k, reader in readers.items():
                dead.add(_ints(op.outputs)[k])
                op.outputs[k] = _ints(reader.outputs)[0]  # the op now writes the float values itself
                dropped.append(reader)
        self._sweep(view, dead, dropped)

    @staticmethod
    def _dequantizing_readers(view, op) -> dict:
        """Output position -> the one DEQUANTIZE reading it, for each int8 output of `op`.

        Raises UsageError when an int8 output is read otherwise (a model
        output, another op, several DEQUANTIZE ops or none).
        """
        readers = {}
        for k in view.int8_outputs(op):
            tensor = _ints(op.outputs)[k]
            found = view.consumers.get(tensor, [])
            if tensor in _ints(view.graph.outputs) or len(found) != 1 or view.opname(found[0]) != DEQUANTIZE:
                raise UsageError(f"--keep_float cannot keep {view.opname(op)} ({view.name(tensor)}) in float: its "
                                 "int8 output is not read by one DEQUANTIZE op alone.")
            readers[k] = found[0]
        return readers

    def _float_constant(self, view, other, op, twin, i, copied) -> int:
        """Index in the target graph of a copy of `twin`'s float constant input `i`."""
        inputs = _ints(twin.inputs)
        found = inputs[i] if i < len(inputs) else -1
        if found < 0 or not other.constant(found) or other.graph.tensors[found].type != self.schema.TensorType.FLOAT32:
            raise UsageError(f"--keep_float cannot keep {view.opname(op)} ({view.name(_ints(op.outputs)[0])}) in "
                             f"float: the float conversion has no float constant at its input {i}.")
        if found not in copied:
            tensor = copy.deepcopy(other.graph.tensors[found])
            buffer = self.schema.BufferT()
            buffer.data = copy.copy(other.model.buffers[tensor.buffer].data)
            self.target.buffers.append(buffer)
            tensor.buffer = len(self.target.buffers) - 1
            view.graph.tensors.append(tensor)
            copied[found] = len(view.graph.tensors) - 1
        return copied[found]

    def _sweep(self, view, dead: set, dropped: list) -> None:
        """Remove DEQUANTIZE ops no op reads any more (and `dropped`), then the
        `dead` tensors nothing references, emptying buffers left unused."""
        graph = view.graph
        outputs = set(_ints(graph.outputs))
        while True:
            read = {t for op in graph.operators for t in _ints(op.inputs)}
            unread = [op for op in graph.operators if op in dropped or (
                view.opname(op) == DEQUANTIZE and _ints(op.inputs)[0] in dead
                and not set(_ints(op.outputs)) & (read | outputs))]
            if not unread:
                break
            for op in unread:
                graph.operators.remove(op)
                dead.update(_ints(op.outputs))
                dead.update(_ints(op.inputs))
            dropped = []
        signature_refs = {m.tensorIndex for s in self.target.signatureDefs or [] if s.subgraphIndex == self.index
                          for m in (s.inputs or []) + (s.outputs or [])}
        removed = dead - view.references() - signature_refs
        if not removed:
            return
        gone = {graph.tensors[t].buffer for t in removed}
        remap, kept = {}, []
        for t, tensor in enumerate(graph.tensors):
            if t not in removed:
                remap[t] = len(kept)
                kept.append(tensor)
        graph.tensors = kept

        def moved(values):
            return None if values is None else [remap[t] if t >= 0 else t for t in _ints(values)]

        graph.inputs, graph.outputs = moved(graph.inputs), moved(graph.outputs)
        for op in graph.operators:
            op.inputs, op.outputs, op.intermediates = moved(op.inputs), moved(op.outputs), moved(op.intermediates)
        for signature in self.target.signatureDefs or []:
            if signature.subgraphIndex == self.index:
                for m in (signature.inputs or []) + (signature.outputs or []):
                    m.tensorIndex = remap[m.tensorIndex]
        in_use = {tensor.buffer for g in self.target.subgraphs for tensor in g.tensors or []}
        in_use |= {m.buffer for m in self.target.metadata or []}
        for b in gone - in_use:
            if b > 0:
                self.target.buffers[b] = self.schema.BufferT()  # indices stay; the data goes


def _counterparts(view: _Graph, other: _Graph, kept: list) -> dict:
    """id(kept op) -> the float model's op computing the same thing."""
    mine, theirs = view.sequence(), other.sequence()
    if [view.opname(op) for op in mine] == [other.opname(op) for op in theirs]:
        position = {id(op): n for n, op in enumerate(mine)}
        return {id(op): theirs[position[id(op)]] for op in kept}
    by_name = {(other.opname(op), other.name(t)): op for op in theirs for t in _ints(op.outputs)}
    found = {}
    for op in kept:
        twin = next((by_name[key] for t in _ints(op.outputs)
                     if (key := (view.opname(op), view.name(t))) in by_name), None)
        if twin is None:
            raise UsageError(f"--keep_float cannot keep {view.opname(op)} ({view.name(_ints(op.outputs)[0])}) in "
                             "float: the float conversion has other ops and no op writing a tensor of that name.")
        found[id(op)] = twin
    return found


def _code_name(model, index: int) -> str:
    """The op name as the interpreter gives it: the custom code of custom ops, else the builtin's."""
    code = model.operatorCodes[index]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)  # schema 3a: codes > 127 in builtinCode
    operators = _schema().BuiltinOperator
    if builtin == operators.CUSTOM and code.customCode:
        raw = code.customCode
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return next((name for name, value in vars(operators).items() if value == builtin and not name.startswith("_")),
                f"BUILTIN_{builtin}")


def _ints(values) -> list[int]:
    return [] if values is None else [int(v) for v in values]
