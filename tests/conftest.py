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


# The suite's core, run again on each TensorFlow of .ci/matrix (pytest -m core):
# convert, verify, freeze, inspect, summarize and benchmark of every artifact kind.
CORE_MODULES = ("test_convert.py", "test_verify.py", "test_freeze.py", "test_inspect.py",
                "test_summarize.py", "test_benchmark.py", "test_protos.py", "test_doctor.py",
                "test_cli.py", "test_bad_input.py", "test_tf_versions.py")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in CORE_MODULES:
            item.add_marker(pytest.mark.core)


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
    """TF1 SavedModelBuilder dir, tag serve, serving_default x [-1,4] -> y [-1,3]; VariableV2s."""
    return _build(tmp_path_factory, "saved_model_tf1", artifacts.build_saved_model_tf1)


@pytest.fixture(scope="session")
def saved_model_tf2(tmp_path_factory) -> artifacts.Artifact:
    """tf.saved_model.save of a tf.Module: serving_default x [-1,4] -> y [-1,3]; files saved_model_pb."""
    return _build(tmp_path_factory, "saved_model_tf2", artifacts.build_saved_model_tf2)


@pytest.fixture(scope="session")
def _keras_files(tmp_path_factory):
    return _build(tmp_path_factory, "keras", artifacts.build_keras_files)


@pytest.fixture(scope="session")
def keras_h5(_keras_files) -> artifacts.Artifact:
    """Keras 3 Functional MLP as .h5: features [-1,4] -> probs [-1,3] (67 weights)."""
    return _keras_files[0]


@pytest.fixture(scope="session")
def keras_v3(_keras_files) -> artifacts.Artifact:
    """The same Keras 3 model as a .keras zip."""
    return _keras_files[1]


@pytest.fixture(scope="session")
def tflite_model(tmp_path_factory, frozen_graph) -> artifacts.Artifact:
    """frozen_graph converted by tf.compat.v1.lite from_frozen_graph: input [1,8,8,3] -> output [1,5]."""
    return _build(tmp_path_factory, "tflite_model", artifacts.build_tflite_model, frozen_graph)


@pytest.fixture(scope="session")
def slim_dataset_graph(tmp_path_factory) -> artifacts.Artifact:
    """Slim-style train dir fed by IteratorGetNext (no Placeholder): graph.pbtxt, model.ckpt-1.*,
    `checkpoint`; resource variables, a train op; output "predictions" [2,5]."""
    return _build(tmp_path_factory, "slim_dataset_graph", artifacts.build_slim_dataset_graph)


@pytest.fixture(scope="session")
def multi_io_graph(tmp_path_factory) -> artifacts.Artifact:
    """Frozen: image float32 [1,4] + ids int32 [1,4] -> scores float32 [1,4], total int32 [1]."""
    return _build(tmp_path_factory, "multi_io_graph", artifacts.build_multi_io_graph)


@pytest.fixture(scope="session")
def dynamic_batch_graph(tmp_path_factory) -> artifacts.Artifact:
    """Frozen: x float32 [-1,4] -> y float32 [-1,2]."""
    return _build(tmp_path_factory, "dynamic_batch_graph", artifacts.build_dynamic_batch_graph)


@pytest.fixture(scope="session")
def select_ops_graph(tmp_path_factory) -> artifacts.Artifact:
    """Frozen: input [1,4] -> Cumprod -> output [1,4]; converts only with SELECT_TF_OPS (the
    LiteRT interpreter without the Flex delegate cannot run the result)."""
    return _build(tmp_path_factory, "select_ops_graph", artifacts.build_select_ops_graph)


@pytest.fixture(scope="session")
def flex_tflite(tmp_path_factory, select_ops_graph) -> str:
    """Path of select_ops_graph as a .tflite with select TF ops (FlexCumprod)."""
    return artifacts.build_flex_tflite(str(tmp_path_factory.mktemp("flex_tflite")), select_ops_graph)


@pytest.fixture(scope="session")
def tf2_frozen_mobilenet(tmp_path_factory):
    """keras.applications.MobileNetV2 (32x32, untrained) frozen with convert_variables_to_constants_v2."""
    import tf2_models

    return tf2_models.build_tf2_frozen(str(tmp_path_factory.mktemp("tf2_frozen")), "mobilenet_v2")


@pytest.fixture(scope="session")
def tf2_frozen_two_heads(tmp_path_factory):
    """A two-output (dict "probs", "box") Keras model frozen with convert_variables_to_constants_v2."""
    import tf2_models

    return tf2_models.build_tf2_frozen(str(tmp_path_factory.mktemp("tf2_two_heads")), "two_heads")
