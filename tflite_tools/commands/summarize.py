"""`tflite-tools summarize`: TensorFlow's summarize_graph, same flags, same text.

    tflite-tools summarize --in_graph=model.pb [--print_structure]

`--format text` (the default) prints summarize_graph's stdout byte for byte;
json and pbtxt print the GraphSummary message. TensorFlow is never imported.
Besides GraphDefs, --in_graph takes a SavedModel directory or a .meta file.
"""

from __future__ import annotations

import argparse

from tflite_tools.commands.freeze import add_bool_flag
from tflite_tools.errors import UsageError
from tflite_tools.native import engine


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--in_graph", default="",
                        help="input graph file name: binary or text GraphDef (also a .meta "
                             "file or a SavedModel directory)")
    add_bool_flag(parser, "--print_structure", default=False,
                  help="whether to print the network connections of the graph")
    engine.add_engine_flags(parser)


def run(args):
    from tflite_tools.summarize_graph.summarize import summarize

    if not args.in_graph:
        raise UsageError("--in_graph is required: pass the GraphDef to summarize, "
                         "e.g. --in_graph=model.pb.")
    native = engine.native_result("summarize", args)  # --engine native|auto: TF's summarize_graph
    if native is not None:
        return native
    return summarize(args.in_graph, print_structure=args.print_structure)
