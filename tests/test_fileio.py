"""core.fileio: outputs appear whole or not at all, and leave nothing beside them."""

from __future__ import annotations

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
