"""Where the native engine keeps what it made: Bazel stamps, generated workspaces.

`$TFLITE_TOOLS_CACHE`, else `$XDG_CACHE_HOME/tflite-tools`, else
`~/.cache/tflite-tools`. Everything under it may be deleted at any time;
it is rebuilt on the next run.
"""

from __future__ import annotations

import os


def cache_dir() -> str:
    """The cache root (not created here)."""
    explicit = os.environ.get("TFLITE_TOOLS_CACHE")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tflite-tools")
