"""`tflite-tools convert`: every artifact kind to a .tflite that computes what TF computes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys

import keras_versions
import numpy as np
import pytest

from tflite_tools.cli import main
from tflite_tools.convert.compatibility import check_compatibility
from tflite_tools.convert.conversion import convert

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["convert", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def tree_digest(path: str) -> str:
    sha = hashlib.sha256()
    paths = [path] if os.path.isfile(path) else sorted(
        os.path.join(root, n) for root, _, names in os.walk(path) for n in names)
    for p in paths:
        sha.update(p.encode())
        with open(p, "rb") as f:
            sha.update(f.read())
    return sha.hexdigest()


def run_tflite(path, feeds: list) -> list:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), feeds):
        interpreter.set_tensor(detail["index"], value.astype(detail["dtype"]))
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def run_frozen_tf(graph_path, feeds: dict, outputs: list) -> list:
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    with open(graph_path, "rb") as f:
        graph_def = tf.compat.v1.GraphDef.FromString(f.read())
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as sess:
        return sess.run([o + ":0" for o in outputs], {k + ":0": v for k, v in feeds.items()})


# --- every artifact kind ---------------------------------------------------------------

ALL_KINDS = ["frozen_graph", "checkpoint_graph", "saved_model_tf1", "saved_model_tf2", "keras_h5",
             "keras_v3", "tflite_model"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_converts_and_verifies(kind, request, tmp_path):
    artifact = request.getfixturevalue(kind)
    out = tmp_path / "model.tflite"
    before = tree_digest(artifact.directory)
    code, stdout, err = run_cli(artifact.path, "-o", str(out), "--format", "json")  # verified by default
    assert code == 0, err
    report = json.loads(stdout)
    assert out.read_bytes()[4:8] == b"TFL3"
    assert report["source"]["format"] == artifact.format
    assert [t["dtype"] for t in report["inputs"]] == [t.dtype for t in artifact.inputs]
    assert [len(t["shape"]) for t in report["outputs"]] == [len(t.shape) for t in artifact.outputs]
    if kind != "tflite_model":
        assert report["verification"]["status"] == "PASSED"
    else:
        assert "verification" not in report and "not verified: the input is the .tflite itself" in report["steps"]
    assert tree_digest(artifact.directory) == before


def test_keras2_h5_loads_with_tf_keras(tmp_path):
    tf_keras = keras_versions.keras2()
    inputs = tf_keras.Input(shape=(3,), name="a")
    path = str(tmp_path / "keras2.h5")
    tf_keras.Model(inputs, tf_keras.layers.Dense(2, name="d")(inputs)).save(path)
    report = convert(path, str(tmp_path / "m.tflite"), verify=True)
    assert any(step.startswith(f"loaded with {tf_keras.__name__} 2.") for step in report.steps)
    from tflite_tools.proto import verification_pb2

    assert report.verification.status == verification_pb2.VerificationStatus.Value("PASSED")
    assert list(report.inputs[0].shape) == [-1, 3]


def test_checkpoint_output_runs_like_tensorflow(checkpoint_graph, frozen_graph, tmp_path):
    """Independent of --verify: LiteRT on the converted checkpoint vs TF on the frozen twin."""
    out = tmp_path / "m.tflite"
    report = convert(checkpoint_graph.path, str(out))
    assert report.converter_entry_point == "tf.compat.v1.lite.TFLiteConverter.from_frozen_graph"
    assert any(step.startswith("froze 4 variables") for step in report.steps)
    x = np.random.default_rng(0).random((1, 8, 8, 3), dtype=np.float32)
    expected = run_frozen_tf(frozen_graph.files["pb"], {"input": x}, ["output"])
    np.testing.assert_allclose(run_tflite(out, [x])[0], expected[0], rtol=1e-5, atol=1e-6)


def test_graph_and_checkpoint_as_two_models(checkpoint_graph, tmp_path):
    out = tmp_path / "m.tflite"
    code, stdout, err = run_cli(checkpoint_graph.files["prefix"], checkpoint_graph.files["pbtxt"],
                                "-o", str(out), "--output_arrays", "output:0")
    assert code == 0, err
    assert "froze 4 variables" in stdout


def test_multi_io(multi_io_graph, tmp_path):
    out = tmp_path / "m.tflite"
    report = convert(multi_io_graph.path, str(out), input_arrays="image,ids", output_arrays="scores,total")
    assert [(t.name, t.dtype, list(t.shape)) for t in report.inputs] == [
        ("image", "float32", [1, 4]), ("ids", "int32", [1, 4])]
    assert [t.name for t in report.outputs] == ["scores", "total"]
    image = np.arange(4, dtype=np.float32).reshape(1, 4) / 4
    ids = np.array([[1, 2, 3, 4]], np.int32)
    expected = run_frozen_tf(multi_io_graph.path, {"image": image, "ids": ids}, ["scores", "total"])
    got = run_tflite(out, [image, ids])
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-5)
    np.testing.assert_array_equal(got[1], expected[1])


def test_slim_graph_cut_at_iterator(slim_dataset_graph, tmp_path):
    out = tmp_path / "m.tflite"
    before = tree_digest(slim_dataset_graph.directory)
    code, _, err = run_cli(slim_dataset_graph.path, "-o", str(out))
    assert code == 2 and "--input_arrays=IteratorGetNext:0." in err and not out.exists()
    code, stdout, err = run_cli(slim_dataset_graph.path, "-o", str(out), "--input_arrays=IteratorGetNext:0",
                                "--verify", "--format", "json")
    assert code == 0, err
    report = json.loads(stdout)
    assert report["inputs"][0]["name"] == "IteratorGetNext"
    assert report["inputs"][0]["shape"] == [2, 8, 8, 3]
    assert report["outputs"][0]["shape"] == [2, 5]
    assert any("cut the graph at IteratorGetNext:0" in s for s in report["steps"])
    assert report["verification"]["status"] == "PASSED"
    assert tree_digest(slim_dataset_graph.directory) == before


def test_dynamic_batch(dynamic_batch_graph, tmp_path):
    default = convert(dynamic_batch_graph.path, str(tmp_path / "a.tflite"))
    assert list(default.inputs[0].shape) == [1, 4]
    assert any("batch dimension of 'x' set to 1" in w for w in default.warnings)
    fixed = convert(dynamic_batch_graph.path, str(tmp_path / "b.tflite"), input_shapes="3,4")
    assert list(fixed.inputs[0].shape) == [3, 4] and list(fixed.outputs[0].shape) == [3, 2]
    x = np.random.default_rng(1).random((3, 4), dtype=np.float32)
    expected = run_frozen_tf(dynamic_batch_graph.path, {"x": x}, ["y"])
    np.testing.assert_allclose(run_tflite(tmp_path / "b.tflite", [x])[0], expected[0], rtol=1e-5, atol=1e-6)


def test_select_tf_ops(select_ops_graph, tmp_path):
    out = tmp_path / "m.tflite"
    code, _, err = run_cli(select_ops_graph.path, "-o", str(out))
    assert code == 3
    assert "Cumprod" in err and "--allow_select_tf_ops" in err and "Traceback" not in err
    assert not out.exists() and os.listdir(tmp_path) == []
    code, stdout, err = run_cli(select_ops_graph.path, "-o", str(out), "--allow_select_tf_ops",
                                "--format", "json")
    assert code == 0, err
    ops = {(o["op"], o["kind"]) for o in json.loads(stdout)["ops"]}
    assert ("Cumprod", "select_tf") in ops and ("MUL", "builtin") in ops


def test_check_compatibility(select_ops_graph, frozen_graph, slim_dataset_graph):
    select = check_compatibility(select_ops_graph.path)
    assert select.checked and not select.convertible_with_builtins
    assert list(select.select_tf_ops) == ["Cumprod"] and not select.custom_ops
    assert check_compatibility(frozen_graph.path).convertible_with_builtins
    # No Placeholder: tried cut at the iterator output the outputs consume.
    assert check_compatibility(slim_dataset_graph.path).convertible_with_builtins


def test_custom_ops(tmp_path):
    """Erfinv is neither builtin nor select TF: exit 3 naming --allow_custom_ops, listed as custom."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 4], name="input")
        tf.identity(tf.math.cumprod(tf.math.erfinv(x * 0.5), axis=1), name="output")
    path = tmp_path / "custom.pb"
    path.write_bytes(graph.as_graph_def().SerializeToString())
    compatibility = check_compatibility(str(path))
    assert list(compatibility.select_tf_ops) == ["Cumprod"] and list(compatibility.custom_ops) == ["Erfinv"]
    code, _, err = run_cli(str(path), "-o", str(tmp_path / "m.tflite"), "--allow_select_tf_ops")
    assert code == 3 and "Erfinv" in err and "--allow_custom_ops" in err
    report = convert(str(path), allow_select_tf_ops=True, allow_custom_ops=True)
    assert ("Erfinv", "custom") in {(o.op, o.kind) for o in report.ops}


def test_byte_stable(frozen_graph, tmp_path):
    a, b = tmp_path / "a.tflite", tmp_path / "b.tflite"
    convert(frozen_graph.path, str(a), quantize="dynamic")
    convert(frozen_graph.path, str(b), quantize="dynamic")
    assert a.read_bytes() == b.read_bytes()


TF_TOOLS_GRAPHS = os.path.join(REPO, "..", "shared", "fixtures", "tf_tools")


def _graph_and_names(path):
    """(bytes, input names, output names, input shapes with unknown dims as 1) as inspect finds them."""
    from tflite_tools.inspect import inspect

    summary = inspect(path)
    names = [t.name.split(":")[0] for t in summary.inputs]
    shapes = {n: [1 if d < 0 else d for d in t.shape] for n, t in zip(names, summary.inputs)}
    with open(path, "rb") as f:
        return f.read(), names, [t.name.split(":")[0] for t in summary.outputs], shapes


@pytest.mark.parametrize("case", ["01_small_cnn_frozen", "04_multi_io", "05_unknown_shapes", "07_control_edges",
                                  "09_big_params", "10_function_library", "11_placeholder_with_default",
                                  "12_while_loop", "14_device_placement", "keras_applications_mobilenet_v2"])
def test_converter_built_in_memory_gives_from_frozen_graphs_bytes(case, request):
    """The oracle is TF's own from_frozen_graph on the same file, names and shapes."""
    from tflite_tools.convert import frozen_graph_in_memory
    from tflite_tools.core.lazy_tf import tensorflow

    path = (request.getfixturevalue("tf2_frozen_mobilenet").path if case.startswith("keras")
            else os.path.join(TF_TOOLS_GRAPHS, case, "graph.pb"))
    graph, inputs, outputs, shapes = _graph_and_names(path)
    cls = tensorflow().compat.v1.lite.TFLiteConverter
    built = frozen_graph_in_memory.converter(cls, graph, inputs, outputs, shapes)
    assert built is not None, "the in-memory route was not taken"
    assert built.convert() == cls.from_frozen_graph(path, inputs, outputs, shapes).convert()


@pytest.mark.parametrize("case, error", [("02_unfrozen_variables", "Please freeze the graph"),
                                         ("15_invalid_input", "Unknown input node 'missing_node'"),
                                         ("13_text_only", None)])
def test_graphs_only_tensorflow_reads_go_to_from_frozen_graph(case, error):
    """Variables, a broken graph, a text graph: TF's from_frozen_graph decides, with its own message."""
    from tflite_tools.convert import converter_api, frozen_graph_in_memory
    from tflite_tools.core.lazy_tf import tensorflow
    from tflite_tools.errors import InputError

    path = os.path.join(TF_TOOLS_GRAPHS, case, "graph.pbtxt" if case.startswith("13") else "graph.pb")
    graph, inputs, outputs, shapes = _graph_and_names(path)
    cls = tensorflow().compat.v1.lite.TFLiteConverter
    assert frozen_graph_in_memory.converter(cls, graph, inputs, outputs, shapes) is None
    if error:
        with pytest.raises(InputError, match=error):
            converter_api.from_frozen_graph(path, inputs, outputs, shapes)
    else:
        plan = converter_api.from_frozen_graph(path, inputs, outputs, shapes)
        assert converter_api.run(plan) == cls.from_frozen_graph(path, inputs, outputs, shapes).convert()


@pytest.mark.parametrize("mode, io_type", [("int8", "int8"), ("int16x8", "int16")])
def test_full_integer_with_integer_io(mode, io_type, frozen_graph, tmp_path):
    data = tmp_path / "calib.npz"
    np.savez(data, input=np.random.default_rng(2).random((4, 1, 8, 8, 3), dtype=np.float32))
    out = tmp_path / "q.tflite"
    report = convert(frozen_graph.path, str(out), quantize=mode, representative_data=str(data),
                     inference_input_type=io_type, inference_output_type=io_type)
    assert report.inputs[0].dtype == io_type and report.outputs[0].dtype == io_type
    assert report.options.quantize == mode
    from tflite_tools.runners.tflite_runner import TfliteModel

    assert TfliteModel.from_path(str(out)).quantization == mode


def test_report_json(frozen_graph, tmp_path):
    out, report_path = tmp_path / "m.tflite", tmp_path / "r.json"
    code, _, err = run_cli(frozen_graph.path, "--output_file", str(out), "--report", str(report_path),
                           "--quantize", "float16")
    assert code == 0, err
    report = json.loads(report_path.read_text())
    data = out.read_bytes()
    assert report["output_sha256"] == hashlib.sha256(data).hexdigest()
    assert report["output_size_bytes"] == len(data)
    assert report["source"]["sha256"] == hashlib.sha256(open(frozen_graph.path, "rb").read()).hexdigest()
    assert report["source"]["format"] == "FROZEN_GRAPH"
    assert report["tensorflow_version"]
    assert report["converter_entry_point"].endswith("from_frozen_graph")
    assert report["options"]["quantize"] == "float16"
    assert report["inputs"][0] == {"name": "input", "dtype": "float32", "shape": [1, 8, 8, 3], "index": 0,
                                   "op": "", "tensor_name": "", "unknown_rank": False}
    assert {"op": "CONV_2D", "kind": "builtin", "count": 1} in report["ops"]
    assert report["timings"]["convert_ms"] > 0 and report["timings"]["total_ms"] > 0


def test_source_digest_of_a_saved_model_covers_every_file_by_name(saved_model_tf2, tmp_path):
    # Files are hashed mapped into memory; an empty one (which cannot be mapped) counts too.
    model = tmp_path / "export"
    shutil.copytree(saved_model_tf2.path, model)
    (model / "assets").mkdir(exist_ok=True)
    (model / "assets" / "empty.txt").write_bytes(b"")
    report = convert(str(model), str(tmp_path / "m.tflite"), verify=False)
    sha, size = hashlib.sha256(), 0
    for rel in sorted(os.path.relpath(os.path.join(root, n), model) for root, _, names in os.walk(model)
                      for n in names):
        data = (model / rel).read_bytes()
        sha.update(rel.encode() + b"\0" + data)
        size += len(data)
    assert (report.source.sha256, report.source.size_bytes) == (sha.hexdigest(), size)


# --- errors -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def unknown_dims_graph(tmp_path_factory):
    """Frozen: x float32 [?, ?, 4] -> y: a non-batch dimension is unknown."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, None, 4], name="x")
        tf.identity(x * 2.0, name="y")
    path = tmp_path_factory.mktemp("unknown_dims") / "g.pb"
    path.write_bytes(graph.as_graph_def().SerializeToString())
    return str(path)


@pytest.fixture(scope="module")
def keras_lambda(tmp_path_factory):
    """A .keras model with a Lambda layer (loading it deserializes Python code)."""
    from tflite_tools.core.lazy_tf import tensorflow

    tensorflow()
    import keras

    inputs = keras.Input(shape=(4,), name="x")
    outputs = keras.layers.Lambda(lambda t: t * 2.0, name="double")(keras.layers.Dense(2, name="d")(inputs))
    path = str(tmp_path_factory.mktemp("keras_lambda") / "lambda.keras")
    keras.Model(inputs, outputs).save(path)
    return path


@pytest.fixture(scope="module")
def keras_custom(tmp_path_factory):
    """A .keras model with a registered custom layer (its class must be imported to load)."""
    from tflite_tools.core.lazy_tf import tensorflow

    tensorflow()
    import keras

    @keras.saving.register_keras_serializable(package="TestPkg")
    class Scale(keras.layers.Layer):
        def call(self, x):
            return x * 3.0

    inputs = keras.Input(shape=(4,), name="x")
    path = str(tmp_path_factory.mktemp("keras_custom") / "custom.keras")
    keras.Model(inputs, Scale(name="scale")(inputs)).save(path)
    return path


@pytest.mark.parametrize("case, expected", [
    ("unknown_output", "did you mean output"),
    ("unknown_input", "did you mean input"),
    ("unknown_dims", "--input_shapes"),
    ("keras_lambda", "Lambda layer 'double'"),
    ("keras_custom", "custom object TestPkg>Scale 'scale'"),
    ("shape_count", "one shape per input"),
    ("int8_without_data", "--representative_data"),
    ("input_not_feeding", "does not feed the outputs total"),
    ("input_missing", "also need the Placeholder ids"),
])
def test_errors_exit_2(case, expected, frozen_graph, multi_io_graph, unknown_dims_graph, keras_lambda,
                       keras_custom, tmp_path):
    argv = {
        "unknown_output": [frozen_graph.path, "--output_arrays", "outptu"],
        "unknown_input": [frozen_graph.path, "--input_arrays", "inptu"],
        "unknown_dims": [unknown_dims_graph],
        "keras_lambda": [keras_lambda],
        "keras_custom": [keras_custom],
        "shape_count": [frozen_graph.path, "--input_shapes", "1,8,8,3:1,4"],
        "int8_without_data": [frozen_graph.path, "--quantize", "int8"],
        "input_not_feeding": [multi_io_graph.path, "--input_arrays", "image", "--output_arrays", "total"],
        "input_missing": [multi_io_graph.path, "--input_arrays", "image", "--output_arrays", "scores"],
    }[case]
    source = argv[0]
    before = tree_digest(source)
    out = tmp_path / "m.tflite"
    code, stdout, err = run_cli(*argv, "-o", str(out))
    assert code == 2, err
    assert expected in err and "Traceback" not in err and err.count("\n") == 1
    if case.startswith("keras"):
        assert "--unsafe_deserialization" in err
    assert os.listdir(tmp_path) == []
    assert tree_digest(source) == before


def test_keras_lambda_with_unsafe_deserialization(keras_lambda, tmp_path):
    report = convert(keras_lambda, str(tmp_path / "m.tflite"), unsafe_deserialization=True)
    assert report.converter_entry_point == "tf.lite.TFLiteConverter.from_keras_model"
    x = np.ones((1, 4), np.float32)
    import keras

    model = keras.saving.load_model(keras_lambda, safe_mode=False)
    np.testing.assert_allclose(run_tflite(tmp_path / "m.tflite", [x])[0], model(x).numpy(), rtol=1e-5)


# --- live objects ---------------------------------------------------------------------------

def _live(kind):
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    kernel = np.array([[1.0, -1.0], [0.5, 2.0]], np.float32)
    if kind == "session":
        graph = tf.Graph()
        with graph.as_default():
            x = tf.compat.v1.placeholder(tf.float32, [1, 2], name="x")
            w = tf.compat.v1.get_variable("w", initializer=kernel)
            tf.nn.relu(tf.matmul(x, w), name="y")
            sess = tf.compat.v1.Session(graph=graph)
            sess.run(tf.compat.v1.global_variables_initializer())
        return sess, {"input_arrays": [x], "output_arrays": ["y"]}
    if kind == "keras":
        import keras

        inputs = keras.Input(shape=(2,), batch_size=1)
        layer = keras.layers.Dense(2, use_bias=False, activation="relu")
        model = keras.Model(inputs, layer(inputs))
        layer.set_weights([kernel])
        return model, {}

    class Relu(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(kernel)

        @tf.function(input_signature=[tf.TensorSpec([1, 2], tf.float32)])
        def __call__(self, x):
            return tf.nn.relu(tf.matmul(x, self.w))

    module = Relu()
    if kind == "module":
        return module, {}
    # The caller keeps the module (and so its variables) alive, as TF requires.
    return module.__call__.get_concrete_function(), {"_keepalive": module}


@pytest.mark.parametrize("kind", ["session", "keras", "module", "concrete_function"])
def test_live_objects(kind, tmp_path):
    source, kwargs = _live(kind)
    keepalive = kwargs.pop("_keepalive", None)  # noqa: F841 (held until the end)
    out = tmp_path / "m.tflite"
    report = convert(source, str(out), **kwargs)
    assert report.source.format in ("SESSION", "KERAS_MODEL", "TF_MODULE", "CONCRETE_FUNCTION")
    x = np.array([[1.0, 2.0]], np.float32)
    np.testing.assert_allclose(run_tflite(out, [x])[0], [[2.0, 3.0]], rtol=1e-6)


def test_session_without_tensors_is_a_usage_error():
    from tflite_tools.errors import UsageError

    session, _ = _live("session")
    with pytest.raises(UsageError, match="input and output tensors"):
        convert(session)
    with pytest.raises(UsageError, match="verify needs a model path"):
        convert(session, input_arrays=["x"], output_arrays=["y"], verify=True)


def test_console_script_smoke(frozen_graph, tmp_path):
    out = tmp_path / "m.tflite"
    script = os.path.join(os.path.dirname(sys.executable), "tflite-tools")
    done = subprocess.run([script, "convert", frozen_graph.path, "-o", str(out), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["output_path"] == str(out) and out.exists()
    # Byte stability across processes: the same bytes as a conversion in this one.
    convert(frozen_graph.path, str(tmp_path / "here.tflite"))
    assert out.read_bytes() == (tmp_path / "here.tflite").read_bytes()


@pytest.mark.parametrize("sample, select, custom", [
    ("01.txt", [], ["MaxPoolWithArgmax", "Size"]),          # TOCO, TF 1.x
    ("03.txt", [], ["IdentityN"]),
    ("05.txt", ["Conv2D"], []),                              # MLIR, flex list one per line
    ("07.txt", ["ResizeNearestNeighbor"], []),               # MLIR, comma list
    ("11.txt", [], []),                                      # a shape error, no ops
    ("13.txt", [], []),                                      # a name error, no ops
])
def test_parse_real_converter_errors(sample, select, custom):
    from tflite_tools.convert.converter_errors import parse_converter_text

    path = os.path.join(REPO, "..", "shared", "fixtures", "real_outputs", "tflite_converter_errors", sample)
    with open(path) as f:
        assert parse_converter_text(f.read()) == (select, custom)


@pytest.mark.parametrize("kind", ["saved_model_tf1", "saved_model_tf2", "keras_v3"])
def test_input_shapes_fix_signature_batch(kind, request, tmp_path):
    artifact = request.getfixturevalue(kind)
    report = convert(artifact.path, str(tmp_path / "m.tflite"), input_shapes="2,4")
    assert [list(t.shape) for t in report.inputs] == [[2, 4]]
    assert [list(t.shape)[0] for t in report.outputs] == [2]


def _pipeline_graph():
    """it (IteratorGetNext, 2 outputs) -> a = Identity(it:0); b = AddV2(a, it:1), colocated with it."""
    from tflite_tools.proto import tf_graph_pb2

    graph = tf_graph_pb2.GraphDef()
    graph.node.add(name="ds", op="BatchDatasetV2")
    graph.node.add(name="it", op="IteratorGetNext", input=["ds"])
    graph.node.add(name="a", op="Identity", input=["it"])
    b = graph.node.add(name="b", op="AddV2", input=["a", "it:1"])
    b.attr["_class"].list.s.append(b"loc:@it")
    return graph


def test_graph_cut_rewires_and_prunes():
    from tflite_tools.graph import surgery

    cuts = [surgery.Cut("it:0", 1, [2, 3]), surgery.Cut("it:1", 1, [2, 3])]
    cut, names = surgery.cut_at(_pipeline_graph(), cuts, ["b"])
    assert names == ["it", "it_1"]
    nodes = {n.name: n for n in cut.node}
    assert sorted(nodes) == ["a", "b", "it", "it_1"]  # the dataset is pruned
    assert nodes["it"].op == nodes["it_1"].op == "Placeholder"
    assert [d.size for d in nodes["it_1"].attr["shape"].shape.dim] == [2, 3]
    assert list(nodes["b"].input) == ["a", "it_1"]


def test_graph_cut_names_the_uncut_tensor_still_needed():
    from tflite_tools.errors import UsageError
    from tflite_tools.graph import surgery

    with pytest.raises(UsageError, match="still need it:1"):
        surgery.cut_at(_pipeline_graph(), [surgery.Cut("it:0", 1, [2, 3])], ["b"])


def test_verification_mismatch_exits_4_and_writes_nothing(tmp_path):
    """Weights past float16's range (65504) become inf under --quantize float16: a real mismatch."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 64], name="x")
        kernel = np.full((64, 8), 1e5, np.float32) * np.linspace(0.5, 1.5, 8, dtype=np.float32)
        tf.identity(tf.matmul(x, tf.constant(kernel)), name="y")
    source = tmp_path / "src" / "overflow.pb"
    source.parent.mkdir()
    source.write_bytes(graph.as_graph_def().SerializeToString())
    out_dir = tmp_path / "out"
    code, stdout, err = run_cli(str(source), "-o", str(out_dir / "m.tflite"), "--quantize", "float16",
                                "--verify", "--report", str(out_dir / "r.json"))
    assert code == 4
    assert "does not compute what overflow.pb computes" in err and "Traceback" not in err
    assert "MISMATCH" in stdout  # the report is still shown
    assert not out_dir.exists() or os.listdir(out_dir) == []


@pytest.mark.parametrize("kind", ["saved_model_tf1", "saved_model_tf2"])
def test_saved_model_named_by_its_pb_file(kind, request, tmp_path):
    artifact = request.getfixturevalue(kind)
    out = tmp_path / "model.tflite"
    code, stdout, err = run_cli(os.path.join(artifact.path, "saved_model.pb"), "-o", str(out),
                                "--verify", "--format", "json")
    assert code == 0, err
    assert json.loads(stdout)["verification"]["status"] == "PASSED"


# --- issue 10: truths on real-world artifacts ------------------------------------------------------

def test_tf2_frozen_mobilenet_converts_verified_with_no_flags(tf2_frozen_mobilenet, tmp_path):
    out = tmp_path / "mobilenet.tflite"
    code, text, err = run_cli(tf2_frozen_mobilenet.path, "-o", str(out), "--format", "json")
    assert code == 0, err
    report = json.loads(text)
    name, dtype, shape = tf2_frozen_mobilenet.outputs[0]
    assert [(o["name"], o["dtype"], o["shape"]) for o in report["outputs"]] == [(name, dtype, list(shape))]
    assert report["verification"]["status"] == "PASSED"  # verified by default
    assert out.stat().st_size == report["output_size_bytes"]


def test_convert_verifies_by_default_and_prints_the_error_figures(frozen_graph, tmp_path):
    code, text, err = run_cli(frozen_graph.path, "-o", str(tmp_path / "m.tflite"))
    assert code == 0, err
    assert "verify:    PASSED" in text and "max abs" in text and "SNR" in text
    code, text, err = run_cli(frozen_graph.path, "-o", str(tmp_path / "n.tflite"), "--no_verify")
    assert code == 0 and "verify:" not in text
    code, text, err = run_cli(frozen_graph.path, "-o", str(tmp_path / "v.tflite"), "--verify")
    assert code == 0 and "verify:    PASSED" in text  # still accepted


def test_output_directory_gets_the_model_name(frozen_graph, tmp_path):
    code, text, err = run_cli(frozen_graph.path, "-o", str(tmp_path), "--no_verify")
    assert code == 0, err
    written = tmp_path / "frozen.tflite"
    assert written.is_file() and f"writing {written}" in text and f"-> {written}" in text
    before = written.read_bytes()
    code, text, err = run_cli(str(written), "-o", str(tmp_path))  # would overwrite the input
    assert code == 2 and "is the input model itself" in err and written.read_bytes() == before


def test_tflite_input_is_copied_without_tensorflow_and_cannot_be_verified(tflite_model, tmp_path):
    copy = tmp_path / "copy.tflite"
    script = ("import sys; from tflite_tools.cli import main; code = main(sys.argv[1:]); "
              "print('TF' if 'tensorflow' in sys.modules else 'no TF'); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script, "convert", tflite_model.path, "-o", str(copy)],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("no TF") and copy.read_bytes() == open(tflite_model.path, "rb").read()
    code, text, err = run_cli(tflite_model.path, "-o", str(tmp_path / "again.tflite"), "--verify")
    assert code == 2 and "nothing" not in text and "no TensorFlow model to verify it against" in err
    assert not (tmp_path / "again.tflite").exists()


def test_input_checkpoint_names_the_checkpoint_of_a_graph(checkpoint_graph, tmp_path):
    lonely = tmp_path / "graph.pb"  # no checkpoint beside it
    lonely.write_bytes(open(checkpoint_graph.files["pb"], "rb").read())
    out = tmp_path / "m.tflite"
    code, text, err = run_cli(str(lonely), "--input_checkpoint", checkpoint_graph.files["prefix"],
                              "-o", str(out), "--format", "json")
    assert code == 0, err
    report = json.loads(text)
    assert any(checkpoint_graph.files["prefix"] in step for step in report["steps"])
    assert report["verification"]["status"] == "PASSED"


def test_keras3_saved_model_with_resource_variables_takes_the_concrete_function(tmp_path):
    """TF's own from_saved_model leaves VAR_HANDLE/READ_VARIABLE ops and NaN
    outputs for this model (TF >= 2.18), or aborts the process in MLIR
    ("Failed to infer result type(s)", TF 2.16-2.17); convert notices, or
    knows, and converts the signature's concrete function, which computes
    what the SavedModel computes."""
    import keras_versions
    import tf2_models

    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    keras_versions.keras3()
    saved = tf2_models.build_keras3_saved_model(str(tmp_path))
    batch = np.random.default_rng(0).uniform(0, 1, (1, 8, 8, 3)).astype(np.float32)
    aborts = tuple(int(part) for part in tf.__version__.split(".")[:2]) < (2, 18)
    if not aborts:
        broken = tmp_path / "tf_own.tflite"
        broken.write_bytes(tf.lite.TFLiteConverter.from_saved_model(saved).convert())
        assert not np.isfinite(run_tflite(broken, [batch])[0]).all()  # the defect, in this TensorFlow

    out = tmp_path / "model.tflite"
    code, text, err = run_cli(saved, "-o", str(out), "--format", "json")
    assert code == 0, err
    report = json.loads(text)
    assert {"VAR_HANDLE", "READ_VARIABLE"}.isdisjoint(o["op"] for o in report["ops"])
    assert report["converter_entry_point"].endswith("from_concrete_functions")
    assert any(("aborts the process" if aborts else "resource variables") in step for step in report["steps"])
    assert report["verification"]["status"] == "PASSED"
    expected = tf.saved_model.load(saved).signatures["serving_default"](tf.constant(batch))
    np.testing.assert_allclose(run_tflite(out, [batch])[0], next(iter(expected.values())).numpy(),
                               rtol=1e-4, atol=1e-5)


def test_only_a_keras3_model_saved_with_tf_saved_model_save_is_told_apart(saved_model_tf2, tmp_path):
    """What sends TF < 2.18 straight to the concrete function (its
    from_saved_model aborts on these): the root object is a Keras 3 layer."""
    import keras_versions
    import tf2_models

    from tflite_tools.formats.saved_model import read_saved_model, saves_a_keras3_model, serving_meta_graph

    keras_versions.keras3()

    def marked(directory):
        return saves_a_keras3_model(serving_meta_graph(read_saved_model(directory)))

    assert marked(tf2_models.build_keras3_saved_model(str(tmp_path)))
    assert not marked(saved_model_tf2.path)  # a tf.Module
