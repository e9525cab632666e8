"""Our results as Model Explorer node data (its node_data_builder format,
written here as plain JSON so `--overlay_only` needs no Model Explorer).

Nodes are the .tflite's ops, keyed by their first output tensor's name,
which Model Explorer matches against each node's `tensor_name`. Each
overlay is a function of the flatbuffer's model returning `{key: result}`;
`OVERLAYS` names them. No TensorFlow.

    >>> data = overlays(flatbuffer_bytes, unsupported={"Erfinv"})
    >>> sorted(data)
    ['op support', 'parameters']

With a LayerReport (`explore --layers`), each layer's SNR and max error too.
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


def layer_errors(layer_report, figure: str) -> dict:
    """A per-layer verification figure (verify.layer_overlay.FIGURES) per
    node; low SNR (or high error) darkest."""
    from tflite_tools.verify.layer_overlay import overlay_values  # noqa: PLC0415

    values = overlay_values(layer_report, figure)
    tensors = {c.tflite_tensor for c in layer_report.layers}
    gradient = _GRADIENT[::-1] if figure == "snr_db" else _GRADIENT
    return {"results": {k: {"value": v} for k, v in values.items() if k in tensors},
            "gradient": [dict(g, stop=i) for i, g in enumerate(gradient)]}


def overlays(data: bytes, unsupported=frozenset(), layer_report=None) -> dict[str, dict]:
    """Overlay name -> Model Explorer ModelNodeData ({graph id: GraphNodeData}).
    With a LayerReport (convert's verify_layers), also each layer's SNR and
    max |tflite - tf|."""
    model = flatbuffer.read_model(data)
    found = {"op support": op_support(model, unsupported), "parameters": parameters(model)}
    if layer_report is not None and layer_report.layers:
        found["layer snr_db"] = layer_errors(layer_report, "snr_db")
        found["layer max_abs_error"] = layer_errors(layer_report, "max_abs_error")
    return {name: {"main": dict(graph, name=name)} for name, graph in found.items()}
