"""`tflite-tools inspect MODEL [--check]`: what a TensorFlow artifact is.

Prints format and evidence, inputs, outputs, variables, parameter counts,
op types, input candidates, signatures and a convert command. TensorFlow is
imported only with --check (a trial conversion).
"""

from __future__ import annotations

import argparse

from tflite_tools.native import engine


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL",
                        help="a .pb/.pbtxt graph, .meta, checkpoint prefix or directory, SavedModel "
                             "directory, Keras .h5/.keras or .tflite file")
    parser.add_argument("--check", action="store_true",
                        help="also run a trial conversion and list the ops TFLite builtins lack "
                             "(imports TensorFlow)")
    engine.add_engine_flags(parser)


def run(args):
    from tflite_tools.inspect.model_summary import inspect

    native = engine.native_result("inspect", args)  # --engine native|auto: graph facts from summarize_graph
    if native is not None:
        return native
    return inspect(args.model, check=args.check)
