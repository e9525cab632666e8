"""TensorFlow's `summarize_graph`, reproduced without TensorFlow.

`summarize()` reads a GraphDef (binary or text) and returns a
`GraphSummary`; `format_summary()` renders it as exactly the bytes
tensorflow/tools/graph_transforms/summarize_graph_main.cc prints, quirks
included (trailing spaces, device counts without newlines, libstdc++'s
unstable sort of "Op types used", the benchmark_model hint).

    >>> summary = summarize("model.pb", print_structure=True)   # doctest: +SKIP
    >>> print(format_summary(summary), end="")                  # doctest: +SKIP
    Found 1 possible inputs: (name=input, type=float(1), shape=[1,28,28,1]) ...

Big weights are never decoded: parameter counts come from tensor shapes.
"""

from __future__ import annotations

import os

from tflite_tools.core import dtypes
from tflite_tools.core.human_number import human_readable_num
from tflite_tools.errors import InputError
from tflite_tools.formats.graphdef_io import read_graph_def
from tflite_tools.graph.order import (
    GraphOrderError,
    node_name_from_input,
    sort_by_execution_order,
)
from tflite_tools.proto import common_pb2, summary_pb2
from tflite_tools.summarize_graph.libstdcxx_sort import std_sort
from tflite_tools.summarize_graph.tensor_text import (
    partial_shape_dims,
    partial_shape_text,
    tensor_debug_string,
    tensor_num_elements,
)

# summarize_graph's own filters, spelled as in its source.
_INPUT_OPS = frozenset({"Placeholder"})
_VARIABLE_OPS = frozenset({"Variable", "VariableV2"})
_NOT_OUTPUT_OPS = frozenset({"Const", "Assign", "NoOp", "Placeholder"})
_PARAMETER_OPS = frozenset({"Const", "Variable", "VariableV2"})

INVALID_GRAPH_MESSAGE = "Invalid graph with inputs referring to nonexistent nodes"


def summarize(in_graph: str, print_structure: bool = False) -> summary_pb2.GraphSummary:
    """Summarize the GraphDef file `in_graph` like `summarize_graph --in_graph=<in_graph>`.

    `in_graph` is echoed in the benchmark hint exactly as given. Beyond
    summarize_graph, a SavedModel directory or a MetaGraphDef (.meta) is
    accepted too: its graph (the "serve" meta graph's) is summarized.

    Raises:
        InputError: the file cannot be read or holds no graph; or the graph
            is one summarize_graph rejects (inputs naming missing nodes, a
            cycle with --print_structure). Then `err.result` holds the partial
            summary whose text is what summarize_graph printed before failing.
    """
    return summarize_graph_def(load_graph_def(in_graph), in_graph, print_structure)


def load_graph_def(path: str):
    """The GraphDef in a GraphDef file (read as TF's tools read it), a .meta
    file or a SavedModel directory. Raises InputError when there is none."""
    # Only for inputs summarize_graph itself cannot read.
    from tflite_tools.formats.detect import (
        SAVED_MODEL_FILES,
        parse_graph_file,
        read_saved_model,
        serving_meta_graph,
    )

    if os.path.isdir(path):
        if not any(os.path.isfile(os.path.join(path, name)) for name in SAVED_MODEL_FILES):
            raise InputError(f"'{path}' is a directory but not a SavedModel; pass the graph file "
                             "in it (.pb, .pbtxt or .meta) with --in_graph.")
        return serving_meta_graph(read_saved_model(path)).graph_def
    try:
        return read_graph_def(path)[0]
    except InputError as graph_error:
        if os.path.basename(path) in SAVED_MODEL_FILES:
            return serving_meta_graph(read_saved_model(os.path.dirname(path) or ".")).graph_def
        try:
            kind, message, _ = parse_graph_file(path)
        except InputError:
            kind = None
        if kind != "MetaGraphDef":
            raise graph_error
        return message.graph_def


def summarize_graph_def(graph_def, in_graph: str = "",
                        print_structure: bool = False) -> summary_pb2.GraphSummary:
    """The GraphSummary of a `tf_graph_pb2.GraphDef`; see `summarize` for errors."""
    nodes = list(graph_def.node)
    summary = summary_pb2.GraphSummary(in_graph=in_graph, print_structure=print_structure)

    placeholders = [n for n in nodes if n.op in _INPUT_OPS]
    variables = [n for n in nodes if n.op in _VARIABLE_OPS]
    summary.inputs.extend(node_info(n) for n in placeholders)
    summary.variables.extend(node_info(n) for n in variables)

    consumed = {node_name_from_input(name) for n in nodes for name in n.input}
    for node in nodes:
        if node.name not in consumed and node.op not in _NOT_OUTPUT_OPS:
            summary.outputs.add(name=node.name, op=node.op)

    _count_parameters_and_edges(nodes, summary)

    names = {n.name for n in nodes}
    for node in nodes:
        for name in node.input:
            missing = node_name_from_input(name)
            if missing not in names:
                summary.invalid_inputs.add(input=missing, node=node.name)
    if summary.invalid_inputs:
        summary.error = INVALID_GRAPH_MESSAGE
        first = summary.invalid_inputs[0]
        raise InputError(
            f"node '{first.node}' reads '{first.input}', which is not a node in the graph"
            f"{_and_more(len(summary.invalid_inputs))} (summarize_graph rejects such graphs too); "
            "export the graph again with all its nodes.", result=summary)

    summary.op_counts.extend(_op_counts(graph_def, nodes))
    _fill_benchmark_hint(summary.benchmark_hint, in_graph, placeholders + variables, summary.outputs)

    if print_structure:
        _fill_structure(nodes, summary)
    return summary


def node_info(node) -> summary_pb2.GraphNodeInfo:
    """PrintNodeInfo's facts: name, DataTypeString + enum of `dtype`, shape text."""
    dtype = node.attr["dtype"].type if "dtype" in node.attr else 0
    shape = partial_shape_text(node.attr["shape"].shape) if "shape" in node.attr else "None"
    return summary_pb2.GraphNodeInfo(name=node.name, type=dtypes.type_string(dtype),
                                     type_enum=dtype, shape=shape)


def _and_more(count: int) -> str:
    return f" (and {count - 1} more such inputs)" if count > 1 else ""


def _count_parameters_and_edges(nodes, summary) -> None:
    devices: dict[str, int] = {}
    for node in nodes:
        summary.control_edges += sum(1 for name in node.input if name.startswith("^"))
        if node.device:
            devices[node.device] = devices.get(node.device, 0) + 1
        if node.op in _PARAMETER_OPS:
            count = tensor_num_elements(node.attr["value"].tensor) if "value" in node.attr else None
            if count is None:
                # VariableV2 nodes never carry a value: TF warns for each one.
                summary.decode_failures.append(node.name)
            elif node.op == "Const":
                summary.const_parameters += count
            else:
                summary.variable_parameters += count
    # std::map order: byte-wise, which for UTF-8 is Python's code-point order.
    for device in sorted(devices):
        summary.devices.add(device=device, count=devices[device])


def _op_counts(graph_def, nodes) -> list:
    counts: dict[str, int] = {}
    for node in nodes:
        counts[node.op] = counts.get(node.op, 0) + 1
    for function in graph_def.library.function:
        for node in function.node_def:
            counts[node.op] = counts.get(node.op, 0) + 1
    ordered = sorted(counts.items())
    # summarize_graph's std::sort by count alone: ties come out in
    # libstdc++'s order, not alphabetically, once there are over 16 ops.
    std_sort(ordered, lambda a, b: a[1] > b[1])
    return [common_pb2.OpCount(op=op, count=count) for op, count in ordered]


def _fill_benchmark_hint(hint, in_graph: str, input_nodes, outputs) -> None:
    hint.graph = in_graph
    hint.input_layer = ",".join(n.name for n in input_nodes)
    hint.input_layer_type = ",".join(
        dtypes.type_string(n.attr["dtype"].type if "dtype" in n.attr else 0) for n in input_nodes)
    shapes = []
    for node in input_nodes:
        dims = partial_shape_dims(node.attr["shape"].shape) if "shape" in node.attr else None
        shapes.append(",".join(str(d) for d in dims) if dims else "")  # -1 stays -1; [] is ""
    hint.input_layer_shape = ":".join(shapes)
    hint.output_layer = ",".join(o.name for o in outputs)


def _fill_structure(nodes, summary) -> None:
    try:
        order = sort_by_execution_order(nodes)
    except GraphOrderError as exc:
        summary.error = str(exc)
        raise InputError(f"cannot order the graph's nodes for --print_structure: {exc} "
                         "(summarize_graph fails the same way); fix the graph's cycle.",
                         result=summary) from exc
    for index in order:
        node = nodes[index]
        line = summary.structure.add(name=node.name, op=node.op, inputs=node.input)
        if node.op == "Const":
            value = tensor_debug_string(node.attr["value"].tensor) if "value" in node.attr else None
            if value is None:
                summary.decode_failures.append(node.name)
            else:
                line.value = value


def format_summary(summary: summary_pb2.GraphSummary) -> str:
    """The exact stdout of summarize_graph for `summary` (partial ones too)."""
    out = []
    _format_node_infos(out, summary.inputs, "No inputs spotted.", "possible inputs")
    _format_node_infos(out, summary.variables, "No variables spotted.", "variables")
    if summary.outputs:
        out.append(f"Found {len(summary.outputs)} possible outputs: ")
        out.extend(f"(name={o.name}, op={o.op}) " for o in summary.outputs)
        out.append("\n")
    else:
        out.append("No outputs spotted.\n")
    out.append(f"Found {summary.const_parameters} ({human_readable_num(summary.const_parameters)}) "
               f"const parameters, {summary.variable_parameters} "
               f"({human_readable_num(summary.variable_parameters)}) variable parameters, "
               f"and {summary.control_edges} control_edges\n")
    # No newline after a device entry: summarize_graph prints none.
    out.extend(f"{d.count} nodes assigned to device '{d.device}'" for d in summary.devices)
    if summary.invalid_inputs:
        out.extend(f"Invalid input {i.input} for node {i.node}\n" for i in summary.invalid_inputs)
        return "".join(out)
    out.append("Op types used: " + ", ".join(f"{c.count} {c.op}" for c in summary.op_counts) + "\n")
    hint = summary.benchmark_hint
    out.append("To use with tensorflow/tools/benchmark:benchmark_model try these arguments:\n")
    out.append(f"bazel run tensorflow/tools/benchmark:benchmark_model -- --graph={hint.graph} "
               f"--show_flops --input_layer={hint.input_layer} "
               f"--input_layer_type={hint.input_layer_type} "
               f"--input_layer_shape={hint.input_layer_shape} --output_layer={hint.output_layer}\n")
    for line in summary.structure:
        value = f", value={line.value}" if line.value else ""
        out.append(f"{line.name} ({line.op}): [{', '.join(line.inputs)}]{value}\n")
    return "".join(out)


def _format_node_infos(out: list, infos, none_text: str, noun: str) -> None:
    if not infos:
        out.append(none_text + "\n")
        return
    out.append(f"Found {len(infos)} {noun}: ")
    out.extend(f"(name={i.name}, type={i.type}({i.type_enum}), shape={i.shape}) " for i in infos)
    out.append("\n")
