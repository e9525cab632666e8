"""What a GraphDef holds, for `inspect`: inputs, outputs a user would
convert, variables, parameter counts, op histogram, and where to feed a
graph that has no Placeholder. No TensorFlow; no tensor content is decoded
(but for the scalar batch size of a queue's dequeue).

Inputs follow summarize_graph (op == "Placeholder"). Outputs start from
the sinks (nodes nothing consumes, Const and Placeholder aside) and leave
out, counting them as omitted, what only training and bookkeeping need:
the saver, initializers, summaries, the input pipeline, optimizer updates,
NoOps and asserts; and, while a value output remains, training-objective
sinks and handle-typed sinks (variant, resource).
"""

from __future__ import annotations

import collections
import dataclasses
import math
import re

from tflite_tools.core.dtypes import python_name
from tflite_tools.core.names import node_name
from tflite_tools.proto import common_pb2, summary_pb2

# Ops that hold a variable (TF1 ref variables and TF2 resource handles).
VARIABLE_OPS = frozenset({"Variable", "VariableV2", "VarHandleOp"})
# Sinks that are never what a user converts.
_BOOKKEEPING_OPS = frozenset({
    "NoOp", "Assert", "Print", "PrintV2",
    "VarIsInitializedOp", "IsVariableInitialized", "ReadVariableOp", "DestroyResourceOp",
    "SaveV2", "Save", "SaveSlices", "RestoreV2", "Restore", "RestoreSlice", "MergeV2Checkpoints",
    "MergeSummary", "IteratorToStringHandle", "OneShotIterator", "MakeIterator", "DeleteIterator",
    "InitializeTable", "InitializeTableV2", "InitializeTableFromTextFile", "InitializeTableFromTextFileV2",
    "ZerosLike",
}) | VARIABLE_OPS
_BOOKKEEPING_OP_PATTERN = re.compile(
    r"^(Assign|Apply|ResourceApply|SparseApply|ResourceSparseApply|QueueEnqueue|QueueClose|Iterator"
    r"|Write.*Summary)|Summary(V2)?$|Dataset(V\d+)?$")
# Name scopes TensorFlow puts training machinery in (save, save_1, gradients, ...).
_BOOKKEEPING_SCOPE = re.compile(r"^(save(_\d+)?|gradients(_\d+)?|report_uninitialized_variables)(/|$)")

# Sinks of the training objective: dropped when an inference output remains
# (a graph whose only outputs are these keeps them).
_TRAINING_SINK_OPS = frozenset({"Shape", "ShapeN", "Size", "Rank"})
_LOSS_SCOPE = re.compile(r"(^|/)[^/]*loss[^/]*(/|$)", re.IGNORECASE)
# Sinks of these dtypes are handles, not values (a cond_v2's gradient
# intermediates, TensorList handles): a tensor no model output is, dropped
# when a value output remains. DT_RESOURCE, DT_VARIANT.
_OPAQUE_DTYPES = frozenset({20, 21})

# Ops that hand out the batches of an input pipeline: (dtype attr, shape attr).
_DEQUEUE_OPS = {
    "IteratorGetNext": ("output_types", "output_shapes"),
    "IteratorGetNextSync": ("output_types", "output_shapes"),
    "QueueDequeue": ("component_types", None),
    "QueueDequeueV2": ("component_types", None),
    "QueueDequeueMany": ("component_types", None),
    "QueueDequeueManyV2": ("component_types", None),
    "QueueDequeueUpTo": ("component_types", None),
    "QueueDequeueUpToV2": ("component_types", None),
}
_DTYPE_ATTRS = ("dtype", "T", "DstT", "out_type", "output_type", "Tout", "type")


@dataclasses.dataclass
class GraphIndex:
    """The top-level nodes read once: protobuf field access is the cost of
    inspecting a big graph, so every analysis below shares these lists."""

    graph: object
    nodes: list
    names: list[str]
    ops: list[str]
    inputs: list[list[str]]
    # Source node of every input string (leading "^" and ":N" dropped).
    sources: list[list[str]]
    by_name: dict

    def node(self, name: str):
        position = self.by_name.get(name)
        return None if position is None else self.nodes[position]


def index(graph) -> GraphIndex:
    nodes = list(graph.node)
    names = [node.name for node in nodes]
    inputs = [list(node.input) for node in nodes]
    # TensorFlow node names never contain ":", so the part before it is the node.
    sources = [[i.partition(":")[0].lstrip("^") for i in ins] for ins in inputs]
    return GraphIndex(graph, nodes, names, [node.op for node in nodes], inputs, sources,
                      {name: position for position, name in enumerate(names)})


def tensor_spec(name: str, dtype: int, shape, op: str = "", tensor_name: str = "",
                index: int = 0) -> common_pb2.TensorSpec:
    """A TensorSpec from a DataType enum and a TensorShapeProto (None: unknown rank)."""
    spec = common_pb2.TensorSpec(name=name, dtype=python_name(dtype) if dtype else "", op=op,
                                 tensor_name=tensor_name, index=index)
    if shape is None or shape.unknown_rank:
        spec.unknown_rank = True
    else:
        spec.shape.extend(dim.size for dim in shape.dim)
    return spec


def elements(shape) -> int:
    """Element count of a TensorShapeProto; 0 when a dimension is unknown."""
    sizes = [dim.size for dim in shape.dim]
    return 0 if shape.unknown_rank or any(s < 0 for s in sizes) else math.prod(sizes)


def elements_of(spec: common_pb2.TensorSpec) -> int:
    """Element count of a TensorSpec; 0 when its shape is not fully known."""
    return 0 if spec.unknown_rank or any(d < 0 for d in spec.shape) else math.prod(spec.shape)


def _dtype(node) -> int:
    for key in _DTYPE_ATTRS:
        if key in node.attr and node.attr[key].type:
            return node.attr[key].type
    return 0


def _output_shape(node, index: int = 0):
    shapes = node.attr["_output_shapes"].list.shape if "_output_shapes" in node.attr else []
    return shapes[index] if index < len(shapes) else None


def inputs(g: GraphIndex) -> list[common_pb2.TensorSpec]:
    """Placeholder nodes in graph order, with their dtype and shape attrs."""
    specs = []
    for position, op in enumerate(g.ops):
        if op != "Placeholder":
            continue
        node = g.nodes[position]
        shape = node.attr["shape"].shape if "shape" in node.attr else None
        if shape is None or shape.unknown_rank:
            shape = _output_shape(node) or shape
        specs.append(tensor_spec(node.name, _dtype(node), shape, op, node.name + ":0", len(specs)))
    return specs


def outputs(g: GraphIndex) -> tuple[list[common_pb2.TensorSpec], list[str]]:
    """(outputs a user would convert, names of the bookkeeping sinks left out).

    Sinks are nodes no other node consumes (data or control edge).
    """
    consumed = {source for sources in g.sources for source in sources}
    candidates, omitted = [], []
    for position, (name, op) in enumerate(zip(g.names, g.ops)):
        if name in consumed or op in ("Const", "Placeholder"):
            continue
        if _is_bookkeeping(g, position):
            omitted.append(name)
        else:
            candidates.append(position)
    for dropped in ([p for p in candidates if g.ops[p] in _TRAINING_SINK_OPS or _LOSS_SCOPE.search(g.names[p])],
                    [p for p in candidates if _dtype(g.nodes[p]) in _OPAQUE_DTYPES]):
        if len(dropped) < len(candidates):
            omitted.extend(g.names[p] for p in dropped)
            candidates = [p for p in candidates if p not in dropped]
    kept = []
    for position in candidates:
        node = g.nodes[position]
        kept.append(tensor_spec(g.names[position], _dtype(node), _output_shape(node),
                                g.ops[position], g.names[position] + ":0", len(kept)))
    return kept, omitted


def _is_bookkeeping(g: GraphIndex, position: int) -> bool:
    op, name = g.ops[position], g.names[position]
    if op in _BOOKKEEPING_OPS or _BOOKKEEPING_OP_PATTERN.search(op) or _BOOKKEEPING_SCOPE.match(name):
        return True
    # An Identity of a training step (slim's train_op) waits on optimizer updates.
    return _waits_on_training(g, position, set())


def _waits_on_training(g: GraphIndex, position: int, seen: set) -> bool:
    """Does the node wait (control edges, through NoOp groups) on training machinery?

    A TF2 function's outputs are Identity nodes waiting on a NoOp that groups
    the variable reads (their Identity copies once frozen): not training.
    """
    for raw, source in zip(g.inputs[position], g.sources[position]):
        source_position = g.by_name.get(source)
        if not raw.startswith("^") or source_position is None or source_position in seen:
            continue
        seen.add(source_position)
        source_op = g.ops[source_position]
        if _BOOKKEEPING_SCOPE.match(source) or _BOOKKEEPING_OP_PATTERN.search(source_op):
            return True
        if source_op == "NoOp" and _waits_on_training(g, source_position, seen):
            return True
    return False


def invalid_inputs(g: GraphIndex) -> list[tuple[str, str]]:
    """(node, input) pairs whose input names no node of the graph."""
    return [(name, source) for name, sources in zip(g.names, g.sources) for source in sources
            if source not in g.by_name]


def variables(g: GraphIndex) -> list[common_pb2.TensorSpec]:
    """Variable/VariableV2/VarHandleOp nodes with their dtype and shape attrs."""
    specs = []
    for position, op in enumerate(g.ops):
        if op in VARIABLE_OPS:
            node = g.nodes[position]
            specs.append(tensor_spec(node.name, node.attr["dtype"].type,
                                     node.attr["shape"].shape if "shape" in node.attr else None, op))
    return specs


def describe(g: GraphIndex, summary: summary_pb2.ModelSummary) -> None:
    """Fill the graph-wide counts: nodes, functions, producer, const
    parameters, control edges and the op histogram (top-level nodes plus
    function bodies, as summarize_graph counts them)."""
    graph = g.graph
    summary.node_count = len(g.nodes)
    summary.function_count = len(graph.library.function)
    if graph.versions.producer:
        summary.producer = str(graph.versions.producer)
    counts = collections.Counter(g.ops)
    for function in graph.library.function:
        counts.update(node.op for node in function.node_def)
    summary.op_counts.extend(common_pb2.OpCount(op=op, count=n)
                             for op, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    consts = (g.nodes[position] for position, op in enumerate(g.ops) if op == "Const")
    summary.const_parameters = sum(elements(node.attr["value"].tensor.tensor_shape)
                                   for node in consts if "value" in node.attr)
    summary.control_edges = sum(i.startswith("^") for ins in g.inputs for i in ins)


def input_candidates(g: GraphIndex) -> list[summary_pb2.InputCandidate]:
    """The outputs of the input pipeline's dequeue ops (IteratorGetNext,
    QueueDequeue*), each with the tflite_convert flags that feed the graph
    there instead."""
    candidates = []
    for position, op in enumerate(g.ops):
        attrs = _DEQUEUE_OPS.get(op)
        if attrs is None:
            continue
        node = g.nodes[position]
        types_attr, shapes_attr = attrs
        types = list(node.attr[types_attr].list.type)
        shapes = _pipeline_shapes(node, shapes_attr, g)
        kind = "tf.data iterator" if op.startswith("Iterator") else "input queue"
        for output, dtype in enumerate(types):
            shape = shapes[output] if output < len(shapes) else None
            tensor = f"{node.name}:{output}"
            spec = tensor_spec(tensor, dtype, shape, op, tensor, output)
            candidates.append(summary_pb2.InputCandidate(
                tensor=spec, reason=f"output {output} of {op} ({kind})", convert_flag=convert_flags([spec])))
    return candidates


def _pipeline_shapes(node, shapes_attr, g: GraphIndex) -> list:
    if shapes_attr and shapes_attr in node.attr:
        return list(node.attr[shapes_attr].list.shape)
    if "_output_shapes" in node.attr:
        return list(node.attr["_output_shapes"].list.shape)
    queue = g.node(node_name(node.input[0])) if node.input else None
    if queue is None or "shapes" not in queue.attr:
        return []
    shapes = list(queue.attr["shapes"].list.shape)
    if "Many" in node.op or "UpTo" in node.op:
        batch = _batch_size(node, g) if "Many" in node.op else -1
        batched = []
        for shape in shapes:
            prefixed = type(shape)()
            prefixed.dim.add(size=batch)
            prefixed.dim.extend(shape.dim)
            batched.append(prefixed)
        shapes = batched
    return shapes


def _batch_size(node, g: GraphIndex) -> int:
    """The `n` input of QueueDequeueMany when it is a scalar int Const, else -1."""
    source = g.node(node_name(node.input[1])) if len(node.input) > 1 else None
    if source is not None and source.op == "Const":
        values = source.attr["value"].tensor.int_val
        if len(values) == 1:
            return values[0]
    return -1


def convert_flags(specs, with_shapes: bool = True) -> str:
    """tflite_convert's --input_arrays (and --input_shapes) for these tensors.

    An unknown batch dimension becomes 1 (the converter needs a static
    shape) and then --input_shapes is always given; it is left out when
    other dimensions are unknown.
    """
    flags = "--input_arrays=" + ",".join(spec.name for spec in specs)
    shapes = []
    for spec in specs:
        dims = list(spec.shape)
        if dims and dims[0] < 0:
            dims[0] = 1
            with_shapes = True
        if spec.unknown_rank or any(d < 0 for d in dims):
            return flags
        shapes.append(",".join(str(d) for d in dims))
    return flags + (" --input_shapes=" + ":".join(shapes) if with_shapes else "")
