"""The text report of `inspect` (the CLI's --format text) of a ModelSummary."""

from __future__ import annotations

from tflite_tools.proto import summary_pb2


def shape(spec) -> str:
    if spec.unknown_rank:
        return "<unknown>"
    return "[" + ",".join("?" if d < 0 else str(d) for d in spec.shape) + "]"


def _tensor_lines(specs, indent="  ") -> list[str]:
    rows = [(spec.name, spec.dtype or "?", shape(spec),
             " ".join(filter(None, [spec.op, f"({spec.tensor_name})" if spec.tensor_name
                                    and spec.tensor_name not in (spec.name, spec.name + ":0") else ""])))
            for spec in specs]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    return [f"{indent}{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip()
            for row in rows]


def format_text(summary: summary_pb2.ModelSummary, top_ops: int = 10) -> str:
    """The human report of `inspect` (the CLI's --format text)."""
    fmt = summary_pb2.ModelFormat.Name(summary.format)
    tflite = summary.format == summary_pb2.TFLITE
    keras = summary.format in (summary_pb2.KERAS_H5, summary_pb2.KERAS_V3)
    encoding = f" ({summary.detection.encoding})" if summary.detection.encoding else ""
    lines = [f"{summary.source_path}: {fmt}{encoding}"]
    lines += [f"  - {line}" for line in summary.detection.evidence]
    lines.append(f"Inputs ({len(summary.inputs)}):")
    lines += _tensor_lines(summary.inputs) or ["  none"]
    omitted = ""
    if summary.omitted_outputs:
        names = ", ".join(summary.omitted_output_names[:4])
        more = ", ..." if summary.omitted_outputs > 4 else ""
        omitted = f" ({summary.omitted_outputs} training/bookkeeping sinks left out: {names}{more})"
    lines.append(f"Outputs ({len(summary.outputs)}){omitted}:")
    lines += _tensor_lines(summary.outputs) or ["  none"]
    if summary.input_candidates:
        lines.append("Input candidates (no Placeholder; feed the graph here instead):")
        for candidate in summary.input_candidates:
            spec = candidate.tensor
            lines.append(f"  {spec.name}  {spec.dtype}  {shape(spec)}  {candidate.reason}")
            lines.append(f"      {candidate.convert_flag}")
    if summary.variables:
        lines.append(f"Variables ({len(summary.variables)}, {summary.variable_parameters:,} parameters):")
        lines += _tensor_lines(summary.variables[:20])
        if len(summary.variables) > 20:
            lines.append(f"  ... and {len(summary.variables) - 20} more")
    if tflite:
        size = f"{summary.node_count:,} operators, {summary.function_count} subgraphs"
    elif keras:
        size = f"{summary.node_count:,} layers"
    else:
        size = (f"{summary.node_count:,} nodes, {summary.function_count} functions, "
                f"{summary.control_edges} control edges")
    lines.append(f"Parameters: {summary.const_parameters:,} in constants, {summary.variable_parameters:,} in "
                 f"variables; {size}" + (f"; producer {summary.producer}" if summary.producer else ""))
    if summary.op_counts:
        shown = ", ".join(f"{c.count} {c.op}" for c in summary.op_counts[:top_ops])
        more = f", ... ({len(summary.op_counts)} op types)" if len(summary.op_counts) > top_ops else ""
        lines.append(f"{'Layer types' if keras else 'Op types'}: {shown}{more}")
    for signature in summary.signatures:
        lines.append(f"Signature '{signature.key}'" + (f" ({signature.method_name})" if signature.method_name else "") + ":")
        lines += _tensor_lines(signature.inputs, "    in   ")
        lines += _tensor_lines(signature.outputs, "    out  ")
    lines += _compatibility_lines(summary) + _tflite_lines(summary.tflite)
    for note in summary.notes:
        lines.append(f"Note: {note}")
    if summary.convert_command:
        lines.append("Convert with:")
        lines.append(f"  {summary.convert_command}")
    return "\n".join(lines) + "\n"


def _compatibility_lines(summary) -> list[str]:
    compat = summary.tflite_compatibility
    if compat.checked:
        if compat.convertible_with_builtins:
            lines = ["TFLite compatibility: converts with builtin ops only."]
        else:
            lines = ["TFLite compatibility: needs more than builtin ops."]
        if compat.select_tf_ops:
            lines.append(f"  select TF ops (--allow_select_tf_ops): {', '.join(compat.select_tf_ops)}")
        if compat.custom_ops:
            lines.append(f"  custom ops (--allow_custom_ops): {', '.join(compat.custom_ops)}")
        if compat.message:
            lines.append(f"  converter: {compat.message}")
        return lines
    if summary.format == summary_pb2.TFLITE:
        lines = [f"TFLite ops: {', '.join(compat.builtin_ops) or 'none'}"]
        if compat.select_tf_ops:
            lines.append(f"  select TF ops (needs the Flex delegate): {', '.join(compat.select_tf_ops)}")
        if compat.custom_ops:
            lines.append(f"  custom ops: {', '.join(compat.custom_ops)}")
        return lines
    return ["TFLite compatibility: not checked (run inspect --check for a trial conversion)."]


def _tflite_lines(details) -> list[str]:
    """Weight precision, custom ops LiteRT resolves, TFLite metadata (.tflite only)."""
    lines = [f"Weight precision: {details.weight_precision}"] if details.weight_precision else []
    if details.runnable_custom_ops:
        lines.append(f"  runs on the stock LiteRT runtime: {', '.join(details.runnable_custom_ops)}")
    if details.unresolved_custom_ops:
        lines.append(f"  not in the stock LiteRT runtime (register them or add the Flex delegate): "
                     f"{', '.join(details.unresolved_custom_ops)}")
    metadata = details.metadata
    if metadata.ByteSize():
        title = " ".join(filter(None, [metadata.name, f"v{metadata.version}" if metadata.version else ""]))
        lines.append(f"TFLite metadata: {title or '(unnamed)'}" +
                     (f" - {metadata.description}" if metadata.description else ""))
        for kind, tensors in (("input", metadata.inputs), ("output", metadata.outputs)):
            for tensor in tensors:
                parts = []
                if tensor.mean or tensor.std:
                    parts.append(f"normalized (x - {_floats(tensor.mean)}) / {_floats(tensor.std)}")
                parts += [_file(f) for f in tensor.associated_files]
                if parts:
                    lines.append(f"  {kind} {tensor.name or '?'}: {'; '.join(parts)}")
        lines += [f"  file {_file(f)}" for f in metadata.associated_files]
    return lines


def _floats(values) -> str:
    shown = ",".join(f"{v:g}" for v in values)
    return f"[{shown}]" if len(values) > 1 else shown


def _file(associated) -> str:
    lines = f", {associated.lines} lines" if associated.lines else ""
    return f"{associated.name} ({associated.type}{lines})"
