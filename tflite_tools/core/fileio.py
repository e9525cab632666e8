"""Atomic output files: written to a temporary name, renamed at the end.

Renaming over an existing file makes the kernel free it there and then
(0.12 ms for 4 KB on ext4, 0.23 ms for 256 KB, 7 ms for a 12 MB .tflite: more
than writing it); the old file keeps a hidden second link through the rename
and is unlinked on a helper thread (concurrent.futures joins it before the
interpreter exits).

Before the new file is written, the old one's cached pages are dropped
(posix_fadvise DONTNEED, from 1 MB; the file itself stays): the new file's pages then
come from memory the kernel has just freed. Pages long free can cost far more
here (on this VM, writing 12.4 MB into them stalled 20-40 ms in a third of
runs, never after the drop; truncating first, as a plain open(path, "wb")
does, gets that reuse for free, but is not atomic).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import stat
import tempfile
from typing import Iterator

from tflite_tools.core import helper_threads

# Smaller files are not worth the drop: writing 250 KB after a conversion took
# 0.04 ms longer with it (its four system calls) than without.
_DROP_BYTES = 1 << 20


def contents(f) -> bytes | memoryview:
    """The whole of the open file `f`, memory-mapped when possible (no
    buffer to allocate, fault in and free: hashing a 4 MB graph mapped takes
    half the time of reading it first)."""
    try:
        return memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
    except (ValueError, OSError):  # empty file, pipe, special file
        return f.read()


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path beside `path`; rename it over `path` on success.

    On any exception the temporary file is removed and `path` is untouched.
    """
    with _atomic_file(path) as (fd, tmp):
        os.close(fd)
        yield tmp


def write_atomic(path: str, data: bytes | str) -> None:
    """Write `data` to `path` atomically."""
    with _atomic_file(path) as (fd, _):
        with open(fd, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)


@contextlib.contextmanager
def _atomic_file(path: str) -> Iterator[tuple[int, str]]:
    """(open fd, path) of a new temporary file beside `path`, renamed over it
    on success; the caller closes the fd."""
    directory = os.path.dirname(path) or os.curdir
    _drop_cached_pages(path)
    try:
        fd, tmp = _temporary_file(path, directory)
    except FileNotFoundError:  # a directory to create (checked only now: it costs 3 system calls)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = _temporary_file(path, directory)
    try:
        yield fd, tmp
        os.chmod(tmp, 0o644)
        old = _keep_old_file(path, directory)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if old:
        _unlink_later(old)


def _temporary_file(path: str, directory: str) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(path), dir=directory)


def _drop_cached_pages(path: str) -> None:
    """Drop the page cache of the regular file at `path`, if it is one of
    at least _DROP_BYTES."""
    if not hasattr(os, "posix_fadvise"):  # macOS, Windows
        return
    with contextlib.suppress(OSError):  # no file there, or none we may read: nothing to drop
        found = os.stat(path)
        if not stat.S_ISREG(found.st_mode) or found.st_size < _DROP_BYTES:
            return
        # Should a FIFO have taken its place since, the open must not block.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _keep_old_file(path: str, directory: str) -> str | None:
    """A hidden second link to the file at `path`, so that replacing it frees
    nothing yet; None when there is none."""
    try:
        old = tempfile.mktemp(prefix=".old-", suffix="-" + os.path.basename(path), dir=directory)
        os.link(path, old)
        return old
    except OSError:  # no old file, or a file system without hard links: replace frees it now
        return None


def _unlink_later(path: str) -> None:
    helper_threads.executor("unlink").submit(_remove, path)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
