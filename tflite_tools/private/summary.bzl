"""`graph_summary`: TensorFlow's summarize_graph of a GraphDef, as a pbtxt file."""

load(":common.bzl", "TOOL_ATTRS", "run_cli")

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
