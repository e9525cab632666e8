"""Capture what TensorFlow, Keras and MLIR print (Python and native
stdout/stderr), so that only the CLI prints.

    with captured_output() as text:
        converter.convert()
    text.getvalue()
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile


@contextlib.contextmanager
def captured_output():
    """Redirect fds 1 and 2 and sys.stdout/stderr; yields a StringIO with the text."""
    buffer = io.StringIO()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with _sink() as sink:
        for fd in (1, 2):
            os.dup2(sink.fileno(), fd)
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                yield buffer
        finally:
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            sink.seek(0)
            buffer.write(sink.read().decode("utf-8", "replace"))


def _sink():
    """An anonymous file for native output: in memory where Linux offers it
    (a quarter of a temporary file's cost, paid twice per conversion)."""
    if hasattr(os, "memfd_create"):
        return open(os.memfd_create("tflite-tools-capture"), "w+b")
    return tempfile.TemporaryFile(mode="w+b")
