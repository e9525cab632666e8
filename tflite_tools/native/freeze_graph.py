"""Driver for TensorFlow's freeze_graph: build argv, run, read the result into a FreezeResult.

    >>> result = freeze(tools, input_graph="g.pbtxt", input_checkpoint="ckpt",
    ...                 output_node_names="output", output_graph="frozen.pb")

freeze_graph's trap: from TF 1.x to 2.x it *prints* some failures (missing
checkpoint, graph or output names) to stdout and exits 0 without writing
anything. So success here means exit 0 **and** an output file; a run that
exits 0 without one fails with the printed line as the reason.

The tool writes to a temporary file beside `output_graph`, renamed only on
success (no partial output); with no `output_graph` it writes to a temporary
directory, so the result's counts are filled either way.
"""

from __future__ import annotations

import os
import tempfile

from tflite_tools.core.fileio import atomic_path
from tflite_tools.errors import InputError, UsageError
from tflite_tools.formats import graphdef_io
from tflite_tools.graph.analysis import VARIABLE_OPS
from tflite_tools.native.tools import NativeTools
from tflite_tools.proto import freeze_pb2, tf_saved_model_pb2


def argv(*, input_graph="", input_checkpoint="", output_graph="", output_node_names="",
         input_binary=False, input_meta_graph="", input_saved_model_dir="",
         saved_model_tags="serve", input_saver="", clear_devices=True, initializer_nodes="",
         variable_names_allowlist="", variable_names_denylist="", checkpoint_version=2) -> list[str]:
    """freeze_graph.py's flags; optional ones only when set (older TFs lack some)."""
    args = [f"--input_graph={input_graph}", f"--input_checkpoint={input_checkpoint}",
            f"--output_graph={output_graph}", f"--output_node_names={output_node_names}",
            f"--input_binary={'true' if input_binary else 'false'}",
            f"--clear_devices={'true' if clear_devices else 'false'}"]
    optional = {"input_meta_graph": input_meta_graph, "input_saved_model_dir": input_saved_model_dir,
                "input_saver": input_saver, "initializer_nodes": initializer_nodes,
                # TF 2.x spells these whitelist and denylist (blacklist before 2.4).
                "variable_names_whitelist": variable_names_allowlist,
                "variable_names_denylist": variable_names_denylist}
    args += [f"--{name}={value}" for name, value in optional.items() if value]
    if input_saved_model_dir:
        args.append(f"--saved_model_tags={saved_model_tags}")
    if checkpoint_version != 2:
        args.append(f"--checkpoint_version={checkpoint_version}")
    return args


def freeze(tools: NativeTools, *, input_graph: str = "", input_checkpoint: str = "",
           output_node_names: str = "", output_graph: str = "", **flags) -> freeze_pb2.FreezeResult:
    """Run freeze_graph with freeze_graph.py's flags (see `argv`) and report what it made.

    `input_binary` is decided from the graph file's content unless given.

    Raises:
        ToolFailedError: non-zero exit, a timeout, or exit 0 without an output file.
        UsageError: `output_node_names` is empty (freeze_graph needs them).
    """
    if not output_node_names:
        raise UsageError("freeze_graph needs the output nodes; pass --output_node_names "
                         "(tflite-tools inspect lists them).")
    input_graph_def, encoding = _read_input(input_graph, flags.get("input_meta_graph", ""))
    if encoding:
        flags.setdefault("input_binary", encoding == "binary")
    result = freeze_pb2.FreezeResult(
        engine="native", input_graph=input_graph, input_checkpoint=input_checkpoint,
        input_meta_graph=flags.get("input_meta_graph", ""),
        input_saved_model_dir=flags.get("input_saved_model_dir", ""),
        output_node_names=[n.strip() for n in output_node_names.split(",") if n.strip()])
    if output_graph:
        with atomic_path(output_graph) as tmp:
            _run(tools, result, input_graph_def, tmp, input_graph=input_graph,
                 input_checkpoint=input_checkpoint, output_node_names=output_node_names, **flags)
        result.output_graph = output_graph
    else:
        with tempfile.TemporaryDirectory(prefix="tflite-tools-freeze-") as scratch:
            _run(tools, result, input_graph_def, os.path.join(scratch, "frozen.pb"),
                 input_graph=input_graph, input_checkpoint=input_checkpoint,
                 output_node_names=output_node_names, **flags)
    return result


def _read_input(input_graph: str, input_meta_graph: str):
    """(GraphDef, "binary"|"text") of the graph freeze_graph will load, or (None, "")."""
    if input_graph:
        return graphdef_io.read_graph_def(input_graph)
    if not input_meta_graph:
        return None, ""
    meta = tf_saved_model_pb2.MetaGraphDef()
    try:
        with open(input_meta_graph, "rb") as f:
            encoding = graphdef_io.parse_binary_or_text(f.read(), meta)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the MetaGraphDef '{input_meta_graph}': {exc}; pass a .meta "
                         "file written by tf.train.Saver.") from exc
    return meta.graph_def, encoding


def _failed_result(result, done) -> freeze_pb2.FreezeResult:
    """`result` plus what freeze_graph's output says went wrong (error, error_type, missing_nodes)."""
    from tflite_tools.parsers import freeze_graph as parser  # noqa: PLC0415

    failed = freeze_pb2.FreezeResult()
    failed.CopyFrom(result)
    parsed = parser.parse(done.stdout + "\n" + done.stderr)
    failed.error, failed.error_type = parsed.error, parsed.error_type
    failed.missing_nodes.extend(parsed.missing_nodes)
    return failed


def _run(tools, result, input_graph_def, output_path, **flags) -> None:
    if os.path.exists(output_path):
        os.unlink(output_path)  # atomic_path made it: only the tool may create it
    done = tools.run("freeze_graph", argv(output_graph=output_path, **flags))
    if done.returncode != 0 or not os.path.isfile(output_path):
        printed = [line for line in done.stdout.splitlines() if line.strip()]
        error = done.failed(reason="exited 0 but wrote no output graph" + (
            f" (it printed: {printed[-1]})" if printed else "")) if done.returncode == 0 else done.failed()
        error.result = _failed_result(result, done)
        raise error
    output_graph_def, _ = graphdef_io.read_graph_def(output_path)
    result.output_size_bytes = os.path.getsize(output_path)
    result.output_nodes = len(output_graph_def.node)
    if input_graph_def is not None:
        result.input_nodes = len(input_graph_def.node)
        variables = {n.name for n in input_graph_def.node if n.op in VARIABLE_OPS}
        frozen = [n.name for n in output_graph_def.node if n.name in variables and n.op == "Const"]
        result.frozen_variables = len(frozen)
        result.frozen_variable_names.extend(frozen)
