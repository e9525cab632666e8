"""`tflite-tools convert MODEL [MODEL] -o OUT.tflite`: any artifact to .tflite.

Flags keep tflite_convert's spellings (--output_file, --input_arrays,
--output_arrays, --input_shapes 1,224,224,3:1,10, --allow_custom_ops).
MODEL is one artifact; a second MODEL names the files of the same model
kept apart, a graph and its checkpoint, in either order
(`convert graph.pbtxt ckpt/model.ckpt-1000 -o model.tflite`), or the
checkpoint comes with freeze_graph's --input_checkpoint. The .tflite is
verified against TensorFlow before it is written unless --no_verify.
"""

from __future__ import annotations

import argparse

from tflite_tools.native import engine


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", nargs="+", metavar="MODEL",
                        help="any artifact `inspect` recognises; or a graph file and its checkpoint")
    parser.add_argument("-o", "--output_file", "--output", dest="output_file", required=True,
                        help="the .tflite to write (a directory: DIR/<model>.tflite)")
    parser.add_argument("--input_checkpoint", "--checkpoint", dest="checkpoint", default="",
                        help="the checkpoint of a graph (freeze_graph's flag), when not beside it")
    add_conversion_flags(parser)
    verify = parser.add_mutually_exclusive_group()
    verify.add_argument("--verify", action="store_true",
                        help="verify (the default; with it, a model with nothing to verify against is an error)")
    verify.add_argument("--no_verify", action="store_true",
                        help="skip running TensorFlow and TFLite on the same inputs to compare them")
    parser.add_argument("--layers", action="store_true",
                        help="verify every layer too, and name the first that diverges")
    parser.add_argument("--report", default="", help="also write the ConversionReport as JSON here")
    parser.add_argument("--html", default="", help="also write the HTML report (model, conversion, "
                        "verification) here")
    engine.add_engine_flags(parser)


def add_conversion_flags(parser: argparse.ArgumentParser) -> None:
    """The converter's flags (shared with `report`)."""
    parser.add_argument("--input_arrays", default="",
                        help="comma-separated inputs; any tensor (e.g. IteratorGetNext:0) cuts the graph there")
    parser.add_argument("--output_arrays", default="", help="comma-separated outputs")
    parser.add_argument("--input_shapes", default="", help="shapes per input: 1,224,224,3:1,10")
    parser.add_argument("--quantize", default="none",
                        choices=("none", "dynamic", "float16", "int8", "int16x8"),
                        help="post-training quantization (default none)")
    parser.add_argument("--representative_data", default="",
                        help=".npz with one array per input name (int8/int16x8 calibration)")
    parser.add_argument("--inference_input_type", default="", choices=("", "float32", "int8", "uint8", "int16"),
                        help="integer model input type")
    parser.add_argument("--inference_output_type", default="", choices=("", "float32", "int8", "uint8", "int16"),
                        help="integer model output type")
    # Plain switches, as in tflite_convert (a bool flag taking a value would swallow MODEL).
    parser.add_argument("--allow_select_tf_ops", "--enable_select_tf_ops", action="store_true",
                        help="keep ops TFLite lacks as select TF ops (Flex)")
    parser.add_argument("--allow_custom_ops", action="store_true", help="let unknown ops through as custom ops")
    parser.add_argument("--unsafe_deserialization", action="store_true",
                        help="load Keras files whose loading runs code (Lambda layers, custom objects)")
    parser.add_argument("--saved_model_tags", "--saved_model_tag_set", dest="saved_model_tags",
                        default="serve", help="SavedModel MetaGraph tags (default serve)")
    parser.add_argument("--signature_key", "--saved_model_signature_key", dest="signature_key",
                        default="", help="SavedModel signature (default serving_default)")
    parser.add_argument("--keep_float", default="", metavar="OP_OR_TENSOR[,..]",
                        help="with --quantize int8 or dynamic: keep these TFLite ops (CONV_2D) or tensors in float "
                             "(dynamic: ops with int8 weights get their float weights back)")


def conversion_options(args) -> dict:
    """`convert`'s keyword arguments from the flags add_conversion_flags made."""
    return dict(
        input_arrays=_names(args.input_arrays), output_arrays=_names(args.output_arrays),
        input_shapes=args.input_shapes or None, quantize=args.quantize,
        representative_data=args.representative_data or None,
        inference_input_type=args.inference_input_type, inference_output_type=args.inference_output_type,
        allow_select_tf_ops=args.allow_select_tf_ops, allow_custom_ops=args.allow_custom_ops,
        unsafe_deserialization=args.unsafe_deserialization, saved_model_tags=args.saved_model_tags,
        signature_key=args.signature_key, keep_float=_names(args.keep_float))


def run(args):
    from tflite_tools.convert.conversion import convert

    options = dict(conversion_options(args), verify=False if args.no_verify else (args.verify or None),
                   verify_layers=args.layers)
    model, checkpoint = _graph_and_checkpoint(args.models, args.checkpoint)
    native = engine.native_result("convert", args, model=model, checkpoint=checkpoint, **options)
    if native is not None:
        return native
    if not args.html:
        return convert(model, args.output_file, checkpoint=checkpoint, report_file=args.report or None,
                       **options)
    from tflite_tools.report.gather import conversion_page

    return conversion_page(model, args.output_file, args.html, checkpoint=checkpoint,
                           report_file=args.report or None, **options)


def _graph_and_checkpoint(models, flag: str):
    from tflite_tools.errors import UsageError
    from tflite_tools.formats.checkpoints import find_checkpoint

    if len(models) == 1:
        return models[0], (find_checkpoint(flag) or flag) if flag else None
    if flag:
        raise UsageError(f"--input_checkpoint {flag} and a second MODEL both name a checkpoint; give one.")
    if len(models) == 2:
        first, second = (find_checkpoint(m) if not m.endswith((".pb", ".pbtxt", ".meta")) else None
                         for m in models)
        if second and not first:
            return models[0], second
        if first and not second:
            return models[1], first
    raise UsageError(f"convert takes one model, or a graph file and its checkpoint; got "
                     f"{' '.join(models)} (convert several models one at a time).")


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]
