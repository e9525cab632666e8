"""TensorFlow's tensor and node names, and the comma lists flags give them in.

A tensor is "node:index" ("node" alone means output 0); a NodeDef input may
also be "^node", a control input. Node names never hold ':'.

    >>> node_name("^a"), node_name("a:1"), split_tensor("a:1")
    ('a', 'a', ('a', 1))
    >>> strip_index("x:0"), strip_index("split:1"), tensor_name("x")
    ('x', 'split:1', 'x:0')
    >>> split_names("a, b,,c")
    ['a', 'b', 'c']
"""

from __future__ import annotations

import re
from typing import Sequence, Union

Names = Union[str, Sequence[str], None]

_INDEX = re.compile(r":\d+$")


def node_name(name: str) -> str:
    """The node of a tensor or input name: "^a", "a:1" and "a" all give "a"."""
    name = name.lstrip("^")
    base, sep, index = name.rpartition(":")
    return base if sep and index.isdigit() else name


def split_tensor(name: str) -> tuple[str, int]:
    """("node", output index) of a tensor name; a bare node name means output 0."""
    name = name.lstrip("^")
    base, sep, index = name.rpartition(":")
    return (base, int(index)) if sep and index.isdigit() else (name, 0)


def strip_index(name: str) -> str:
    """"x:0" -> "x"; other output indices keep their suffix ("split:1")."""
    return name[:-2] if name.endswith(":0") else name


def tensor_name(name: str) -> str:
    """"x" -> "x:0"; a name with an output index is kept."""
    return name if _INDEX.search(name) else name + ":0"


def split_names(names: Names) -> list[str]:
    """A comma string or a list of names as a list: spaces dropped, empties skipped."""
    if names is None:
        return []
    if isinstance(names, str):
        names = names.split(",")
    return [n.replace(" ", "") for n in names if n and n.strip()]
