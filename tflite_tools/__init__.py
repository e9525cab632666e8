"""tflite-tools: any TensorFlow artifact to a verified .tflite.

The library returns protobuf results (see tflite_tools/proto/*.proto) and
raises the typed errors of `tflite_tools.errors`. Jobs are imported lazily so
that `import tflite_tools` stays cheap and never loads TensorFlow:

    import tflite_tools
    summary = tflite_tools.inspect("model.pb")
    report = tflite_tools.convert("ckpt_dir", output_file="model.tflite", verify=True)
"""

from __future__ import annotations

import importlib
import sys
import types

from tflite_tools.errors import (
    ConversionError,
    InputError,
    TfliteToolsError,
    ToolFailedError,
    ToolNotFoundError,
    UsageError,
    VerificationMismatch,
)

__version__ = "0.1.0"

# public name -> "module:attribute", resolved on first use.
_LAZY = {
    "inspect": "tflite_tools.inspect:inspect",
    "summarize": "tflite_tools.summarize_graph:summarize",
    "freeze": "tflite_tools.freeze:freeze",
    "convert": "tflite_tools.convert:convert",
    "verify": "tflite_tools.verify:verify",
    "benchmark": "tflite_tools.benchmark:benchmark",
    "detect": "tflite_tools.formats:detect",
}

__all__ = sorted(_LAZY) + [
    "ConversionError", "InputError", "TfliteToolsError", "ToolFailedError",
    "ToolNotFoundError", "UsageError", "VerificationMismatch", "__version__",
]


def __getattr__(name):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'tflite_tools' has no attribute {name!r}")
    module, attribute = target.split(":")
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """Keeps `tflite_tools.convert` etc. the functions, not their modules.

    Importing the submodule `tflite_tools.convert` makes Python bind the
    module as an attribute of the package, which would shadow the public
    function of the same name; this refuses that binding. Code that needs a
    module imports from it: `from tflite_tools.convert import convert`.
    """

    def __setattr__(self, name, value):
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
