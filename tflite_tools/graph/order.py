"""Node-name helpers and TensorFlow's `SortByExecutionOrder`, without TensorFlow.

`sort_by_execution_order` reproduces graph_transforms' topological sort
(transform_utils.cc) so that `summarize --print_structure` lists nodes in the
very order TensorFlow's tool does: a LIFO ready stack seeded with input-less
nodes in GraphDef order, and Merge nodes released by their first data input,
which is what lets while-loop cycles through NextIteration resolve.
"""

from __future__ import annotations

from typing import Sequence

_MERGE_OPS = frozenset({"Merge", "RefMerge", "_XlaMerge"})


def node_name_from_input(input_name: str) -> str:
    """"^name", "name:1" and "name" all name the node "name"."""
    name = input_name.split(":", 1)[0]
    return name[1:] if name.startswith("^") else name


class GraphOrderError(ValueError):
    """The graph cannot be ordered; the message is TensorFlow's own."""


def sort_by_execution_order(nodes: Sequence) -> list[int]:
    """Indices of `nodes` (NodeDefs) in SortByExecutionOrder's output order.

    Raises GraphOrderError with TensorFlow's message for an input naming no
    node, or when nodes remain in a cycle ("<n> nodes in a cycle").
    """
    index_of = {node.name: i for i, node in enumerate(nodes)}  # last duplicate wins, like std::map
    pending = []
    consumers: list[list[int]] = [[] for _ in nodes]
    ready = []
    for n, node in enumerate(nodes):
        inputs = node.input
        if node.op in _MERGE_OPS:
            # A Merge waits for its control inputs and any one data input.
            pending.append(sum(1 for name in inputs if name.startswith("^")) + 1)
        else:
            pending.append(len(inputs))
        if not inputs:
            ready.append(n)
            continue
        for name in inputs:
            source = index_of.get(node_name_from_input(name))
            if source is None:
                raise GraphOrderError(f"Node '{node.name}': Unknown input node '{name}'")
            consumers[source].append(n)

    order = []
    while ready:
        current = ready.pop()
        order.append(current)
        for consumer in consumers[current]:
            pending[consumer] -= 1
            if pending[consumer] == 0:
                ready.append(consumer)
    if len(order) < len(nodes):
        raise GraphOrderError(f"{len(nodes) - len(order)} nodes in a cycle")
    return order
