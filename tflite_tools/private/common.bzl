"""Helpers shared by tflite-tools' rules: finding the model among a target's files, running the CLI."""

# Attributes every rule that runs the CLI as a build action has.
TOOL_ATTRS = {
    "_tool": attr.label(
        default = Label("//tflite_tools:bazel_action"),
        executable = True,
        cfg = "exec",
        doc = "The tflite-tools CLI as a build tool (//tflite_tools:bazel_action).",
    ),
    "_versions": attr.label(
        default = Label("@tflite_tools_python//:versions.txt"),
        allow_single_file = True,
        doc = "Python, TensorFlow and converter versions: an input of every action, so " +
              "cached outputs are reused only with the same converter.",
    ),
}

# Attributes of rules whose test or run script calls the CLI from its runfiles.
RUNNER_ATTRS = {
    "_runner": attr.label(
        default = Label("//tflite_tools:tflite_tools"),
        executable = True,
        cfg = "target",
        doc = "The whole tflite-tools CLI, run from the test's or script's runfiles.",
    ),
}

_SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")

def model_path(label, files, attr_name = "src"):
    """The path the CLI takes for a model given as `files` (one file, or a SavedModel's files).

    Args:
      label: the rule's label, for error messages.
      files: list of File from the `attr_name` attribute.
      attr_name: the attribute's name, for error messages.

    Returns:
      (path, short_path): the model's path in the execroot and in runfiles.
    """
    if not files:
        fail("{}: {} has no files; if it is a glob, check the pattern matches the model.".format(
            label,
            attr_name,
        ))
    if len(files) == 1:
        return files[0].path, files[0].short_path
    roots = [f for f in files if f.basename in _SAVED_MODEL_FILES]
    if len(roots) == 1:
        return roots[0].dirname, _dirname(roots[0].short_path)
    if not roots:
        fail("{}: {} has {} files and none is saved_model.pb; give one model file ".format(
            label,
            attr_name,
            len(files),
        ) + "(.pb, .pbtxt, .meta, .h5, .keras, .tflite) or all the files of one SavedModel " +
             "directory (e.g. glob([\"my_model/**\"])).")
    fail("{}: {} holds {} SavedModels ({}); give the files of one.".format(
        label,
        attr_name,
        len(roots),
        ", ".join([r.dirname for r in roots]),
    ))

def checkpoint_prefix(label, files):
    """The Saver checkpoint prefix (path without `.index`) among `files`."""
    indexes = [f for f in files if f.basename.endswith(".index")]
    if len(indexes) != 1:
        fail("{}: checkpoint must hold exactly one Saver checkpoint (a .index file and its ".format(label) +
             ".data-* shards); it has {} .index files.".format(len(indexes)))
    return indexes[0].path[:-len(".index")]

def _dirname(path):
    return path.rpartition("/")[0]

def run_cli(ctx, mnemonic, progress_message, inputs, outputs, cli_args, stdout_to = None, report = None):
    """Register an action running `tflite-tools cli_args...` through the quiet action launcher.

    Args:
      ctx: the rule context (needs TOOL_ATTRS).
      mnemonic: the action's mnemonic, e.g. "TfliteConvert".
      progress_message: what the build prints while it runs.
      inputs: list of File the command reads.
      outputs: list of File it writes.
      cli_args: the CLI's arguments (an Args object or a list of strings).
      stdout_to: File that receives the command's standard output, or None.
      report: File holding a JSON report to strip of timings and paths, or None.
    """
    launcher = ctx.actions.args()
    if stdout_to:
        launcher.add("--stdout_to", stdout_to)
    if report:
        launcher.add("--hermetic_report", report)
    launcher.add("--")
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [launcher, cli_args],
        inputs = inputs + [ctx.file._versions],
        outputs = outputs,
        mnemonic = mnemonic,
        progress_message = progress_message,
        # TensorFlow reads no variable that changes its output; a fixed set keeps
        # the cache key identical across machines whatever the user's shell has.
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "PYTHONHASHSEED": "0",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        },
    )

def runner_script(ctx, arguments):
    """Write a script that runs the CLI from the target's runfiles with `arguments`.

    Each argument is double-quoted into the script; `$here` in one stands for
    the runfiles directory, so paths become absolute (the CLI's launcher moves
    to the user's directory under `bazel run`). Extra arguments are passed on.

    Returns:
      The script File.
    """
    script = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = _RUNNER_TEMPLATE.format(
            label = ctx.label,
            runner = ctx.executable._runner.short_path,
            arguments = " ".join(['"{}"'.format(a) for a in arguments]),
        ),
    )
    return script

_RUNNER_TEMPLATE = """#!/bin/sh
# Generated for {label}: runs tflite-tools from this target's runfiles.
here="$(pwd)"
exec "$here/{runner}" {arguments} "$@"
"""
