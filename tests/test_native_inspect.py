"""inspect --engine native against the Python engine: the same message,
field for field, in the same order (the native engine only adds the note
saying where its graph facts came from). On an unfrozen graph with its
checkpoint beside it, and on TF's real summarize_graph output for a graph
with over 16 op types (its unstable sort leaves equal counts out of name order)."""

from __future__ import annotations

import os

import pytest
from test_native import ENGINE_FLAGS, GOLDENS, built_tools  # noqa: F401
from test_native_engine import _args, _stamp_cache  # noqa: F401

from tflite_tools.inspect.model_summary import inspect as python_inspect
from tflite_tools.native import engine
from tflite_tools.native.commands import NATIVE_INSPECT_NOTE


def _assert_same_fields(native, python) -> None:
    assert native.notes[-1] == NATIVE_INSPECT_NOTE
    del native.notes[-1]
    for field in python.DESCRIPTOR.fields:
        ours, theirs = getattr(native, field.name), getattr(python, field.name)
        assert ours == theirs, f"{field.name}: native {ours!r} != python {theirs!r}"
    assert native == python


@pytest.mark.parametrize("role", ["pb", "pbtxt"])
def test_native_and_python_inspect_agree_on_an_unfrozen_graph_with_its_checkpoint(
        built_tools, checkpoint_graph, role):  # noqa: F811
    path = checkpoint_graph.files[role]  # the directory's .meta is refused: summarize_graph reads GraphDefs
    python = python_inspect(path)
    assert python.variable_parameters > 0 and python.variables  # the checkpoint's variables
    _assert_same_fields(engine.native_result("inspect", _args("inspect", [path] + ENGINE_FLAGS)), python)


def test_native_op_counts_come_in_the_python_order(built_tools):  # noqa: F811
    path = os.path.join(GOLDENS, "03_resource_variables", "graph.pb")
    with open(os.path.join(GOLDENS, "03_resource_variables", "summarize_graph.txt")) as f:
        printed = f.read()
    python = python_inspect(path)
    order = ", ".join(f"{count.count} {count.op}" for count in python.op_counts)
    assert order not in printed  # TF printed another order: the native engine must reorder
    _assert_same_fields(engine.native_result("inspect", _args("inspect", [path] + ENGINE_FLAGS)), python)
