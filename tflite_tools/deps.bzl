"""WORKSPACE setup for tflite-tools.

In a WORKSPACE that has tflite-tools as an external repository:

    local_repository(name = "tflite_tools", path = "third_party/tflite-tools")
    load("@tflite_tools//tflite_tools:deps.bzl", "tflite_tools_dependencies")
    tflite_tools_dependencies()
"""

load(
    "//tflite_tools/private:repositories.bzl",
    "local_copy_repository",
    "tflite_tools_python",
)

_STAND_INS = ["rules_cc", "rules_java", "remote_coverage_tools"]

def tflite_tools_dependencies(offline_stand_ins = True, register_python_toolchain = True):
    """Declare the repositories tflite-tools needs, without downloading anything.

    Args:
      offline_stand_ins: bool. Declare local stand-ins (from tflite-tools'
        `third_party/`) for `@rules_cc`, `@rules_java` and `@remote_coverage_tools`,
        which Bazel 4 would otherwise download. A repository already declared by
        that name is left alone, so a workspace with the real ones keeps them.
      register_python_toolchain: bool. Register `@tflite_tools_python`, a Python
        toolchain running the interpreter that has TensorFlow (see
        `tflite_tools_python`). This applies to every `py_binary` and `py_test`
        of the workspace; pass False if the workspace registers its own, which
        must then have TensorFlow and ai-edge-litert installed.
    """
    if offline_stand_ins:
        for name in _STAND_INS:
            if not native.existing_rule(name):
                local_copy_repository(
                    name = name,
                    marker = Label("//third_party/{}:BUILD".format(name)),
                )
    if not native.existing_rule("tflite_tools_python"):
        tflite_tools_python(
            name = "tflite_tools_python",
            venv_markers = [Label("//:WORKSPACE")],
        )
    if register_python_toolchain:
        native.register_toolchains("@tflite_tools_python//:toolchain")
