"""Parse what `freeze_graph` (tensorflow/python/tools/freeze_graph.py) printed.

    >>> result = parse(open("freeze.log").read())
    >>> result.error_type, list(result.missing_nodes)
    ('AssertionError', ['logits/BiasAdd:0'])

Understood (tf-tools-formats.md §4): "Froze N variables." and "Converted N
variables to const ops." (frozen_variables), "Loaded meta graph file '...",
the printed failures ("Input checkpoint '...' doesn't exist!", "You need to
supply the name of a node to --output_node_names.", "Input graph file '...'
does not exist!" and the other early exits), and Python tracebacks: the last
exception line gives `error_type` (the class name without its module) and
`error`; `AssertionError: X is not in graph` also names X in `missing_nodes`.
A pasted `freeze_graph` command line fills the input/output fields. Consoles
that hard-wrapped the traceback (Windows, 80 columns) are unwrapped first.
Lines it does not know land in `unknown_lines`.
"""

from __future__ import annotations

import re

from tflite_tools.parsers import _numbers
from tflite_tools.parsers._log_lines import clean, flag_values, unwrap_hard_wrapped
from tflite_tools.proto import freeze_pb2

_FROZE = re.compile(r"^(?:Froze (\d+) variables\.|Converted (\d+) variables to const ops\.)$")
_META_GRAPH = re.compile(r"^Loaded meta graph file '(.*?)'?$")
# freeze_graph's own early exits: printed (TF 1.x-2.x, exit 0) or raised (current master).
_FAILURES = (
    (re.compile(r"^Input checkpoint '(.*)' doesn't exist!$"), "input_checkpoint"),
    (re.compile(r"^Input graph file '(.*)' does not exist!$"), "input_graph"),
    (re.compile(r"^You need to supply the name of a node to --output_node_names\.$"), None),
    (re.compile(r"^Invalid checkpoint version \(must be '1' or '2'\): .*$"), None),
    (re.compile(r"^No variables were found in this model\..*$"), None),
    (re.compile(r"^Models containing partition variables cannot be converted .*$"), None),
)
_EXCEPTION = re.compile(r"^((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)))(?:: ?(.*))?$")
_NOT_IN_GRAPH = re.compile(r"^(.*) is not in graph$")
_TRACEBACK = re.compile(
    r"^(Traceback \(most recent call last\):|During handling of the above exception, another "
    r"exception occurred:|The above exception was the direct cause of the following exception:)$")
_FRAME = re.compile(r'^File ".*", line \d+(?:, in .*)?$')
# IPython/Colab tracebacks: "[/path/util.py](https://...) in fn(args)", then source lines
# "    164   code" around the failing one "--> 166   code".
_IPYTHON_FRAME = re.compile(r"^\S+\.py(?:\]\(\S*\))? in \S+\(.*\)$")
_IPYTHON_CODE = re.compile(r"^(?:-+> ?)?\d+\s")
_FLAGS = {"input_graph": "input_graph", "input_checkpoint": "input_checkpoint",
          "input_meta_graph": "input_meta_graph", "input_saved_model_dir": "input_saved_model_dir",
          "output_graph": "output_graph"}
_BOOL_FLAGS = ("input_binary", "clear_devices")


def parse(text: str) -> freeze_pb2.FreezeResult:
    """The FreezeResult that a freeze_graph log shows."""
    result = freeze_pb2.FreezeResult()
    in_frame_code = False
    for line in clean(unwrap_hard_wrapped(text)):
        msg = line.text
        code_line, in_frame_code = in_frame_code, False
        if not msg or _TRACEBACK.match(msg):
            continue
        if _FRAME.match(msg):
            in_frame_code = True  # the next, indented line is the frame's source
            continue
        if code_line and line.indent:
            continue
        if _statement(msg, result):
            continue
        if _IPYTHON_FRAME.match(msg) or _IPYTHON_CODE.match(msg) and (line.indent or msg.startswith("-")):
            continue
        if line.severity in ("E", "F"):
            # a TF C++ error (CHECK failure, LOG(FATAL)); a Python exception later overrides it
            result.error = result.error or msg
            continue
        if line.command is not None:
            _command(line.command, result)
            continue
        result.unknown_lines.append(msg)
    return result


def _statement(msg: str, result: freeze_pb2.FreezeResult) -> bool:
    match = _FROZE.match(msg)
    frozen = _numbers.integer(match.group(1) or match.group(2)) if match else None
    if frozen is not None:
        result.frozen_variables = frozen
        return True
    match = _META_GRAPH.match(msg)
    if match:
        result.input_meta_graph = result.input_meta_graph or match.group(1)
        return True
    match = _EXCEPTION.match(msg)
    if match:
        result.error_type = match.group(2)
        result.error = match.group(3) or ""
        missing = _NOT_IN_GRAPH.match(result.error)
        if result.error_type == "AssertionError" and missing and missing.group(1) not in result.missing_nodes:
            result.missing_nodes.append(missing.group(1))
        _failure(result.error, result)
        return True
    return _failure(msg, result)


def _failure(msg: str, result: freeze_pb2.FreezeResult) -> bool:
    for pattern, field in _FAILURES:
        match = pattern.match(msg)
        if match:
            result.error = msg
            if field and not getattr(result, field):
                setattr(result, field, match.group(1))
            return True
    return False


def _command(argv: tuple[str, ...], result: freeze_pb2.FreezeResult) -> None:
    flags = flag_values(argv[1:], bool_flags=_BOOL_FLAGS)
    for flag, field in _FLAGS.items():
        if flags.get(flag) and not getattr(result, field):
            setattr(result, field, flags[flag])
    if "output_node_names" in flags and not result.output_node_names:
        result.output_node_names.extend(
            name for name in flags["output_node_names"].replace(" ", "").split(",") if name)
