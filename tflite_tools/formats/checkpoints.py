"""Where is the checkpoint: the prefix a path given by a user stands for.

freeze_graph's --input_checkpoint and convert's second path take a prefix
(`model.ckpt-1000`), any file of it (.index, .data-*, .meta), its directory
or the directory's `checkpoint` state file:

    >>> find_checkpoint("train_dir")
    'train_dir/model.ckpt-1000'
"""

from __future__ import annotations

import glob
import os
import re
from typing import Optional

from google.protobuf import text_format

from tflite_tools.proto import tf_checkpoint_pb2

_DATA_SUFFIX = re.compile(r"\.data-\d+-of-\d+$")


def find_checkpoint(path: str) -> Optional[str]:
    """The checkpoint prefix `path` stands for, or None when there is none.

    `path` may be a prefix (V2 or V1), a directory (its `checkpoint` state
    file, else its only .index file), the `checkpoint` state file, or any
    file of a checkpoint (.index, .data-*-of-*, .meta).
    """
    if os.path.isdir(path):
        return _checkpoint_in_directory(path)
    if os.path.basename(path) == "checkpoint" and os.path.isfile(path):
        return _checkpoint_in_directory(os.path.dirname(path) or ".")
    for suffix in (".index", ".meta"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    path = _DATA_SUFFIX.sub("", path)
    if os.path.isfile(path + ".index"):
        return path
    if os.path.isfile(path) or glob.glob(glob.escape(path) + "-?????-of-?????"):
        return path  # V1 checkpoint
    return None


def _checkpoint_in_directory(directory: str) -> Optional[str]:
    state_path = os.path.join(directory, "checkpoint")
    if os.path.isfile(state_path):
        state = tf_checkpoint_pb2.CheckpointState()
        try:
            with open(state_path) as f:
                text_format.Parse(f.read(), state)
        except (UnicodeDecodeError, text_format.ParseError):
            state.Clear()
        if state.model_checkpoint_path:
            prefix = state.model_checkpoint_path
            if not os.path.isabs(prefix):
                prefix = os.path.join(directory, prefix)
            found = find_checkpoint(prefix) if not os.path.isdir(prefix) else None
            if found:
                return found
            # The state file often holds the absolute path of another machine.
            found = find_checkpoint(os.path.join(directory, os.path.basename(prefix)))
            if found:
                return found
    indexes = sorted(glob.glob(os.path.join(glob.escape(directory), "*.index")))
    return indexes[-1][: -len(".index")] if len(indexes) == 1 else None
