"""Atomic output files: written to a temporary name, renamed at the end."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path beside `path`; rename it over `path` on success.

    On any exception the temporary file is removed and `path` is untouched.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(path), dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: str, data: bytes | str) -> None:
    """Write `data` to `path` atomically."""
    mode = "wb" if isinstance(data, bytes) else "w"
    with atomic_path(path) as tmp:
        with open(tmp, mode) as f:
            f.write(data)
