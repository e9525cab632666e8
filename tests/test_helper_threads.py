"""core.helper_threads: one kept thread per name, and working ones in a forked child."""

from __future__ import annotations

import os
import signal
import threading

from tflite_tools.core import helper_threads


def test_a_name_keeps_its_one_thread():
    first = helper_threads.executor("test-kept").submit(threading.get_ident).result()
    again = helper_threads.executor("test-kept").submit(threading.get_ident).result()
    assert first == again != threading.get_ident()


def test_a_forked_child_gets_a_thread_that_runs():
    # The parent's thread exists (and has gone idle) before the fork.
    assert helper_threads.executor("test-fork").submit(lambda: 1).result() == 1
    pid = os.fork()
    if pid == 0:  # the child: a submitted job must run, not wait forever
        signal.alarm(10)
        done = helper_threads.executor("test-fork").submit(lambda: 2).result(timeout=5)
        os._exit(0 if done == 2 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
