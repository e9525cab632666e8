"""`convert --engine native`: the classic TF1 pipeline, with TensorFlow's own tools.

What users did by hand for years, step by step:
1. `freeze_graph` (native) turns graph + checkpoint into a frozen GraphDef
   (skipped for a graph that is frozen already); its output nodes are
   `--output_arrays`, else the outputs `inspect` finds;
2. `summarize_graph` (native) on the frozen graph names the inputs and
   outputs (unless given);
3. the Python TFLiteConverter (`tflite_tools.convert`) converts the frozen
   graph.
Returns the same ConversionReport as the Python engine, with engine
"native" and the native steps first in `steps`.

    >>> report = convert(tools, "train_dir/graph.pbtxt", "model.tflite")
"""

from __future__ import annotations

import os
import tempfile
from typing import Optional, Sequence

from tflite_tools.core import fileio
from tflite_tools.errors import UsageError
from tflite_tools.native import freeze_graph, summarize_graph
from tflite_tools.native.tools import NativeTools
from tflite_tools.proto import conversion_pb2

_GRAPH_FORMATS = ("FROZEN_GRAPH", "GRAPH_DEF", "CHECKPOINT", "META_GRAPH")


def convert(tools: NativeTools, model: str, output_file: Optional[str] = None, *,
            checkpoint: Optional[str] = None, input_arrays: Sequence[str] = (),
            output_arrays: Sequence[str] = (), report_file: Optional[str] = None,
            **options) -> conversion_pb2.ConversionReport:
    """Freeze and summarize `model` with the native tools, then convert it.

    `options` are `tflite_tools.convert.convert`'s keyword arguments.

    Raises:
        UsageError: the model is not a GraphDef / checkpoint (SavedModel, Keras, .tflite).
        ToolFailedError / ToolNotFoundError: a native step failed or its tool is missing.
        and whatever `tflite_tools.convert.convert` raises.
    """
    from tflite_tools.convert.conversion import convert as python_convert  # noqa: PLC0415
    from tflite_tools.convert.conversion import output_path  # noqa: PLC0415
    from tflite_tools.formats.detect import detect  # noqa: PLC0415
    from tflite_tools.proto import summary_pb2  # noqa: PLC0415

    detection = detect(model)
    fmt = summary_pb2.ModelFormat.Name(detection.format)
    if fmt not in _GRAPH_FORMATS:
        raise UsageError(f"convert --engine native runs freeze_graph and summarize_graph, which take "
                         f"TensorFlow graphs; '{model}' is {fmt.lower().replace('_', ' ')}: "
                         "use --engine python.")
    steps = []
    output_file, step = output_path(model, output_file)  # named after `model`, not the frozen copy
    steps.extend([step] if step else [])
    with tempfile.TemporaryDirectory(prefix="tflite-tools-classic-") as scratch:
        graph = detection.graph_path or model
        prefix = checkpoint or detection.checkpoint_prefix
        if fmt != "FROZEN_GRAPH" or checkpoint:
            graph, step = _freeze(tools, graph, prefix, list(output_arrays), scratch)
            steps.append(step)
        summary = summarize_graph.summarize(tools, graph)
        inputs = list(input_arrays) or [node.name for node in summary.inputs]
        outputs = list(output_arrays) or [node.name for node in summary.outputs]
        steps.append(f"summarize_graph (native): inputs {','.join(inputs) or '-'}, "
                     f"outputs {','.join(outputs) or '-'}")
        report = python_convert(graph, output_file, input_arrays=inputs, output_arrays=outputs,
                                **options)
    report.options.engine = "native"
    report.steps[:0] = steps
    if report_file:
        from tflite_tools import render  # noqa: PLC0415

        fileio.write_atomic(report_file, render.render(report, "json"))
    return report


def _freeze(tools, graph: str, prefix: str, outputs: list, scratch: str) -> tuple[str, str]:
    """freeze_graph into `scratch`: (frozen graph path, step line)."""
    if not prefix:
        raise UsageError(f"'{graph}' has variables but no checkpoint was found beside it; "
                         "give the checkpoint as a second MODEL.")
    if not outputs:
        from tflite_tools.inspect.model_summary import inspect  # noqa: PLC0415

        outputs = [spec.name for spec in inspect(graph).outputs]
    frozen = os.path.join(scratch, "frozen.pb")
    source = {"input_meta_graph": graph} if graph.endswith(".meta") else {"input_graph": graph}
    result = freeze_graph.freeze(tools, input_checkpoint=prefix, output_node_names=",".join(outputs),
                                 output_graph=frozen, **source)
    return frozen, (f"freeze_graph (native): {result.frozen_variables} variables frozen, "
                    f"{result.output_nodes} nodes")
