"""Graph surgery on GraphDefs, without TensorFlow.

`cut_at` answers graphs with no input node (slim training graphs fed by
tf.data or queues): it feeds the graph at any tensor instead. Every use of
the tensor is rewired to a new Placeholder of the same dtype and shape, and
whatever only fed it (the input pipeline) is pruned away:

    graph, names = surgery.cut_at(graph_def, [Cut("IteratorGetNext:0", 1, [2, 8, 8, 3])],
                                  outputs=["predictions"])
    # names == ["IteratorGetNext"]; IteratorGetNext and the datasets are gone.

Functions accept TensorFlow's GraphDef or tflite-tools' wire-compatible one
and return the same type.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Optional, Sequence

from tflite_tools.core.names import node_name, split_tensor
from tflite_tools.errors import UsageError, unknown_name_error


def reachable(graph_def, outputs: Iterable[str]) -> set[str]:
    """Names of the nodes `outputs` depend on (data and control inputs), outputs included."""
    inputs = {node.name: node.input for node in graph_def.node}
    seen: set[str] = set()
    stack = [node_name(o) for o in outputs]
    while stack:
        name = stack.pop()
        if name in seen or name not in inputs:
            continue
        seen.add(name)
        stack.extend(node_name(i) for i in inputs[name])
    return seen


def prune(graph_def, outputs: Sequence[str]):
    """A copy of `graph_def` holding only what `outputs` need, in the original order.

    Colocation constraints (`_class: loc:@node`) naming a pruned node are
    dropped: TensorFlow refuses to import a graph that keeps them.
    """
    keep = reachable(graph_def, outputs)
    pruned = graph_def.__class__()
    pruned.versions.CopyFrom(graph_def.versions)
    pruned.library.CopyFrom(graph_def.library)
    pruned.node.extend(node for node in graph_def.node if node.name in keep)
    for node in pruned.node:
        if "_class" not in node.attr:
            continue
        groups = node.attr["_class"].list.s
        kept = [g for g in groups if not g.startswith(b"loc:@") or g[5:].decode() in keep]
        if len(kept) != len(groups):
            del groups[:]
            groups.extend(kept)
            if not kept:
                del node.attr["_class"]
    return pruned


@dataclasses.dataclass(frozen=True)
class Cut:
    """Where to feed the graph: a tensor, its DataType enum and its shape (None: unknown rank)."""

    tensor: str
    dtype: int
    shape: Optional[Sequence[int]]


def cut_at(graph_def, cuts: Sequence[Cut], outputs: Sequence[str]):
    """Feed `graph_def` at `cuts` instead of its own inputs.

    Each cut tensor becomes a Placeholder named after its node (output 0) or
    "<node>_<index>", unless that name is taken. Returns (new GraphDef,
    placeholder names in `cuts` order).

    Raises:
      UsageError: a cut tensor is not in the graph, or the outputs still need
        the cut node through an output that was not cut.
    """
    nodes = {node.name: node for node in graph_def.node}
    taken = set(nodes)
    renames: dict[tuple[str, int], str] = {}
    placeholders = []
    for cut in cuts:
        node, index = split_tensor(cut.tensor)
        if node not in nodes:
            raise unknown_name_error("input tensor", cut.tensor, nodes, "--input_arrays")
        if nodes[node].op in ("Placeholder", "PlaceholderV2") and index == 0:
            renames[(node, 0)] = node  # already an input: nothing to cut
            continue
        name = _free_name(node if index == 0 else f"{node}_{index}", taken - {node})
        taken.add(name)
        renames[(node, index)] = name
        placeholders.append(_placeholder(graph_def, name, cut))

    replaced = {p.name for p in placeholders}
    rewired = graph_def.__class__()
    rewired.versions.CopyFrom(graph_def.versions)
    rewired.library.CopyFrom(graph_def.library)
    rewired.node.extend(placeholders)
    for node in graph_def.node:
        if node.name in replaced:
            continue  # its Placeholder took its name
        copy = rewired.node.add()
        copy.CopyFrom(node)
        for i, inp in enumerate(copy.input):
            if not inp.startswith("^") and split_tensor(inp) in renames:
                copy.input[i] = renames[split_tensor(inp)]
    result = prune(rewired, outputs)
    cut_nodes = {node for node, _ in renames if nodes[node].op not in ("Placeholder", "PlaceholderV2")}
    uncut = sorted({inp for n in result.node for inp in n.input
                    if not inp.startswith("^") and node_name(inp) in cut_nodes
                    and split_tensor(inp) not in renames})
    if uncut:
        raise UsageError(
            f"the outputs still need {', '.join(uncut)}, which was not cut; add it to "
            "--input_arrays too or choose outputs that do not depend on it.")
    return result, [renames[split_tensor(cut.tensor)] for cut in cuts]


def _free_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        candidate = f"{name}_cut_{n}"
        n += 1
    return candidate


def _placeholder(graph_def, name: str, cut: Cut):
    placeholder = graph_def.__class__().node.add()
    placeholder.name = name
    placeholder.op = "Placeholder"
    placeholder.attr["dtype"].type = cut.dtype
    shape = placeholder.attr["shape"].shape
    if cut.shape is None:
        shape.unknown_rank = True
    else:
        for size in cut.shape:
            shape.dim.add().size = int(size)
    return placeholder
