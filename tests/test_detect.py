"""detect(): every artifact kind built with real TensorFlow is recognised
from its content, whichever of its files or directories the user passes;
the checkpoint index reader agrees with what TensorFlow saved."""

import os
import shutil

import pytest

from tflite_tools.formats import tensor_bundle
from tflite_tools.formats.detect import detect
from tflite_tools.proto import summary_pb2

KINDS = ["frozen_graph", "checkpoint_graph", "saved_model_tf1", "saved_model_tf2", "keras_h5", "keras_v3",
         "tflite_model", "slim_dataset_graph", "multi_io_graph", "dynamic_batch_graph", "select_ops_graph"]


def _format(detection) -> str:
    return summary_pb2.ModelFormat.Name(detection.format)


@pytest.mark.parametrize("kind", KINDS)
def test_each_artifact_kind_is_detected(request, kind):
    artifact = request.getfixturevalue(kind)
    detection = detect(artifact.path)
    assert _format(detection) == artifact.format
    assert detection.evidence, "detection must say why"


def test_frozen_graph_binary_and_text(frozen_graph):
    binary = detect(frozen_graph.files["pb"])
    text = detect(frozen_graph.files["pbtxt"])
    assert (_format(binary), binary.encoding) == ("FROZEN_GRAPH", "binary")
    assert (_format(text), text.encoding) == ("FROZEN_GRAPH", "text")
    assert any("no Variable" in line for line in binary.evidence)


def test_directory_with_one_graph_in_two_encodings_is_that_graph(frozen_graph):
    detection = detect(frozen_graph.directory)
    assert _format(detection) == "FROZEN_GRAPH"
    assert detection.graph_path == frozen_graph.files["pb"]


@pytest.mark.parametrize("role", ["directory", "prefix", "index", "data", "meta", "pb", "pbtxt", "checkpoint_state"])
def test_any_checkpoint_file_gives_the_checkpoint(checkpoint_graph, role):
    path = checkpoint_graph.directory if role == "directory" else checkpoint_graph.files[role]
    detection = detect(path)
    assert _format(detection) == "CHECKPOINT"
    assert detection.checkpoint_prefix == checkpoint_graph.files["prefix"]
    if role in ("pb", "pbtxt"):
        assert detection.graph_path == checkpoint_graph.files[role]
    else:
        assert detection.graph_path == checkpoint_graph.files["meta"]


def _copy(artifact, tmp_path, names=None):
    target = tmp_path / "copy"
    target.mkdir()
    for name in names or os.listdir(artifact.directory):
        shutil.copy(os.path.join(artifact.directory, name), target / name)
    return target


def test_copied_training_directory_uses_its_own_checkpoint(checkpoint_graph, tmp_path):
    # The state file still holds the original absolute path; the copy's files win.
    copy = _copy(checkpoint_graph, tmp_path)
    detection = detect(str(copy))
    assert detection.checkpoint_prefix == str(copy / "model.ckpt-100")
    assert any("found in this directory" in line for line in detection.evidence)


def test_relative_checkpoint_state_is_resolved_against_the_directory(checkpoint_graph, tmp_path, monkeypatch):
    copy = _copy(checkpoint_graph, tmp_path)
    (copy / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-100"\n'
                                     'all_model_checkpoint_paths: "model.ckpt-100"\n')
    monkeypatch.chdir(tmp_path)  # the relative path must not depend on the working directory
    assert detect(str(copy)).checkpoint_prefix == str(copy / "model.ckpt-100")


def test_without_state_file_the_highest_step_wins(checkpoint_graph, tmp_path):
    copy = _copy(checkpoint_graph, tmp_path)
    os.remove(copy / "checkpoint")
    for suffix in (".index", ".data-00000-of-00001", ".meta"):
        shutil.copy(copy / f"model.ckpt-100{suffix}", copy / f"model.ckpt-20{suffix}")
    detection = detect(str(copy))
    assert detection.checkpoint_prefix == str(copy / "model.ckpt-100")


def test_state_file_naming_a_missing_checkpoint_is_an_input_error(checkpoint_graph, tmp_path):
    from tflite_tools.errors import InputError

    copy = _copy(checkpoint_graph, tmp_path, ["graph.pb"])
    (copy / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-5"\n')
    with pytest.raises(InputError, match="model.ckpt-5.index"):
        detect(str(copy))


def test_graph_with_variables_and_no_checkpoint_is_graph_def(checkpoint_graph, tmp_path):
    copy = _copy(checkpoint_graph, tmp_path, ["graph.pbtxt"])
    detection = detect(str(copy / "graph.pbtxt"))
    assert _format(detection) == "GRAPH_DEF"
    assert any("VariableV2" in line for line in detection.evidence)


def test_meta_graph_alone_is_meta_graph(checkpoint_graph, tmp_path):
    copy = _copy(checkpoint_graph, tmp_path, ["model.ckpt-100.meta"])
    assert _format(detect(str(copy / "model.ckpt-100.meta"))) == "META_GRAPH"


def test_meta_graph_under_another_name_is_recognised_by_content(checkpoint_graph, tmp_path):
    copy = _copy(checkpoint_graph, tmp_path, ["model.ckpt-100.meta"])
    os.rename(copy / "model.ckpt-100.meta", copy / "exported.pb")
    detection = detect(str(copy / "exported.pb"))
    assert _format(detection) == "META_GRAPH"
    assert any("MetaGraphDef" in line for line in detection.evidence)


@pytest.mark.parametrize("kind,role", [("frozen_graph", "pb"), ("tflite_model", "tflite"), ("keras_h5", "h5"),
                                       ("keras_v3", "keras")])
def test_wrong_extension_does_not_matter(request, tmp_path, kind, role):
    artifact = request.getfixturevalue(kind)
    renamed = tmp_path / "model.bin"
    shutil.copy(artifact.files[role], renamed)
    assert _format(detect(str(renamed))) == artifact.format


@pytest.mark.parametrize("kind", ["saved_model_tf1", "saved_model_tf2"])
def test_saved_model_pb_file_means_its_directory(request, kind):
    artifact = request.getfixturevalue(kind)
    detection = detect(artifact.files["saved_model_pb"])
    assert _format(detection) == artifact.format
    assert list(detection.tags) == ["serve"]


def test_checkpoint_index_lists_what_tensorflow_saved(checkpoint_graph):
    bundle = tensor_bundle.read_index(checkpoint_graph.files["prefix"])
    found = {name: tuple(d.size for d in entry.shape.dim) for name, entry in bundle.entries}
    assert found == checkpoint_graph.variables
    assert bundle.num_shards == 1
    assert bundle.shard_paths() == [checkpoint_graph.files["data"]]
    assert bundle.missing_shards() == []
    dtypes = {name: entry.dtype for name, entry in bundle.entries}
    assert dtypes["conv/kernel"] == 1 and dtypes["global_step"] == 9  # DT_FLOAT, DT_INT64


def test_checkpoint_index_of_a_tf2_saved_model(saved_model_tf2):
    bundle = tensor_bundle.read_index(os.path.join(saved_model_tf2.directory, "variables", "variables"))
    names = {name for name, _ in bundle.entries}
    assert {"kernel/.ATTRIBUTES/VARIABLE_VALUE", "bias/.ATTRIBUTES/VARIABLE_VALUE"} <= names


@pytest.mark.parametrize("kind", ["saved_model_tf1", "saved_model_tf2"])
def test_text_saved_model(request, kind, tmp_path):
    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2

    artifact = request.getfixturevalue(kind)
    copy = tmp_path / "saved"
    shutil.copytree(artifact.directory, copy)
    message = saved_model_pb2.SavedModel()
    message.ParseFromString((copy / "saved_model.pb").read_bytes())
    (copy / "saved_model.pbtxt").write_text(text_format.MessageToString(message))
    os.remove(copy / "saved_model.pb")
    detection = detect(str(copy))
    assert (_format(detection), detection.encoding) == (artifact.format, "text")


def test_graph_with_fields_newer_than_our_schema_is_still_a_graph(frozen_graph, tmp_path):
    from tflite_tools.proto import tf_graph_pb2

    graph = tf_graph_pb2.GraphDef()
    graph.ParseFromString(open(frozen_graph.files["pb"], "rb").read())
    # NodeDef field 15 (varint 1) is unknown today; a future TensorFlow may write it.
    first = graph.node[0].SerializeToString() + b"\x78\x01"
    del graph.node[0]
    path = tmp_path / "future.pb"
    path.write_bytes(b"\x0a" + bytes([len(first)]) + first + graph.SerializeToString())
    detection = detect(str(path))
    assert (_format(detection), detection.encoding) == ("FROZEN_GRAPH", "binary")


@pytest.fixture(scope="module")
def v1_checkpoint(tmp_path_factory):
    """A Saver write_version=V1 checkpoint (one table file) with its graph."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    directory = tmp_path_factory.mktemp("v1_checkpoint")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 3], name="input")
        w = tf.compat.v1.get_variable("dense/w", [3, 2], use_resource=False)
        tf.compat.v1.get_variable("step", [], tf.int64, use_resource=False)  # a second variable in the bundle
        tf.identity(tf.matmul(x, w), name="output")
        saver = tf.compat.v1.train.Saver(write_version=tf.compat.v1.train.SaverDef.V1)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, str(directory / "model.ckpt"), write_meta_graph=False)
    (directory / "graph.pb").write_bytes(graph.as_graph_def().SerializeToString())
    return directory


def test_v1_checkpoint_file_and_directory(v1_checkpoint):
    for path in (v1_checkpoint, v1_checkpoint / "model.ckpt"):
        detection = detect(str(path))
        assert _format(detection) == "CHECKPOINT"
        assert detection.checkpoint_prefix == str(v1_checkpoint / "model.ckpt")
        assert detection.graph_path == str(v1_checkpoint / "graph.pb")
        assert any("V1 checkpoint" in line for line in detection.evidence)
    bundle = tensor_bundle.read(str(v1_checkpoint / "model.ckpt"))
    assert bundle.version == 1 and bundle.missing_shards() == []
    assert {name: (entry.dtype, tuple(d.size for d in entry.shape.dim)) for name, entry in bundle.entries} == \
        {"dense/w": (1, (3, 2)), "step": (9, ())}


def test_export_directory_of_timestamped_saved_models(saved_model_tf2, tmp_path):
    for stamp in ("1700000000", "1700000100", "999"):
        shutil.copytree(saved_model_tf2.directory, tmp_path / stamp)
    detection = detect(str(tmp_path))
    assert _format(detection) == "SAVED_MODEL_TF2"
    assert detection.graph_path == str(tmp_path / "1700000100" / "saved_model.pb")
    assert any("using the latest, 1700000100" in line for line in detection.evidence)
    from tflite_tools.inspect.model_summary import inspect

    command = inspect(str(tmp_path)).convert_command  # names the SavedModel itself, ready to run
    assert command.startswith(f"tflite-tools convert {tmp_path / '1700000100'} --output_file=1700000100.tflite")
