"""`tflite-tools report MODEL [-o report.html]`: one HTML page of a model.

The model card always; for a TensorFlow model the conversion (convert's
flags), with --verify its verification, with --quantize_sweep every
--quantize mode, with --benchmark TensorFlow and TFLite side by side. The
page is one self-contained file: it fetches nothing when opened.
"""

from __future__ import annotations

import argparse

from tflite_tools.commands.convert import add_conversion_flags, conversion_options


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="any artifact `inspect` recognises, or a .tflite")
    parser.add_argument("-o", "--output", default="report.html", help="the .html to write (default report.html)")
    parser.add_argument("--tflite", default="", help="keep the converted .tflite here")
    parser.add_argument("--verify", action="store_true", help="add the verification against TensorFlow")
    parser.add_argument("--quantize_sweep", action="store_true",
                        help="convert and verify every --quantize mode; chart size, accuracy and latency")
    parser.add_argument("--benchmark", action="store_true",
                        help="add TensorFlow's and TFLite's latency side by side")
    parser.add_argument("--layers", action="store_true",
                        help="with --verify: every layer's error, and the first that diverges")
    add_conversion_flags(parser)


def run(args):
    from tflite_tools.report.gather import report

    return report(args.model, args.output, verify=args.verify, quantize_sweep=args.quantize_sweep,
                  benchmark=args.benchmark, tflite=args.tflite or None, verify_layers=args.layers, **conversion_options(args))
