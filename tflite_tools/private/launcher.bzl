"""`tflite_tools_command`: one `bazel run`-able binary per CLI subcommand."""

def _command_main_impl(ctx):
    ctx.actions.write(
        output = ctx.outputs.out,
        content = _MAIN_TEMPLATE.format(
            entry = ctx.attr.entry,
            args = repr(ctx.attr.command) if ctx.attr.command else "",
        ),
    )
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

_MAIN_TEMPLATE = """import sys

# Bazel runs tflite-tools from its runfiles: an editable install of the package
# in the interpreter's site-packages must not fill gaps in a BUILD file's srcs.
sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]

from tflite_tools import bazel_launcher  # noqa: E402

sys.exit(bazel_launcher.{entry}({args}))
"""

_command_main = rule(
    implementation = _command_main_impl,
    doc = "Writes a Python main file that runs one tflite-tools subcommand.",
    attrs = {
        "command": attr.string(doc = "The subcommand, e.g. `convert`; empty for the whole CLI."),
        "entry": attr.string(
            default = "run",
            values = ["run", "action_main"],
            doc = "The function of tflite_tools.bazel_launcher to call.",
        ),
        "out": attr.output(mandatory = True, doc = "The main file to write."),
    },
)

def tflite_tools_command(name, deps, command = None, entry = "run", **kwargs):
    """A py_binary `name` running `tflite-tools [command]` from the user's directory.

    The subcommand is baked into a generated main file rather than passed as
    `args`, so `bazel-bin/.../<name>` run directly behaves like `bazel run`.

    Args:
      name: target name.
      command: the CLI subcommand; None for the whole CLI.
      entry: "run" for a run target, "action_main" for the tool of build actions.
      deps: py_library targets holding the CLI and the launcher.
      **kwargs: passed to py_binary (e.g. visibility).
    """
    # The main file sits in a directory of its own: Python puts the main
    # file's directory first on sys.path, where tflite_tools/inspect/ would
    # shadow the standard library's inspect.
    main = "bazel_main/tflite_tools_{}.py".format(name)
    _command_main(name = name + "_main", command = command, entry = entry, out = main)
    native.py_binary(
        name = name,
        srcs = [main],
        main = main,
        deps = deps,
        # Implicit empty __init__.py files would make this repository's root,
        # also named tflite_tools, shadow the tflite_tools package.
        legacy_create_init = False,
        **kwargs
    )
