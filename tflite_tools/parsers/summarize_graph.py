"""Parse what TensorFlow's `summarize_graph` printed into a GraphSummary.

    >>> summary = parse(open("summarize_graph.txt").read())
    >>> [(i.name, i.type, i.shape) for i in summary.inputs]
    [('input', 'float', '[1,28,28,1]')]

The GraphSummary is the one `tflite_tools.summarize` fills, field for field
(tf-tools-formats.md §1.3): inputs and variables with type name, enum and the
shape text exactly as printed; outputs; parameter and control-edge counts;
device counts (printed without newlines, so they run into the "Op types used"
line); invalid inputs; op counts in printed order; the benchmark hint; and the
`--print_structure` lines with `value=`. stderr lines are understood too:
"Decoding Tensor failed for node<name>" (decode_failures) and the errors
summarize_graph logs before its usage text. Hand-wrapped and indented pastes
are joined back. Lines it does not know land in `unknown_lines`.
"""

from __future__ import annotations

import re

from tflite_tools.parsers import _numbers
from tflite_tools.parsers._log_lines import LogLine, clean, flag_values, join_wrapped
from tflite_tools.proto import summary_pb2

# summarize_graph returns this status right after printing "Invalid input" lines.
INVALID_GRAPH_ERROR = "Invalid graph with inputs referring to nonexistent nodes"

_FOUND_NODES = re.compile(r"^Found (\d+) (possible inputs|variables): ?(.*)$")
_NODE_INFO = re.compile(r"\(name=([^,]*), type=([A-Za-z0-9_]+)\((-?\d+)\), shape=(.*?)\) ?(?=\(name=|$)")
_FOUND_OUTPUTS = re.compile(r"^Found (\d+) possible outputs: ?(.*)$")
_OUTPUT = re.compile(r"\(name=([^,]*), op=([^)]*)\)")
_NONE_SPOTTED = re.compile(r"^No (inputs|variables|outputs) spotted\.$")
_PARAMS = re.compile(r"^Found (\d+) \([^)]*\) const parameters, (\d+) \([^)]*\) variable parameters, "
                     r"and (\d+) control_edges$")
_DEVICE = re.compile(r"^(\d+) nodes assigned to device '([^']*)'")
_INVALID = re.compile(r"^Invalid input (.*) for node (.*)$")
_OPS = "Op types used:"
_OP = re.compile(r"(\d+) ([^,\s]+)")
_HINT_INTRO = "To use with tensorflow/tools/benchmark:benchmark_model try these arguments:"
_HINT = re.compile(r"^bazel run tensorflow/tools/benchmark:benchmark_model -- (.*)$")
_HINT_FLAG = re.compile(r"(?:^| )--(\w+)(?:=(.*?))?(?= --\w|$)")
_STRUCTURE = re.compile(r"^(\S+) \(([^()\s]+)\): \[(.*?)\](?:, value=(.*))?$")
_DECODE_FAILED = re.compile(r"^Decoding Tensor failed for node ?(.*)$")
_NO_IN_GRAPH = "in_graph graph can't be empty."
_LOAD_FAILED = re.compile(r"^Loading graph '(.*)' failed with (.*)$")
_USAGE = re.compile(r"^(usage: \S*summarize_graph$|Flags:$|--(in_graph|print_structure)=\S*\s+(string|bool)\s)")

_CONTINUABLE = {
    # statement -> how a hand-wrapped continuation line of it starts
    "nodes": re.compile(r"^\(name="),
    "ops": re.compile(r"^[\w ,]+$"),
    "hint": re.compile(r"^--\w"),
}


def parse(text: str) -> summary_pb2.GraphSummary:
    """The GraphSummary that `text` (summarize_graph's stdout and/or stderr) shows."""
    summary = summary_pb2.GraphSummary()
    errors: list[str] = []
    for line in join_wrapped(clean(text), _continues):
        if not _statement(line.text, summary, errors):
            if line.severity in ("E", "F"):
                errors.append(line.text)
            elif line.command is not None:
                _command(line.command, summary)
            else:
                summary.unknown_lines.append(line.text)
    if summary.invalid_inputs and INVALID_GRAPH_ERROR not in errors:
        errors.insert(0, INVALID_GRAPH_ERROR)
    summary.error = "\n".join(errors)
    return summary


def _kind(text: str) -> str | None:
    if _FOUND_NODES.match(text) or _FOUND_OUTPUTS.match(text):
        return "nodes"
    if _OPS in text:
        return "ops"
    if _HINT.match(text):
        return "hint"
    return None


def _continues(previous: LogLine, line: LogLine) -> bool:
    kind = _kind(previous.text)
    return kind is not None and _kind(line.text) is None and bool(_CONTINUABLE[kind].match(line.text))


def _statement(text: str, summary: summary_pb2.GraphSummary, errors: list[str]) -> bool:
    """Fill `summary` from one known line; False when the line is not one
    (or holds a number no field does: a count past int64)."""
    if not text or text == _HINT_INTRO or _USAGE.match(text):
        return True
    match = _NONE_SPOTTED.match(text)
    if match:
        return True
    match = _FOUND_NODES.match(text)
    if match:
        nodes = [(name, type_name, _numbers.integer(enum, _numbers.INT32), shape)
                 for name, type_name, enum, shape in _NODE_INFO.findall(match.group(3).rstrip())]
        if any(node[2] is None for node in nodes):
            return False
        target = summary.inputs if match.group(2) == "possible inputs" else summary.variables
        for name, type_name, enum, shape in nodes:
            target.add(name=name, type=type_name, type_enum=enum, shape=shape)
        return True
    match = _FOUND_OUTPUTS.match(text)
    if match:
        for name, op in _OUTPUT.findall(match.group(2)):
            summary.outputs.add(name=name, op=op)
        return True
    match = _PARAMS.match(text)
    counts = [_numbers.integer(g) for g in match.groups()] if match else [None]
    if None not in counts:
        summary.const_parameters, summary.variable_parameters, summary.control_edges = counts
        return True
    match = _DEVICE.match(text)
    if match:
        # device lines have no newline: take each count, then read the rest as its own line
        devices = []
        while match:
            devices.append((match.group(2), _numbers.integer(match.group(1))))
            text = text[match.end():]
            match = _DEVICE.match(text)
        if any(count is None for _, count in devices):
            return False
        for device, count in devices:
            summary.devices.add(device=device, count=count)
        return not text or _statement(text, summary, errors)
    if text.startswith(_OPS):
        ops = [(op, _numbers.integer(count)) for count, op in _OP.findall(text[len(_OPS):])]
        if any(count is None for _, count in ops):
            return False
        for op, count in ops:
            summary.op_counts.add(op=op, count=count)
        return True
    match = _INVALID.match(text)
    if match:
        summary.invalid_inputs.add(input=match.group(1), node=match.group(2))
        return True
    match = _HINT.match(text)
    if match:
        _hint(match.group(1), summary)
        return True
    match = _STRUCTURE.match(text)
    if match:
        name, op, inputs, value = match.groups()
        summary.print_structure = True
        summary.structure.add(name=name, op=op, inputs=inputs.split(", ") if inputs else [],
                              value=value or "")
        return True
    match = _DECODE_FAILED.match(text)
    if match:
        summary.decode_failures.append(match.group(1))
        return True
    if text == _NO_IN_GRAPH:
        errors.append(text)
        return True
    match = _LOAD_FAILED.match(text)
    if match:
        summary.in_graph = summary.in_graph or match.group(1)
        errors.append(text)
        return True
    return False


def _hint(arguments: str, summary: summary_pb2.GraphSummary) -> None:
    hint = summary.benchmark_hint
    for name, value in _HINT_FLAG.findall(arguments):
        if name in hint.DESCRIPTOR.fields_by_name:
            setattr(hint, name, value)
    summary.in_graph = hint.graph


def _command(argv: tuple[str, ...], summary: summary_pb2.GraphSummary) -> None:
    flags = flag_values(argv[1:], bool_flags=("print_structure",))
    if not summary.in_graph and "in_graph" in flags:
        summary.in_graph = flags["in_graph"]
    if flags.get("print_structure", "false") in ("true", "1"):
        summary.print_structure = True
