"""`frozen_graph`: a Saver checkpoint + graph frozen into one GraphDef (TensorFlow's freeze_graph)."""

load(":common.bzl", "TOOL_ATTRS", "checkpoint_prefix", "run_cli")

def freeze_action(ctx, graph, checkpoint_files, output_node_names, out):
    """Register a TfliteFreeze action writing the frozen GraphDef `out`.

    Args:
      ctx: rule context with TOOL_ATTRS.
      graph: File: a GraphDef (.pb/.pbtxt) or MetaGraph (.meta).
      checkpoint_files: list of File: one Saver checkpoint (.index + .data-*).
      output_node_names: list of string; empty lets tflite-tools find the outputs.
      out: File to write.
    """
    args = ctx.actions.args()
    args.add("freeze")
    if graph.extension == "meta":
        args.add(graph, format = "--input_meta_graph=%s")
    else:
        args.add(graph, format = "--input_graph=%s")
    args.add(checkpoint_prefix(ctx.label, checkpoint_files), format = "--input_checkpoint=%s")
    args.add(out, format = "--output_graph=%s")
    if output_node_names:
        args.add_joined(output_node_names, join_with = ",", format_joined = "--output_node_names=%s")
    run_cli(
        ctx,
        mnemonic = "TfliteFreeze",
        progress_message = "Freezing {} into {}".format(graph.short_path, out.short_path),
        inputs = [graph] + checkpoint_files,
        outputs = [out],
        cli_args = args,
    )

def _frozen_graph_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".pb")
    freeze_action(ctx, ctx.file.graph, ctx.files.checkpoint, ctx.attr.output_node_names, out)
    return [DefaultInfo(files = depset([out]))]

frozen_graph = rule(
    implementation = _frozen_graph_impl,
    doc = "Freezes a graph and its Saver checkpoint into `<name>.pb`, a GraphDef whose " +
          "variables are constants (TensorFlow's freeze_graph, run by `tflite-tools freeze`).",
    attrs = dict(TOOL_ATTRS, **{
        "graph": attr.label(
            mandatory = True,
            allow_single_file = [".pb", ".pbtxt", ".meta"],
            doc = "Label of the graph: a GraphDef (.pb binary or .pbtxt text) or a MetaGraph (.meta).",
        ),
        "checkpoint": attr.label_list(
            mandatory = True,
            allow_files = True,
            doc = "The Saver checkpoint's files: its .index and .data-* shards (a `checkpoint` " +
                  "state file may be among them and is ignored).",
        ),
        "output_node_names": attr.string_list(
            doc = "Nodes to keep (and everything they need). Empty: the outputs `tflite-tools " +
                  "inspect` finds in the graph.",
        ),
    }),
)
