"""`tflite-tools freeze`: freeze_graph.py's flags, spellings and defaults.

Bool flags take `--flag`, `--flag=true` or `--flag true` as in freeze_graph.py.
`--restore_op_name` and `--filename_tensor_name` are accepted and ignored
(freeze_graph.py ignores them too). `--input_binary` is accepted; the graph
encoding is sniffed from the file instead.
"""

from __future__ import annotations

import argparse
import os

from tflite_tools.native import engine


def parse_bool(value: str) -> bool:
    """freeze_graph.py's bool flag values (true/false), case-insensitive; also 1/0, yes/no."""
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got '{value}'")


def add_bool_flag(parser, *names, default: bool, help: str) -> None:
    parser.add_argument(*names, nargs="?", const=True, default=default, type=parse_bool,
                        metavar="true|false", help=help)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", default="",
                        help="graph file, .meta, checkpoint directory or SavedModel directory "
                             "(alternative to --input_graph / --input_meta_graph / "
                             "--input_saved_model_dir)")
    parser.add_argument("--input_graph", default="", help="GraphDef file (binary or text) to load")
    parser.add_argument("--input_saver", default="", help="SaverDef file to restore with")
    add_bool_flag(parser, "--input_binary", default=False,
                  help="accepted for compatibility; the encoding is detected")
    parser.add_argument("--input_checkpoint", default="",
                        help="checkpoint prefix, file or directory (default: the one beside the graph)")
    parser.add_argument("--checkpoint_version", type=int, default=2, help="1 or 2 (default 2)")
    parser.add_argument("--output_graph", "-o", default="",
                        help="where to write the frozen binary GraphDef (default: write nothing)")
    parser.add_argument("--output_node_names", default="",
                        help="comma-separated output nodes (default: the outputs inspect finds)")
    parser.add_argument("--restore_op_name", default="save/restore_all", help="ignored (as in TF)")
    parser.add_argument("--filename_tensor_name", default="save/Const:0", help="ignored (as in TF)")
    add_bool_flag(parser, "--clear_devices", default=True, help="clear node devices (default true)")
    parser.add_argument("--initializer_nodes", default="",
                        help="comma-separated nodes to run after restoring")
    parser.add_argument("--variable_names_allowlist", "--variable_names_whitelist", default="",
                        dest="variable_names_allowlist", help="only freeze these variables")
    parser.add_argument("--variable_names_denylist", "--variable_names_blacklist", default="",
                        dest="variable_names_denylist", help="do not freeze these variables")
    parser.add_argument("--input_meta_graph", default="", help="MetaGraphDef file to load")
    parser.add_argument("--input_saved_model_dir", default="", help="SavedModel directory to load")
    parser.add_argument("--saved_model_tags", default="serve",
                        help="comma-separated MetaGraph tags (default serve)")
    engine.add_engine_flags(parser)


def run(args):
    from tflite_tools.freeze.freeze_graph import freeze

    sources = _sources(args)
    native = engine.native_result("freeze", args, **sources)
    if native is not None:
        return native
    return freeze(
        sources["input_graph"] or None, sources["input_checkpoint"] or None, args.output_node_names,
        args.output_graph or None, input_meta_graph=sources["input_meta_graph"] or None,
        input_saved_model_dir=sources["input_saved_model_dir"] or None,
        saved_model_tags=args.saved_model_tags, input_saver=args.input_saver or None,
        clear_devices=args.clear_devices, initializer_nodes=args.initializer_nodes,
        variable_names_allowlist=args.variable_names_allowlist,
        variable_names_denylist=args.variable_names_denylist, checkpoint_version=args.checkpoint_version)


def _sources(args) -> dict:
    """The graph, MetaGraph, SavedModel and checkpoint the flags (or MODEL) name, for either engine.

    A MODEL, or an --input_graph that is a directory, a checkpoint prefix or a
    .meta, is placed by what `detect` says it is.
    """
    from tflite_tools.errors import UsageError
    from tflite_tools.freeze.sources import model_sources

    if args.model and (args.input_graph or args.input_meta_graph or args.input_saved_model_dir):
        raise UsageError("give the model either as MODEL or with --input_graph / --input_meta_graph / "
                         "--input_saved_model_dir, not both.")
    graph = args.model or args.input_graph
    sources = {"input_graph": graph, "input_meta_graph": args.input_meta_graph,
               "input_saved_model_dir": args.input_saved_model_dir,
               "input_checkpoint": args.input_checkpoint}
    if graph and not args.input_meta_graph and not args.input_saved_model_dir and (
            not os.path.isfile(graph) or graph.endswith(".meta")):
        placed = model_sources(graph, args.input_checkpoint or None)
        sources.update(input_graph=placed.graph, input_meta_graph=placed.meta_graph,
                       input_saved_model_dir=placed.saved_model_dir, input_checkpoint=placed.checkpoint)
    return sources
