"""`tf_wheel_cc_binary`: a C++ program linked against the installed TensorFlow wheel.

BUILD (in a workspace that declared @tf_wheel and the tool's tf_tool_sources with
repositories.bzl):

    load("//:defs.bzl", "tf_wheel_cc_binary")
    tf_wheel_cc_binary(
        name = "summarize_graph",
        sources = "@summarize_graph_sources",
        srcs = ["tensorflow/tools/graph_transforms/summarize_graph_main.cc"],
    )
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")
load("@tf_wheel//:flags.bzl", "WHEEL_COPTS")

def tf_wheel_cc_binary(name, sources, srcs, **kwargs):
    """A cc_binary over the wheel's TensorFlow and a tf_tool_sources repository.

    Args:
      name: the binary's name.
      sources: the tf_tool_sources repository holding its files ("@name").
      srcs: its source files, as paths inside `sources`.
      **kwargs: passed to cc_binary (e.g. copts, visibility).
    """
    cc_binary(
        name = name,
        srcs = ["{}//:{}".format(sources, path) for path in srcs],
        deps = [sources + "//:headers", "@tf_wheel//:tensorflow"],
        # The wheel's op kernels and the direct-session factory register
        # themselves from static initializers: both libraries must stay
        # linked even when no symbol of theirs looks used, or a Session
        # fails with "No session factory registered". Bazel puts linkopts
        # after the libraries of deps, where --no-as-needed would come too
        # late, so the libraries are named again after it.
        linkopts = [
            "-Wl,--no-as-needed",
            "-l:libtensorflow_framework.so.2",
            "-l:libtensorflow_cc.so.2",
        ],
        # The wheel's flags (-std=c++17 ...); -w: TF's headers raise
        # thousands of deprecation warnings.
        copts = WHEEL_COPTS + ["-w"] + kwargs.pop("copts", []),
        **kwargs
    )
