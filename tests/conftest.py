"""Session-wide pytest fixtures: one real artifact of each kind.

Each fixture builds its artifact once per session in its own directory
(see tests/artifacts.py for what each holds) and returns an
`artifacts.Artifact`: `.path` (what a user passes), `.directory`,
`.files` (role -> path), `.format`, `.inputs`/`.outputs` (name, dtype,
shape, op) and `.variables`. Treat the files as read-only; copy them into
`tmp_path` before changing anything.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import pytest  # noqa: E402

import artifacts  # noqa: E402  (tests/ is on sys.path: pytest puts a conftest's directory there)


def _build(tmp_path_factory, kind, build, *args):
    return build(str(tmp_path_factory.mktemp(kind)), *args)


@pytest.fixture(scope="session")
def frozen_graph(tmp_path_factory) -> artifacts.Artifact:
    """The CNN frozen: files pb/pbtxt; input "input" float32 [1,8,8,3], output "output" [1,5]."""
    return _build(tmp_path_factory, "frozen_graph", artifacts.build_frozen_graph)


@pytest.fixture(scope="session")
def checkpoint_graph(tmp_path_factory) -> artifacts.Artifact:
    """The CNN as a slim-style training directory: files pb, pbtxt, meta, index, data,
    prefix, checkpoint_state; path is the directory."""
    return _build(tmp_path_factory, "checkpoint_graph", artifacts.build_checkpoint_graph)


@pytest.fixture(scope="session")
def saved_model_tf1(tmp_path_factory) -> artifacts.Artifact:
    return _build(tmp_path_factory, "saved_model_tf1", artifacts.build_saved_model_tf1)


@pytest.fixture(scope="session")
def saved_model_tf2(tmp_path_factory) -> artifacts.Artifact:
    return _build(tmp_path_factory, "saved_model_tf2", artifacts.build_saved_model_tf2)


@pytest.fixture(scope="session")
def _keras_files(tmp_path_factory):
    return _build(tmp_path_factory, "keras", artifacts.build_keras_files)


@pytest.fixture(scope="session")
def keras_h5(_keras_files) -> artifacts.Artifact:
    return _keras_files[0]


@pytest.fixture(scope="session")
def keras_v3(_keras_files) -> artifacts.Artifact:
    return _keras_files[1]


@pytest.fixture(scope="session")
def tflite_model(tmp_path_factory, frozen_graph) -> artifacts.Artifact:
    return _build(tmp_path_factory, "tflite_model", artifacts.build_tflite_model, frozen_graph)


@pytest.fixture(scope="session")
def slim_dataset_graph(tmp_path_factory) -> artifacts.Artifact:
    return _build(tmp_path_factory, "slim_dataset_graph", artifacts.build_slim_dataset_graph)


@pytest.fixture(scope="session")
def multi_io_graph(tmp_path_factory) -> artifacts.Artifact:
    return _build(tmp_path_factory, "multi_io_graph", artifacts.build_multi_io_graph)


@pytest.fixture(scope="session")
def dynamic_batch_graph(tmp_path_factory) -> artifacts.Artifact:
    return _build(tmp_path_factory, "dynamic_batch_graph", artifacts.build_dynamic_batch_graph)


@pytest.fixture(scope="session")
def select_ops_graph(tmp_path_factory) -> artifacts.Artifact:
    return _build(tmp_path_factory, "select_ops_graph", artifacts.build_select_ops_graph)
