"""`tflite_convert` (the conversion rule), the verify test and benchmark run rules, and `tflite_model`."""

load(":common.bzl", "RUNNER_ATTRS", "TOOL_ATTRS", "model_path", "run_cli", "runner_script")
load(":freeze.bzl", "freeze_action")
load(":providers.bzl", "TfliteModelInfo")

QUANTIZE_MODES = ["none", "dynamic", "float16", "int8", "int16x8"]

# Full-integer modes calibrate activation ranges on representative inputs.
_NEEDS_REPRESENTATIVE_DATA = ["int8", "int16x8"]

def _check_attrs(ctx):
    quantize = ctx.attr.quantize
    if quantize not in QUANTIZE_MODES:
        fail("{}: quantize = \"{}\" is not a quantization mode; use one of {}.".format(
            ctx.label,
            quantize,
            ", ".join(QUANTIZE_MODES),
        ))
    if quantize in _NEEDS_REPRESENTATIVE_DATA and not ctx.file.representative_data:
        fail("{}: quantize = \"{}\" needs representative_data (an .npz of sample inputs) ".format(
            ctx.label,
            quantize,
        ) + "to calibrate activation ranges; add it, or use quantize = \"dynamic\".")

def _shape_options(attr):
    """The flags that say which tensors are inputs/outputs and their shapes."""
    options = []
    if attr.input_arrays:
        options.append("--input_arrays=" + ",".join(attr.input_arrays))
    if attr.output_arrays:
        options.append("--output_arrays=" + ",".join(attr.output_arrays))
    if attr.input_shapes:
        options.append("--input_shapes=" + attr.input_shapes)
    return options

def _tflite_convert_impl(ctx):
    _check_attrs(ctx)
    tflite = ctx.outputs.tflite
    report = ctx.outputs.report
    source_files = ctx.files.src
    source, source_short = model_path(ctx.label, source_files)
    if ctx.files.checkpoint:
        if len(source_files) != 1:
            fail("{}: with checkpoint, src must be one graph file (.pb, .pbtxt or .meta).".format(ctx.label))
        frozen = ctx.actions.declare_file(ctx.label.name + "_frozen.pb")
        freeze_action(ctx, source_files[0], ctx.files.checkpoint, ctx.attr.output_arrays, frozen)
        source_files = [frozen]
        source, source_short = frozen.path, frozen.short_path

    args = ctx.actions.args()
    args.add("convert", source)
    args.add("--output_file", tflite)
    args.add("--report", report)
    args.add_all(_shape_options(ctx.attr))
    if ctx.attr.quantize != "none":
        args.add("--quantize", ctx.attr.quantize)
    inputs = list(source_files)
    if ctx.file.representative_data:
        args.add("--representative_data", ctx.file.representative_data)
        inputs.append(ctx.file.representative_data)
    if ctx.attr.allow_select_tf_ops:
        args.add("--allow_select_tf_ops")
    if not ctx.attr.verify:
        args.add("--no_verify")
    args.add_all(ctx.attr.extra_args)
    run_cli(
        ctx,
        mnemonic = "TfliteConvert",
        progress_message = "Converting {} to {}".format(source_short, tflite.short_path),
        inputs = inputs,
        outputs = [tflite, report],
        cli_args = args,
        report = report,
    )
    return [
        DefaultInfo(files = depset([tflite, report])),
        TfliteModelInfo(
            tflite = tflite,
            report = report,
            source_files = depset(source_files),
            source_short_path = source_short,
            cli_options = _shape_options(ctx.attr),
        ),
    ]

tflite_convert = rule(
    implementation = _tflite_convert_impl,
    doc = "Converts a TensorFlow model to `<name>.tflite` with `tflite-tools convert`, and " +
          "writes `<name>_report.json` (inputs, outputs, ops, sizes; no timings, so the bytes " +
          "are the same on every run). Use the `tflite_model` macro, which adds the verify " +
          "test and the benchmark target.",
    attrs = dict(TOOL_ATTRS, **{
        "src": attr.label_list(
            mandatory = True,
            allow_files = True,
            doc = "The model: one file (frozen GraphDef .pb/.pbtxt, MetaGraph .meta, Keras " +
                  ".h5/.keras, .tflite), or every file of a SavedModel directory (a filegroup " +
                  "or glob([\"dir/**\"]); the directory holding saved_model.pb is converted).",
        ),
        "checkpoint": attr.label_list(
            allow_files = True,
            doc = "A Saver checkpoint (.index and .data-* files) holding the variables of " +
                  "src, a graph file: the graph is frozen first (action TfliteFreeze). " +
                  "Empty: src needs no checkpoint.",
        ),
        "input_arrays": attr.string_list(
            doc = "Input tensors (node names); empty: the model's own inputs.",
        ),
        "output_arrays": attr.string_list(
            doc = "Output tensors (node names); empty: the model's own outputs. With " +
                  "checkpoint, also the nodes kept by freezing.",
        ),
        "input_shapes": attr.string(
            doc = "Input shapes as tflite_convert spells them, e.g. \"1,28,28,1\" or " +
                  "\"1,224,224,3:1,10\" (one per input array); empty: the model's shapes.",
        ),
        "quantize": attr.string(
            default = "none",
            doc = "One of none (float32), dynamic (int8 weights), float16 (float16 weights), " +
                  "int8 or int16x8 (full integer; both need representative_data).",
        ),
        "representative_data": attr.label(
            allow_single_file = True,
            doc = "An .npz of sample inputs to calibrate full-integer quantization; required " +
                  "for quantize = int8 and int16x8, otherwise unused.",
        ),
        "allow_select_tf_ops": attr.bool(
            default = False,
            doc = "Let ops without a TFLite builtin run as TensorFlow (Flex) ops; the .tflite " +
                  "then needs the Flex delegate. False: such ops fail the conversion.",
        ),
        "extra_args": attr.string_list(
            doc = "More `tflite-tools convert` flags, passed as given (e.g. " +
                  "[\"--signature_key\", \"serving_default\"]).",
        ),
        "verify": attr.bool(
            default = True,
            doc = "Verify the .tflite against TensorFlow in the conversion action (convert's " +
                  "default: a mismatch fails the build). `tflite_model` sets it to False when " +
                  "it declares the `<name>_verify` test, so the check runs once, as that test.",
        ),
    }),
    outputs = {
        "tflite": "%{name}.tflite",
        "report": "%{name}_report.json",
    },
)

def _runfiles_for(ctx, model):
    files = depset([model.tflite], transitive = [model.source_files])
    return ctx.runfiles(transitive_files = files).merge(ctx.attr._runner[DefaultInfo].default_runfiles)

def _tflite_verify_test_impl(ctx):
    model = ctx.attr.model[TfliteModelInfo]
    script = runner_script(ctx, [
        "verify",
        "$here/" + model.source_short_path,
        "$here/" + model.tflite.short_path,
    ] + model.cli_options)
    return [DefaultInfo(executable = script, runfiles = _runfiles_for(ctx, model))]

tflite_verify_test = rule(
    implementation = _tflite_verify_test_impl,
    test = True,
    doc = "Passes when `tflite-tools verify` finds the .tflite's outputs equal to TensorFlow's " +
          "(within tolerance) on the same inputs.",
    attrs = dict(RUNNER_ATTRS, **{
        "model": attr.label(
            mandatory = True,
            providers = [TfliteModelInfo],
            doc = "A `tflite_convert` target (the one `tflite_model` declares as `name`).",
        ),
    }),
)

def _tflite_benchmark_impl(ctx):
    model = ctx.attr.model[TfliteModelInfo]
    script = runner_script(ctx, ["benchmark", "--graph=$here/" + model.tflite.short_path])
    return [DefaultInfo(executable = script, runfiles = _runfiles_for(ctx, model))]

tflite_benchmark = rule(
    implementation = _tflite_benchmark_impl,
    executable = True,
    doc = "`bazel run` target timing the .tflite with `tflite-tools benchmark` (benchmark_model's " +
          "flags; more may follow `--` on the command line).",
    attrs = dict(RUNNER_ATTRS, **{
        "model": attr.label(
            mandatory = True,
            providers = [TfliteModelInfo],
            doc = "A `tflite_convert` target (the one `tflite_model` declares as `name`).",
        ),
    }),
)

# Benchmarks time the machine they run on: never remotely, never in a sandbox.
BENCHMARK_TAGS = ["local", "no-remote"]

def tflite_model(
        name,
        src,
        checkpoint = [],
        input_arrays = [],
        output_arrays = [],
        input_shapes = "",
        quantize = "none",
        representative_data = None,
        allow_select_tf_ops = False,
        extra_args = [],
        verify = True,
        verify_size = "medium",
        **kwargs):
    """A TensorFlow model converted to TFLite, with its verify test and benchmark target.

    Declares:
      `<name>`: the conversion (rule `tflite_convert`), outputs `<name>.tflite`
        and `<name>_report.json`.
      `<name>_verify`: a test comparing the .tflite with TensorFlow (if verify).
      `<name>_benchmark`: `bazel run` it to time the .tflite (tagged local,
        no-remote).

    Args:
      name: target name; also names the output files.
      src: the model (see `tflite_convert.src`).
      checkpoint: Saver checkpoint files when src is an unfrozen graph.
      input_arrays: input node names; default the model's inputs.
      output_arrays: output node names; default the model's outputs.
      input_shapes: tflite_convert's spelling, e.g. "1,28,28,1".
      quantize: none, dynamic, float16, int8 or int16x8.
      representative_data: .npz label, required for int8 and int16x8.
      allow_select_tf_ops: allow TensorFlow (Flex) ops in the .tflite.
      extra_args: more `tflite-tools convert` flags.
      verify: declare `<name>_verify` (True: the conversion action skips its own
        check, the test makes it; False: the action verifies, as convert does).
      verify_size: the test's size (TensorFlow takes seconds to start).
      **kwargs: common attributes (visibility, tags, testonly, ...) for all targets.
    """
    tflite_convert(
        name = name,
        src = src if type(src) == "list" else [src],
        checkpoint = checkpoint,
        input_arrays = input_arrays,
        output_arrays = output_arrays,
        input_shapes = input_shapes,
        quantize = quantize,
        representative_data = representative_data,
        allow_select_tf_ops = allow_select_tf_ops,
        extra_args = extra_args,
        verify = not verify,
        **kwargs
    )
    if verify:
        tflite_verify_test(name = name + "_verify", model = name, size = verify_size, **kwargs)
    tags = kwargs.pop("tags", [])
    tflite_benchmark(name = name + "_benchmark", model = name, tags = tags + BENCHMARK_TAGS, **kwargs)
