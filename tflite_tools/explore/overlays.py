"""Our results as Model Explorer node data (its node_data_builder format,
written here as plain JSON so `--overlay_only` needs no Model Explorer).

Nodes are the .tflite's ops, keyed by their first output tensor's name,
which Model Explorer matches against each node's `tensor_name`. Each
overlay is a function of the flatbuffer's model returning `{key: result}`;
`OVERLAYS` names them. No TensorFlow.

    >>> data = overlays(flatbuffer_bytes, unsupported={"Erfinv"})
    >>> sorted(data)
    ['op support', 'parameters']
"""

from __future__ import annotations

from tflite_tools.formats import tflite_flatbuffer as flatbuffer

# Op support -> (value shown, node colour).
SUPPORT = {"builtin": "#c8e6c9", "select_tf": "#ffe0b2", "custom": "#ffcdd2", "unsupported": "#ef9a9a"}
_GRADIENT = [{"stop": 0, "bgColor": "#ffffff"}, {"stop": 1, "bgColor": "#4c78a8"}]


def _ops(model):
    """(key, OpCode, operator) of subgraph 0's ops that write a tensor."""
    graph = model.Subgraphs(0)
    codes = flatbuffer.op_codes(model)
    for o in range(graph.OperatorsLength()):
        operator = graph.Operators(o)
        if operator.OutputsLength():
            key = flatbuffer.tensor(graph, int(operator.Outputs(0))).name
            yield key, codes[operator.OpcodeIndex()], operator


def op_support(model, unsupported=frozenset()) -> dict:
    """builtin / select_tf / custom per node; custom ops named in `unsupported`
    (let through only by --allow_custom_ops) are "unsupported"."""
    results = {}
    for key, code, _ in _ops(model):
        kind = "unsupported" if code.kind == "custom" and code.name in unsupported else code.kind
        results[key] = {"value": kind, "bgColor": SUPPORT[kind]}
    return {"results": results, "showExpandedSummaryOnGroupNode": True,
            "showLabelCountColumnsInChildrenStatsTable": True}


def parameters(model) -> dict:
    """Elements of each node's constant inputs (weights, biases)."""
    graph = model.Subgraphs(0)
    results = {}
    for key, _, operator in _ops(model):
        inputs = operator.InputsAsNumpy() if operator.InputsLength() else []
        results[key] = {"value": sum(flatbuffer.constant_elements(model, graph.Tensors(int(i)))
                                     for i in inputs if i >= 0)}
    return {"results": results, "gradient": _GRADIENT}


def overlays(data: bytes, unsupported=frozenset()) -> dict[str, dict]:
    """Overlay name -> Model Explorer ModelNodeData ({graph id: GraphNodeData})."""
    model = flatbuffer.read_model(data)
    found = {"op support": op_support(model, unsupported), "parameters": parameters(model)}
    return {name: {"main": dict(graph, name=name)} for name, graph in found.items()}
