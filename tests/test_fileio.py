"""core.fileio: outputs appear whole or not at all, and leave nothing beside them."""

from __future__ import annotations

import mmap
import os
import subprocess
import sys

import pytest

from tflite_tools.core import fileio, helper_threads

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIG = 2 << 20


def _wait_for_unlinks():
    helper_threads.executor("unlink").submit(lambda: None).result()


@pytest.mark.parametrize("old_size", [0, 100, BIG])
def test_replaces_the_old_file_and_leaves_nothing_else(tmp_path, old_size):
    path = tmp_path / "model.tflite"
    if old_size:
        path.write_bytes(b"o" * old_size)
    fileio.write_atomic(str(path), b"new")
    _wait_for_unlinks()
    assert path.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["model.tflite"]


def test_a_failure_keeps_the_old_file_whole(tmp_path):
    path = tmp_path / "model.tflite"
    path.write_bytes(b"o" * BIG)
    with pytest.raises(RuntimeError):
        with fileio.atomic_path(str(path)) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"half")
            raise RuntimeError("the writer failed")
    _wait_for_unlinks()
    assert path.read_bytes() == b"o" * BIG
    assert sorted(os.listdir(tmp_path)) == ["model.tflite"]


def test_the_old_big_file_is_gone_when_the_process_ends(tmp_path):
    # The hidden link of the replaced file is unlinked before the interpreter exits.
    path = tmp_path / "model.tflite"
    path.write_bytes(b"o" * BIG)
    script = (f"from tflite_tools.core import fileio\n"
              f"fileio.write_atomic({str(path)!r}, b'new')\n")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)
    assert sorted(os.listdir(tmp_path)) == ["model.tflite"]
    assert path.read_bytes() == b"new"


def _cached_pages(fd: int, size: int) -> int:
    """How many pages of the open file `fd` are in the page cache (mincore)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    mapping = mmap.mmap(fd, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    try:
        vector = (ctypes.c_ubyte * ((size + mmap.PAGESIZE - 1) // mmap.PAGESIZE))()
        address = ctypes.c_void_p(ctypes.addressof(ctypes.c_char.from_buffer(mapping)))
        assert libc.mincore(address, ctypes.c_size_t(size), vector) == 0, os.strerror(ctypes.get_errno())
        return sum(v & 1 for v in vector)
    finally:
        mapping.close()


@pytest.mark.parametrize("size, dropped", [(BIG, True), (256 << 10, False)])
def test_replacing_a_big_file_drops_the_old_files_cached_pages_first(tmp_path, size, dropped):
    # The new file's pages then come from memory the kernel has just freed;
    # a small file's drop would cost more than it saves.
    path = tmp_path / "model.tflite"
    path.write_bytes(os.urandom(size))
    old = os.open(path, os.O_RDONLY)  # keeps the old file's pages reachable after the rename
    try:
        os.fsync(old)  # clean pages: only those can be dropped
        os.read(old, size)
        cached = _cached_pages(old, size)
        fileio.write_atomic(str(path), b"new")
        assert path.read_bytes() == b"new"
        pages = size // mmap.PAGESIZE
        assert (cached, _cached_pages(old, size)) == (pages, 0 if dropped else pages)
    finally:
        os.close(old)
        _wait_for_unlinks()


def test_a_missing_directory_is_created(tmp_path):
    path = tmp_path / "out" / "models" / "model.tflite"
    fileio.write_atomic(str(path), b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(path.parent) == ["model.tflite"]


def test_a_path_without_a_directory_is_written_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fileio.write_atomic("model.tflite", b"new")
    fileio.write_atomic("model.tflite", b"newer")
    _wait_for_unlinks()
    assert (tmp_path / "model.tflite").read_bytes() == b"newer"
    assert os.listdir(tmp_path) == ["model.tflite"]


def test_an_output_path_that_is_a_fifo_is_replaced_without_blocking(tmp_path):
    # Opening a FIFO to drop its pages would wait for a writer; the drop opens without blocking.
    path = tmp_path / "model.tflite"
    os.mkfifo(path)
    script = f"from tflite_tools.core import fileio\nfileio.write_atomic({str(path)!r}, b'new')\n"
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO, timeout=30)
    assert path.read_bytes() == b"new"
