"""A FreezeResult as the CLI prints it."""

from __future__ import annotations

from tflite_tools.proto import freeze_pb2


def format_text(result: freeze_pb2.FreezeResult) -> str:
    """One summary block for the CLI."""
    lines = []
    source = result.input_graph or result.input_meta_graph or result.input_saved_model_dir
    lines.append(f"Froze {result.frozen_variables} variables of {source}")
    if result.input_checkpoint:
        lines.append(f"  checkpoint: {result.input_checkpoint}")
    lines.append(f"  outputs:    {', '.join(result.output_node_names)}")
    lines.append(f"  nodes:      {result.input_nodes} -> {result.output_nodes}")
    if result.output_graph:
        lines.append(f"  wrote:      {result.output_graph} ({result.output_size_bytes} bytes)")
    else:
        lines.append("  (no --output_graph given: nothing written)")
    if result.error:
        lines.append(f"  error: {result.error}")
    return "\n".join(lines) + "\n"
