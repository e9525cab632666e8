"""`swapped_model`: a model whose .tflite is another model's, for a verify test that must fail."""

load("@tflite_tools//tflite_tools:defs.bzl", "TfliteModelInfo")

def _swapped_model_impl(ctx):
    model = ctx.attr.model[TfliteModelInfo]
    other = ctx.attr.tflite_of[TfliteModelInfo]
    return [TfliteModelInfo(
        tflite = other.tflite,
        report = model.report,
        source_files = model.source_files,
        source_short_path = model.source_short_path,
        cli_options = model.cli_options,
    )]

swapped_model = rule(
    implementation = _swapped_model_impl,
    doc = "`model`'s TensorFlow source paired with the .tflite of `tflite_of`.",
    attrs = {
        "model": attr.label(providers = [TfliteModelInfo], doc = "Whose source to verify against."),
        "tflite_of": attr.label(providers = [TfliteModelInfo], doc = "Whose .tflite to verify."),
    },
)
