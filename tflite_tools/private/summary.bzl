"""`graph_summary` (summarize_graph of a GraphDef) and `model_summary` (inspect of any model), as pbtxt."""

load(":common.bzl", "TOOL_ATTRS", "model_path", "run_cli")

def _graph_summary_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".pbtxt")
    args = ctx.actions.args()
    args.add("summarize")
    args.add(ctx.file.graph, format = "--in_graph=%s")
    args.add("--format", "pbtxt")
    run_cli(
        ctx,
        mnemonic = "TfliteSummarize",
        progress_message = "Summarizing {} into {}".format(ctx.file.graph.short_path, out.short_path),
        inputs = [ctx.file.graph],
        outputs = [out],
        cli_args = args,
        stdout_to = out,
    )
    return [DefaultInfo(files = depset([out]))]

graph_summary = rule(
    implementation = _graph_summary_impl,
    doc = "Writes `<name>.pbtxt`: the GraphSummary message (inputs, outputs, op counts, " +
          "parameters) of `tflite-tools summarize --in_graph=GRAPH --format pbtxt`.",
    attrs = dict(TOOL_ATTRS, **{
        "graph": attr.label(
            mandatory = True,
            allow_single_file = True,
            doc = "Label of a GraphDef file (.pb binary or .pbtxt text), e.g. a `frozen_graph`.",
        ),
    }),
)

def _model_summary_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".pbtxt")
    source, source_short = model_path(ctx.label, ctx.files.src)
    args = ctx.actions.args()
    args.add("inspect", source)
    args.add("--format", "pbtxt")
    run_cli(
        ctx,
        mnemonic = "TfliteInspect",
        progress_message = "Inspecting {} into {}".format(source_short, out.short_path),
        inputs = ctx.files.src,
        outputs = [out],
        cli_args = args,
        stdout_to = out,
    )
    return [DefaultInfo(files = depset([out]))]

model_summary = rule(
    implementation = _model_summary_impl,
    doc = "Writes `<name>.pbtxt`: the ModelSummary message (format, inputs, outputs, " +
          "variables, op counts, TFLite compatibility) of `tflite-tools inspect SRC --format pbtxt`.",
    attrs = dict(TOOL_ATTRS, **{
        "src": attr.label_list(
            mandatory = True,
            allow_files = True,
            doc = "The model, as in `tflite_convert.src`: one file, or a SavedModel " +
                  "directory's files.",
        ),
    }),
)
