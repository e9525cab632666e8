"""Which TensorFlow tensor each TFLite op output stands for.

The converter names a TFLite tensor after the TensorFlow nodes it came from,
';'-joined when ops were fused ("conv/Relu;conv/BiasAdd;conv/Conv2D;conv/bias"),
with a digit appended when a name was taken ("dense/MatMul1"). `match_layers`
reads those names back:

  * each ';' part is looked up as a node (the part as is, then without its
    ":0" or trailing digits; then as the end of one node's name, for function
    bodies inlined under a prefix); constants are not candidates;
  * the part latest in the graph's execution order wins: a fused op's output
    is the end of its chain;
  * from there the match walks forward through the ops the converter folds
    into the one before (bias adds, batch norm's multiply and add,
    activations) while they are the only consumer, take only constants
    besides, and no other TFLite tensor names them: "dense/MatMul" for a
    FULLY_CONNECTED with its bias is "dense/BiasAdd";
  * QUANTIZE/DEQUANTIZE outputs stand for what their input stands for, and
    the model's outputs for the source outputs verify mapped them to.

Only op outputs count (weights and other constants are not layers). In a
traced graph the variables are captured handles: what reads them counts as
constant too.
"""

from __future__ import annotations

import dataclasses
import re

from tflite_tools.graph.order import GraphOrderError, node_name_from_input, sort_by_execution_order

# TensorFlow ops the converter fuses into the op before them (when their other
# inputs are constants): bias, folded batch norm, fused activations.
FOLDED_OPS = frozenset({
    "BiasAdd", "BiasAddV1", "Add", "AddV2", "Sub", "Mul", "FusedBatchNorm", "FusedBatchNormV2",
    "FusedBatchNormV3", "Relu", "Relu6", "Tanh", "Identity", "Maximum", "Minimum",
})
_PASS_THROUGH_OPS = frozenset({"QUANTIZE", "DEQUANTIZE"})
_CONSTANT_OPS = frozenset({"Const", "HostConst"})
# tf.DataType enum value of a variable handle.
_DT_RESOURCE = 20


@dataclasses.dataclass
class Layer:
    """One TFLite op output: its step in execution order, op, tensor index
    and name, the TF tensor it matched ("" when none), and the tensor indices
    of the op's inputs."""

    step: int
    op: str
    index: int
    name: str
    tf_tensor: str
    inputs: list


class _Graph:
    """The GraphDef's nodes: execution order, constants, consumers."""

    def __init__(self, graph_def):
        nodes = list(graph_def.node)
        try:
            order = sort_by_execution_order(nodes)
        except GraphOrderError:
            order = list(range(len(nodes)))
        self.position = {nodes[i].name: p for p, i in enumerate(order)}
        self.nodes = {node.name: node for node in nodes}
        self.constant, self.consumers = set(), {}
        for i in order:
            node = nodes[i]
            data = [node_name_from_input(x) for x in node.input if not x.startswith("^")]
            if node.op in _CONSTANT_OPS or _captured_variable(node) or (
                    data and all(d in self.constant for d in data)
                    and node.op not in ("Placeholder", "PlaceholderWithDefault")):
                self.constant.add(node.name)
            for d in data:
                self.consumers.setdefault(d, []).append(node.name)
        # Inlined function bodies prefix their nodes ("StatefulPartitionedCall/MatMul"):
        # a name may match the end of one node's name.
        self.by_suffix = {}
        for name in self.nodes:
            parts = name.split("/")
            for k in range(1, len(parts)):
                self.by_suffix.setdefault("/".join(parts[k:]), []).append(name)

    def resolve(self, part: str) -> str:
        """The node a name part stands for, or ""."""
        names = (part, part.split(":")[0], re.sub(r"\d+$", "", part))
        for name in names:
            if name in self.nodes and name not in self.constant:
                return name
        for name in names:
            found = [n for n in self.by_suffix.get(name, ()) if n not in self.constant]
            if len(found) == 1:
                return found[0]
        return ""

    def chain_end(self, name: str, claimed: set) -> str:
        """Walk forward through the folded ops that follow `name`."""
        while True:
            consumers = self.consumers.get(name, [])
            if len(consumers) != 1:
                return name
            node = self.nodes[consumers[0]]
            others = [node_name_from_input(x) for x in node.input
                      if not x.startswith("^") and node_name_from_input(x) != name]
            if node.op not in FOLDED_OPS or node.name in claimed or not all(o in self.constant for o in others):
                return name
            name = node.name


def _captured_variable(node) -> bool:
    """A variable handle captured by a traced function: its values are
    weights, constant for one run."""
    return node.op == "Placeholder" and node.attr["dtype"].type == _DT_RESOURCE


def match_layers(ops: list, tensors: dict, graph_def, known: dict) -> list:
    """[Layer] in execution order for every op output of the .tflite.

    Args:
      ops: the interpreter's op details (op_name, inputs, outputs), in order.
      tensors: tensor index -> name.
      graph_def: the TensorFlow graph whose nodes the names refer to.
      known: .tflite input and output tensor index -> TF tensor name
        (verify's input and output mapping).
    """
    graph = _Graph(graph_def)
    claimed = {graph.resolve(part) for name in tensors.values() for part in name.split(";")} - {""}
    produced = {}
    layers = []
    for step, op in enumerate(ops):
        if op["op_name"] == "DELEGATE":
            continue
        inputs = [int(i) for i in op["inputs"] if i >= 0]
        if op["op_name"] in ("DEQUANTIZE", "DENSIFY") and not any(i in produced or i in known for i in inputs):
            continue  # weights dequantized at run time: not a layer
        for index in (int(i) for i in op["outputs"]):
            if index in known:
                tf_tensor = known[index]
            elif op["op_name"] in _PASS_THROUGH_OPS and inputs:
                source = produced.get(inputs[0])
                tf_tensor = source.tf_tensor if source else known.get(inputs[0], "")
            else:
                found = [n for n in (graph.resolve(part) for part in tensors[index].split(";")) if n]
                tf_tensor = graph.chain_end(max(found, key=graph.position.get), claimed) + ":0" if found else ""
            produced[index] = Layer(step, op["op_name"], index, tensors[index], tf_tensor, inputs)
            layers.append(produced[index])
    for layer in layers:  # an output quantized or dequantized on its way out stands for the same tensor
        source = produced.get(layer.inputs[0]) if layer.op in _PASS_THROUGH_OPS and layer.inputs else None
        if source is not None and not source.tf_tensor:
            source.tf_tensor = layer.tf_tensor
    return layers


def feeding_layers(layers: list) -> dict:
    """step -> the steps of the nearest matched layers feeding it (through
    unmatched ones)."""
    by_index = {layer.index: layer for layer in layers}
    feeding = {}
    for layer in layers:
        found, stack, seen = set(), list(layer.inputs), set()
        while stack:
            index = stack.pop()
            if index in seen or index not in by_index:
                continue
            seen.add(index)
            source = by_index[index]
            if source.tf_tensor:
                found.add(source.step)
            else:
                stack.extend(source.inputs)
        feeding[layer.step] = sorted(found)
    return feeding
