"""`tflite-tools freeze`: freeze_graph.py's results, flags and (kinder) errors."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys

import pytest

from tflite_tools.cli import main
from tflite_tools.formats.checkpoints import find_checkpoint
from tflite_tools.freeze.freeze_graph import freeze


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["freeze", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def tree_digest(directory: str) -> str:
    sha = hashlib.sha256()
    for root, _, names in sorted(os.walk(directory)):
        for name in sorted(names):
            path = os.path.join(root, name)
            sha.update(path.encode())
            with open(path, "rb") as f:
                sha.update(f.read())
    return sha.hexdigest()


def read_tf_graph(path):
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    with open(path, "rb") as f:
        return tf.compat.v1.GraphDef.FromString(f.read())


def constants(graph_def) -> dict:
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    return {n.name: tf.make_ndarray(n.attr["value"].tensor) for n in graph_def.node if n.op == "Const"}


@pytest.fixture(scope="module")
def tf_frozen(checkpoint_graph, tmp_path_factory):
    """TensorFlow's own freeze_graph on the checkpoint graph (via its MetaGraph:
    TF 2.21's Saver(var_list) path fails on the resource global_step)."""
    from tensorflow.python.tools import freeze_graph as tf_freeze_graph

    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    out = str(tmp_path_factory.mktemp("tf_freeze") / "tf_frozen.pb")
    with tf.Graph().as_default():
        tf_freeze_graph.freeze_graph(
            input_graph="", input_saver="", input_binary=True,
            input_checkpoint=checkpoint_graph.files["prefix"], output_node_names="output",
            restore_op_name="", filename_tensor_name="", output_graph=out, clear_devices=True,
            initializer_nodes="", input_meta_graph=checkpoint_graph.files["meta"])
    return out


def test_same_nodes_and_constants_as_tf_freeze_graph(checkpoint_graph, tf_frozen, tmp_path):
    import numpy as np

    out = tmp_path / "frozen.pb"
    # Graph file only: checkpoint found beside it, ":0" suffix accepted.
    code, stdout, err = run_cli("--input_graph", checkpoint_graph.files["pbtxt"],
                                "--output_node_names", "output:0", "--output_graph", str(out))
    assert code == 0, err
    assert "Froze 4 variables" in stdout
    ours, theirs = read_tf_graph(str(out)), read_tf_graph(tf_frozen)
    assert [n.name for n in ours.node] == [n.name for n in theirs.node]
    assert [n.op for n in ours.node] == [n.op for n in theirs.node]
    ours_c, theirs_c = constants(ours), constants(theirs)
    assert ours_c.keys() == theirs_c.keys()
    for name in ours_c:
        np.testing.assert_array_equal(ours_c[name], theirs_c[name])


def test_meta_graph_flags_give_tf_bytes(checkpoint_graph, tf_frozen, tmp_path):
    out = tmp_path / "frozen.pb"
    code, _, err = run_cli("--input_meta_graph", checkpoint_graph.files["meta"], "--input_binary",
                           "--input_checkpoint", checkpoint_graph.files["prefix"],
                           "--output_node_names", "output", "--output_graph", str(out),
                           "--restore_op_name", "save/restore_all", "--filename_tensor_name", "save/Const:0")
    assert code == 0, err
    assert out.read_bytes() == open(tf_frozen, "rb").read()


def test_resource_variables_and_automatic_outputs(slim_dataset_graph, tmp_path):
    before = tree_digest(slim_dataset_graph.directory)
    result = freeze(slim_dataset_graph.files["pbtxt"], output_graph=str(tmp_path / "f.pb"))
    assert list(result.output_node_names) == ["predictions"]
    assert sorted(result.frozen_variable_names) == sorted(
        n for n in slim_dataset_graph.variables if n != "global_step")
    ops = {n.op for n in read_tf_graph(str(tmp_path / "f.pb")).node}
    assert not ops & {"VarHandleOp", "ReadVariableOp", "VariableV2"}
    assert tree_digest(slim_dataset_graph.directory) == before


@pytest.mark.parametrize("flag", ["--variable_names_denylist", "--variable_names_blacklist"])
def test_denylist_spellings(checkpoint_graph, tmp_path, flag):
    out = tmp_path / "f.pb"
    code, _, err = run_cli(checkpoint_graph.path, f"{flag}=conv/kernel", "--clear_devices", "false",
                           "--output_graph", str(out))
    assert code == 0, err
    ops = {n.name: n.op for n in read_tf_graph(str(out)).node}
    assert ops["conv/kernel"] == "VariableV2" and ops["dense/kernel"] == "Const"


@pytest.mark.parametrize("flag", ["--variable_names_allowlist", "--variable_names_whitelist"])
def test_allowlist_spellings(checkpoint_graph, tmp_path, flag):
    out = tmp_path / "f.pb"
    code, _, err = run_cli(checkpoint_graph.path, flag, "dense/bias", "--clear_devices=true",
                           "--output_graph", str(out))
    assert code == 0, err
    ops = {n.name: n.op for n in read_tf_graph(str(out)).node}
    assert ops["dense/bias"] == "Const" and ops["dense/kernel"] == "VariableV2"


def test_find_checkpoint_accepts_any_checkpoint_file(checkpoint_graph):
    prefix = checkpoint_graph.files["prefix"]
    for given in (prefix, checkpoint_graph.directory, checkpoint_graph.files["index"],
                  checkpoint_graph.files["data"], checkpoint_graph.files["meta"],
                  checkpoint_graph.files["checkpoint_state"]):
        assert find_checkpoint(given) == prefix, given
    assert find_checkpoint(os.path.join(checkpoint_graph.directory, "nope")) is None


@pytest.mark.parametrize("case, expected", [
    ("missing_checkpoint", "doesn't exist"),
    ("missing_graph", "does not exist"),
    ("unknown_output", "did you mean output"),
    ("frozen_input", "nothing to freeze"),
    ("bad_checkpoint_version", "must be '1' or '2'"),
    ("wrong_checkpoint", "has no values for conv/kernel"),
])
def test_errors_exit_2_without_output(case, expected, checkpoint_graph, frozen_graph, slim_dataset_graph,
                                      tmp_path):
    out = tmp_path / "f.pb"
    graph = checkpoint_graph.files["pb"]
    argv = {
        "missing_checkpoint": ["--input_graph", graph, "--input_checkpoint", str(tmp_path / "model.ckpt-9")],
        "missing_graph": ["--input_graph", str(tmp_path / "nope.pb"), "--output_node_names", "output"],
        "unknown_output": ["--input_graph", graph, "--output_node_names", "outptu"],
        "frozen_input": ["--input_graph", frozen_graph.files["pb"], "--input_checkpoint",
                         checkpoint_graph.files["prefix"], "--output_node_names", "output"],
        "bad_checkpoint_version": ["--input_graph", graph, "--checkpoint_version", "3"],
        "wrong_checkpoint": ["--input_graph", graph, "--input_checkpoint", slim_dataset_graph.files["prefix"],
                             "--output_node_names", "output"],
    }[case]
    before = tree_digest(checkpoint_graph.directory)
    code, stdout, err = run_cli(*argv, "--output_graph", str(out))
    assert code == 2
    assert expected in err and "Traceback" not in err
    assert err.count("\n") == 1  # one sentence
    assert not out.exists() and os.listdir(tmp_path) == []
    assert tree_digest(checkpoint_graph.directory) == before


def test_engine_flags(checkpoint_graph, tmp_path, monkeypatch):
    """--engine auto falls back to Python when freeze_graph is not built; native-only flags need it."""
    monkeypatch.delenv("TF_SOURCE_DIR", raising=False)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + "/usr/bin")
    code, stdout, err = run_cli(checkpoint_graph.path, "--engine", "auto", "-o", str(tmp_path / "f.pb"),
                                "--format", "json")
    assert code == 0, err
    assert '"engine": "python"' in stdout
    code, _, err = run_cli(checkpoint_graph.path, "--tool_dir", str(tmp_path), "-o", str(tmp_path / "g.pb"))
    assert code == 2 and "--tool_dir is used by the native engine only" in err
    assert not (tmp_path / "g.pb").exists()


def test_a_checkpoint_missing_a_data_shard_is_named(checkpoint_graph, tmp_path):
    # Outputs left to detection or given: either way the shard is named before TensorFlow restores.
    copy = tmp_path / "train"
    shutil.copytree(checkpoint_graph.directory, copy)
    os.remove(copy / "model.ckpt-100.data-00000-of-00001")
    os.remove(copy / "checkpoint")  # its absolute path names the intact original
    for extra in ((), ("--output_node_names", checkpoint_graph.outputs[0].name)):
        code, out, err = run_cli("--input_graph", str(copy / "graph.pbtxt"),
                                 "--output_graph", str(tmp_path / "frozen.pb"), *extra)
        assert code == 2 and err.count("\n") == 1, err
        assert "model.ckpt-100.data-00000-of-00001 is missing" in err
        assert not (tmp_path / "frozen.pb").exists()
