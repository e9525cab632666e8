"""Where the corpus lives between runs, and how an entry is made exactly once.

Root: $TFLITE_TOOLS_CORPUS_CACHE, else $XDG_CACHE_HOME (or ~/.cache) /
tflite-tools-tests/corpus. Each entry is a directory under a key that names
what made it (TensorFlow version, builder version); it is built in a scratch
directory beside it and renamed into place, so a run cut short leaves nothing
half-built behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable

# Bump when build.py or wheels.py change what an entry holds.
VERSION = 2


def root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.environ.get("TFLITE_TOOLS_CORPUS_CACHE") or os.path.join(
        base, "tflite-tools-tests", "corpus")


def entry(key: str, make: Callable[[str], object]) -> str:
    """The directory of `key`, made by `make(directory)` the first time."""
    final = os.path.join(root(), f"v{VERSION}", key)
    if os.path.isdir(final):
        return final
    os.makedirs(os.path.dirname(final), exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".building-", dir=os.path.dirname(final))
    try:
        make(scratch)
        os.rename(scratch, final)
    except OSError:
        if not os.path.isdir(final):  # not another process finishing first
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final
