"""The one exception tree of tflite-tools.

The library raises these; only `tflite_tools.cli` turns them into a message
on stderr and an exit code (`exit_code` on each class):

    2  bad input or usage (UsageError, InputError, ToolNotFoundError, ToolFailedError)
    3  conversion impossible as asked (ConversionError)
    4  verification mismatch (VerificationMismatch)

An error may carry `result`: a partial protobuf result the CLI still prints
(summarize_graph prints part of its summary before failing, for example).
"""

from __future__ import annotations

import difflib
from typing import Iterable, Sequence


class TfliteToolsError(Exception):
    """Base class. `str(err)` is one sentence: what is wrong, what to do."""

    exit_code = 2

    def __init__(self, message: str, *, result=None):
        super().__init__(message)
        self.result = result


class UsageError(TfliteToolsError):
    """Flags or arguments that cannot work together."""


class InputError(TfliteToolsError):
    """A model path that is missing, unreadable or not a TensorFlow artifact."""


class ConversionError(TfliteToolsError):
    """The converter cannot produce a .tflite with the options given."""

    exit_code = 3

    def __init__(self, message: str, *, ops: Sequence[str] = (), result=None):
        super().__init__(message, result=result)
        self.ops = list(ops)


class VerificationMismatch(TfliteToolsError):
    """TFLite's outputs differ from TensorFlow's beyond tolerance."""

    exit_code = 4


class ToolNotFoundError(TfliteToolsError):
    """An external program (Bazel, a TF tool) could not be found."""

    def __init__(self, program: str, looked_in: Iterable[str], hint: str = ""):
        places = ", ".join(looked_in) or "nowhere"
        message = f"{program} was not found (looked in {places})"
        super().__init__(message + (f"; {hint}" if hint else "."))
        self.program = program
        self.looked_in = list(looked_in)


class ToolFailedError(TfliteToolsError):
    """An external program exited with an error or timed out."""

    def __init__(self, argv: Sequence[str], returncode, stdout: str = "",
                 stderr: str = "", *, tail_lines: int = 15, reason: str = ""):
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        tail = (stderr or stdout).rstrip().splitlines()[-tail_lines:]
        what = reason or f"exited with code {returncode}"
        message = f"command {' '.join(self.argv)} {what}"
        if tail:
            message += ":\n" + "\n".join("    " + line for line in tail)
        super().__init__(message)


# A model with no name close to a wrong one lists its names when it has this few.
_LISTED_NAMES = 8


def closest_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates nearest to `name`, best first (for "did you mean")."""
    candidates = list(candidates)
    close = difflib.get_close_matches(name, candidates, n=n, cutoff=0.4)
    if not close:
        tail = name.rsplit("/", 1)[-1]
        close = [c for c in candidates if c.rsplit("/", 1)[-1] == tail][:n]
    return close


def unknown_name_error(kind: str, name: str, candidates: Iterable[str],
                       flag: str) -> UsageError:
    """A UsageError for a name not in the model, with the closest names."""
    candidates = list(candidates)
    close = closest_names(name, candidates)
    if close:
        hint = f"; did you mean {', '.join(close)}?"
    elif 0 < len(candidates) <= _LISTED_NAMES:  # none is close: the few there are
        hint = f"; the model has {', '.join(candidates)}."
    else:
        hint = "."
    return UsageError(f"{kind} '{name}' given to {flag} is not in the model{hint}")
