"""`tflite-tools verify SOURCE OUT.tflite`: does the .tflite compute what SOURCE computes?

Exit 0 when every output is within tolerance, 4 (with the report printed)
when not. A .tflite that needs select TF ops exits 0 with status
NOT_RUNNABLE: the text says plainly that it was NOT numerically verified.
"""

from __future__ import annotations

import argparse
import functools


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="the TensorFlow model: frozen graph, checkpoint (+graph), .meta, "
                                       "SavedModel directory, Keras .h5/.keras")
    parser.add_argument("tflite", help="the .tflite converted from it")
    parser.add_argument("--input_range", default="0,1", metavar="LOW,HIGH",
                        help="range of the random inputs; integers for integer inputs (default 0,1)")
    parser.add_argument("--input_data", default=None, metavar="FILE.npz",
                        help="feed these arrays instead, keyed by source input name; arrays with one "
                             "more leading axis (convert's --representative_data) are that many samples")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    parser.add_argument("--num_samples", type=int, default=1,
                        help="random batches to run and compare (default 1)")
    parser.add_argument("--atol", type=float, default=None,
                        help="absolute tolerance (default 1e-5; for quantized models, setting it "
                             "replaces the SNR/argmax criterion)")
    parser.add_argument("--rtol", type=float, default=None, help="relative tolerance (default 1e-4)")
    parser.add_argument("--input_arrays", type=_names, default=None,
                        help="comma-separated source inputs (graphs: node names)")
    parser.add_argument("--output_arrays", type=_names, default=None,
                        help="comma-separated source outputs (graphs: default the .tflite's output names)")
    parser.add_argument("--input_shapes", default=None, metavar="1,224,224,3:1,10",
                        help="shapes for inputs with unknown dimensions, one per input, ':'-separated")
    parser.add_argument("--signature_key", default=None,
                        help="SavedModel signature to run (default serving_default)")
    parser.add_argument("--saved_model_tags", type=_names, default=None,
                        help="comma-separated SavedModel MetaGraph tags (default: the detected ones)")
    parser.add_argument("--layers", action="store_true",
                        help="compare every intermediate tensor too and name the first layer that diverges; "
                             "for an int8 or dynamic-range model below its SNR, try layers in float and suggest "
                             "--keep_float")
    parser.add_argument("--representative_data", default=None, metavar="FILE.npz",
                        help="with --layers: the calibration data of the int8 keep-float trials "
                             "(default: random inputs in --input_range)")


def run(args):
    from tflite_tools.convert.float_advice import verify_with_advice  # noqa: PLC0415 (as below)
    from tflite_tools.verify.verification import verify  # noqa: PLC0415 (keeps --help free of numpy/TF imports)

    check = functools.partial(verify_with_advice, representative_data=args.representative_data) \
        if args.layers else verify
    return check(
        args.source, args.tflite, input_data=args.input_data, input_range=args.input_range,
        seed=args.seed, num_samples=args.num_samples, atol=args.atol, rtol=args.rtol,
        input_arrays=args.input_arrays, output_arrays=args.output_arrays,
        input_shapes=args.input_shapes, signature_key=args.signature_key,
        saved_model_tags=args.saved_model_tags)
