"""`tflite-tools demo [DIR]`: the README's walk-through on a model it makes.

It writes a classic TF1 training directory (Saver checkpoint + MetaGraph +
graph.pbtxt, fed by a tf.data iterator, like slim/MobileNet training output)
into DIR/train, inspects it, then converts it (verified against TensorFlow,
convert's default) to DIR/model.tflite with --report DIR/report.json, cut at
the input candidate that `inspect` proposes. Progress goes to stderr; the result is the ConversionReport.
"""

from __future__ import annotations

import argparse
import os
import shlex


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default="tflite-tools-demo",
                        help="where to write the demo (default ./tflite-tools-demo)")


def run(args):
    from tflite_tools import demo, render
    from tflite_tools.convert.conversion import convert
    from tflite_tools.inspect.model_summary import inspect

    train_dir = os.path.join(args.directory, "train")
    output = os.path.join(args.directory, "model.tflite")
    report_file = os.path.join(args.directory, "report.json")
    _say(args.progress, f"1/3 training a tiny MobileNet-like network for {demo.TRAIN_STEPS} steps into {train_dir}")
    demo.build_training_run(train_dir)
    _say(args.progress, f"2/3 tflite-tools inspect {train_dir}")
    summary = inspect(train_dir)
    args.progress.write(render.render(summary, "text"))
    candidate = summary.input_candidates[0]
    flags = shlex.split(candidate.convert_flag)
    options = dict(flag.lstrip("-").split("=", 1) for flag in flags)
    command = ["tflite-tools", "convert", train_dir, "-o", output, *flags, "--report", report_file]
    _say(args.progress, "3/3 " + shlex.join(command))
    return convert(train_dir, output, input_arrays=options["input_arrays"].split(","),
                   input_shapes=options.get("input_shapes"), verify=True, report_file=report_file)


def _say(stream, line: str) -> None:
    stream.write(f"\n== {line}\n")
