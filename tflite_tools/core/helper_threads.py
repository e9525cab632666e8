"""Named helper threads kept for the life of the process.

    helper_threads.executor("digest").submit(hashlib.sha256, data)

Starting a thread costs 0.1-0.4 ms, a fair share of converting a small
model, so each name's thread is started once and kept. A forked child gets
new ones: the parent's threads do not run there. concurrent.futures joins
them, with the work they were given, before the interpreter exits.
"""

from __future__ import annotations

import concurrent.futures
import os

_executors: dict[tuple[int, str], concurrent.futures.ThreadPoolExecutor] = {}


def executor(name: str) -> concurrent.futures.ThreadPoolExecutor:
    """The one-thread executor called `name` in this process."""
    key = (os.getpid(), name)
    if key not in _executors:
        _executors[key] = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    return _executors[key]
