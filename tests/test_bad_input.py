"""Bad input to `inspect`: exit code 2, one sentence on stderr naming what
was found and what to do, no traceback, nothing on stdout, inputs unchanged."""

import hashlib
import io
import os
import random
import shutil
import subprocess
import sys
import zipfile

import pytest

from tflite_tools.cli import main


def _inspect(path):
    out, err = io.StringIO(), io.StringIO()
    code = main(["inspect", str(path)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _assert_one_line_error(path, *fragments):
    before = _digest(path)
    code, out, err = _inspect(path)
    assert code == 2, err
    assert out == ""
    assert err.startswith("tflite-tools inspect: error: ") and err.endswith("\n")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    assert _digest(path) == before, "inspect must never change its input"
    return err


def _digest(path):
    path = str(path)
    if os.path.isfile(path):
        return hashlib.sha256(open(path, "rb").read()).hexdigest()
    if os.path.isdir(path):
        return sorted((name, _digest(os.path.join(path, name))) for name in os.listdir(path))
    return None


def test_missing_path(tmp_path):
    _assert_one_line_error(tmp_path / "nope.pb", "does not exist", "check the path")


def test_empty_directory(tmp_path):
    _assert_one_line_error(tmp_path, "is empty")


def test_unrelated_directory(tmp_path):
    (tmp_path / "README.txt").write_text("notes\n")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    _assert_one_line_error(tmp_path, "holds no TensorFlow model")


def test_truncated_pb(frozen_graph, tmp_path):
    data = open(frozen_graph.files["pb"], "rb").read()
    path = tmp_path / "frozen.pb"
    path.write_bytes(data[: len(data) // 2])
    _assert_one_line_error(path, "not a TensorFlow model", "truncated")


def test_random_bytes_pb(tmp_path):
    path = tmp_path / "model.pb"
    path.write_bytes(random.Random(0).randbytes(4096))
    _assert_one_line_error(path, "neither a GraphDef nor a MetaGraphDef")


def test_empty_file(tmp_path):
    path = tmp_path / "model.pb"
    path.write_bytes(b"")
    _assert_one_line_error(path, "is empty")


def test_broken_pbtxt(tmp_path):
    path = tmp_path / "graph.pbtxt"
    path.write_text('node {\n  name: "input"\n  op: "Placeholder"\n  colour: "blue"\n}\n')
    _assert_one_line_error(path, "text GraphDef", "line 4", "colour")


def test_truncated_pbtxt(frozen_graph, tmp_path):
    text = open(frozen_graph.files["pbtxt"]).read()
    path = tmp_path / "graph.pbtxt"
    path.write_text(text[: len(text) // 3])
    _assert_one_line_error(path, "does not parse")


def test_checkpoint_missing_data_shard(checkpoint_graph, tmp_path):
    copy = tmp_path / "train"
    shutil.copytree(checkpoint_graph.directory, copy)
    os.remove(copy / "model.ckpt-100.data-00000-of-00001")
    _assert_one_line_error(copy, "model.ckpt-100.data-00000-of-00001 is missing")


def test_truncated_checkpoint_index(checkpoint_graph, tmp_path):
    copy = tmp_path / "train"
    shutil.copytree(checkpoint_graph.directory, copy)
    index = copy / "model.ckpt-100.index"
    index.write_bytes(index.read_bytes()[:100])
    _assert_one_line_error(copy, "model.ckpt-100.index", "not a readable TensorFlow checkpoint index")


def test_directory_with_two_different_graphs(frozen_graph, multi_io_graph, tmp_path):
    shutil.copy(frozen_graph.files["pb"], tmp_path / "a.pb")
    shutil.copy(multi_io_graph.files["pb"], tmp_path / "b.pb")
    _assert_one_line_error(tmp_path, "a.pb and b.pb", "pass the one you mean")


def test_directory_with_two_kinds_of_model(frozen_graph, tflite_model, tmp_path):
    shutil.copy(frozen_graph.files["pb"], tmp_path / "model.pb")
    shutil.copy(tflite_model.files["tflite"], tmp_path / "model.tflite")
    _assert_one_line_error(tmp_path, "several models", "model.pb", "model.tflite")


def test_zip_that_is_not_keras(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.bin", b"\0" * 16)
    _assert_one_line_error(path, "without config.json")


def test_hdf5_without_model_config(tmp_path):
    import h5py

    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("kernel", data=[1.0, 2.0])
    _assert_one_line_error(path, "without a model_config", "model.save")


def test_truncated_tflite(tflite_model, tmp_path):
    path = tmp_path / "model.tflite"
    path.write_bytes(open(tflite_model.files["tflite"], "rb").read()[:64])
    _assert_one_line_error(path, ".tflite flatbuffer cannot be read")


def test_console_script_reports_bad_input_without_traceback(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "tflite-tools")
    result = subprocess.run([script, "inspect", str(tmp_path / "missing.pb")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "does not exist" in result.stderr


@pytest.mark.parametrize("argv", [["inspect"], ["inspect", "a.pb", "--colour"]])
def test_usage_errors(argv):
    err = io.StringIO()
    assert main(argv, stdout=io.StringIO(), stderr=err) == 2
    assert "usage" in err.getvalue().lower() or "error" in err.getvalue()


def test_data_shard_without_index(checkpoint_graph, tmp_path):
    shard = tmp_path / "model.ckpt-100.data-00000-of-00001"
    shutil.copy(checkpoint_graph.files["data"], shard)
    _assert_one_line_error(shard, "without its .index", "model.ckpt-100.index")


@pytest.fixture(scope="module")
def sharded_checkpoint(tmp_path_factory):
    """A Saver(sharded=True) V2 checkpoint over two CPU devices: two .data shards."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    directory = tmp_path_factory.mktemp("sharded")
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/cpu:0"):
            tf.compat.v1.get_variable("a", [2], use_resource=False)
        with tf.device("/cpu:1"):
            tf.compat.v1.get_variable("b", [3], use_resource=False)
        saver = tf.compat.v1.train.Saver(sharded=True)
        config = tf.compat.v1.ConfigProto(device_count={"CPU": 2})
        with tf.compat.v1.Session(graph=graph, config=config) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, str(directory / "model.ckpt"), global_step=3)
    return directory


def test_sharded_checkpoint_missing_its_second_shard(sharded_checkpoint, tmp_path):
    from tflite_tools.formats import tensor_bundle

    bundle = tensor_bundle.read(str(sharded_checkpoint / "model.ckpt-3"))
    assert bundle.num_shards == 2 and bundle.missing_shards() == []
    assert sorted(entry.shard_id for _, entry in bundle.entries) == [0, 1]
    copy = tmp_path / "train"
    shutil.copytree(sharded_checkpoint, copy)
    os.remove(copy / "model.ckpt-3.data-00001-of-00002")
    _assert_one_line_error(copy, "model.ckpt-3.data-00001-of-00002 is missing")


def test_saved_model_missing_its_variables_data(saved_model_tf2, tmp_path):
    copy = tmp_path / "exported"
    shutil.copytree(saved_model_tf2.directory, copy)
    os.remove(copy / "variables" / "variables.data-00000-of-00001")
    _assert_one_line_error(copy, "variables.data-00000-of-00001 is missing")
