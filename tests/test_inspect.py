"""inspect on every artifact kind built with real TensorFlow: the right
format, inputs, outputs (bookkeeping sinks left out and counted), variables,
parameters, input candidates for slim-style graphs; the CLI's text and JSON;
and no TensorFlow import on the fast paths."""

import io
import json
import math
import os
import subprocess
import sys
import warnings

import keras_versions
import pytest

from tflite_tools.cli import main
from tflite_tools.inspect.model_summary import inspect
from tflite_tools.inspect.text import format_text
from tflite_tools.proto import summary_pb2


def _tensors(specs):
    return [(s.name, s.dtype, tuple(s.shape)) for s in specs]


def _expected(tensors, with_shape=True):
    return [(t.name, t.dtype, tuple(t.shape) if with_shape else ()) for t in tensors]


def _params(variables):
    return sum(math.prod(shape) for shape in variables.values())


@pytest.mark.parametrize("kind", ["frozen_graph", "checkpoint_graph", "saved_model_tf1", "saved_model_tf2",
                                  "keras_h5", "keras_v3", "tflite_model", "multi_io_graph",
                                  "dynamic_batch_graph", "select_ops_graph"])
def test_format_inputs_and_outputs(request, kind):
    artifact = request.getfixturevalue(kind)
    summary = inspect(artifact.path)
    assert summary_pb2.ModelFormat.Name(summary.format) == artifact.format
    assert _tensors(summary.inputs) == _expected(artifact.inputs)
    assert [(s.name, s.dtype) for s in summary.outputs] == [(t.name, t.dtype) for t in artifact.outputs]
    for spec, expected in zip(summary.outputs, artifact.outputs):
        # GraphDefs without shape attrs cannot say an output's shape without TensorFlow.
        assert spec.unknown_rank or tuple(spec.shape) == expected.shape
        if expected.op:
            assert spec.op == expected.op


def test_frozen_graph_counts(frozen_graph):
    summary = inspect(frozen_graph.files["pbtxt"])
    weights = 3 * 3 * 3 * 4 + 4 + 256 * 5 + 5
    assert summary.const_parameters == weights + 2  # + the Reshape's shape constant
    assert summary.variable_parameters == 0 and not summary.variables
    ops = {c.op: c.count for c in summary.op_counts}
    assert ops == {"Const": 5, "BiasAdd": 2, "Conv2D": 1, "MatMul": 1, "Placeholder": 1, "Relu": 1,
                   "Reshape": 1, "Softmax": 1}
    assert summary.op_counts[0].op == "Const"  # most frequent first
    assert summary.node_count == 13 and summary.omitted_outputs == 0
    assert summary.convert_command.endswith("--input_arrays=input --output_arrays=output")


def test_checkpoint_leaves_out_saver_and_initializers(checkpoint_graph):
    summary = inspect(checkpoint_graph.path)
    assert [s.name for s in summary.outputs] == ["output"]
    assert summary.omitted_outputs == len(summary.omitted_output_names) >= 3
    assert {"init", "save/restore_all"} <= set(summary.omitted_output_names)
    assert {s.name: tuple(s.shape) for s in summary.variables} == checkpoint_graph.variables
    assert summary.variable_parameters == _params(checkpoint_graph.variables)
    assert summary.control_edges > 0
    assert summary.detection.checkpoint_prefix == checkpoint_graph.files["prefix"]


def test_graph_def_variables_come_from_attrs(checkpoint_graph, tmp_path):
    lone = tmp_path / "graph.pb"
    lone.write_bytes(open(checkpoint_graph.files["pb"], "rb").read())
    summary = inspect(str(lone))
    assert summary_pb2.ModelFormat.Name(summary.format) == "GRAPH_DEF"
    assert {s.name: tuple(s.shape) for s in summary.variables} == checkpoint_graph.variables
    assert summary.variable_parameters == _params(checkpoint_graph.variables)


def test_slim_graph_gives_input_candidates_and_flag(slim_dataset_graph):
    summary = inspect(slim_dataset_graph.path)
    assert not summary.inputs
    assert [s.name for s in summary.outputs] == ["predictions"]
    assert summary.omitted_outputs >= 5  # iterator plumbing, summaries, initializers, saver, train op
    assert "train_op" in summary.omitted_output_names
    images, labels = summary.input_candidates
    assert (images.tensor.name, images.tensor.dtype, tuple(images.tensor.shape)) == \
        ("IteratorGetNext:0", "float32", (2, 8, 8, 3))
    assert (labels.tensor.name, labels.tensor.dtype, tuple(labels.tensor.shape)) == ("IteratorGetNext:1", "int64", (2,))
    assert images.convert_flag == "--input_arrays=IteratorGetNext:0 --input_shapes=2,8,8,3"
    assert "IteratorGetNext" in images.reason
    assert "--input_arrays=IteratorGetNext:0 --input_shapes=2,8,8,3 --output_arrays=predictions" \
        in summary.convert_command
    assert {s.name: tuple(s.shape) for s in summary.variables} == slim_dataset_graph.variables


def test_dynamic_batch_convert_command_fixes_the_batch(dynamic_batch_graph):
    summary = inspect(dynamic_batch_graph.path)
    assert tuple(summary.inputs[0].shape) == (-1, 4)
    assert "--input_arrays=x --input_shapes=1,4 --output_arrays=y" in summary.convert_command


@pytest.mark.parametrize("kind", ["saved_model_tf1", "saved_model_tf2"])
def test_saved_model_signature_and_variables(request, kind):
    artifact = request.getfixturevalue(kind)
    summary = inspect(artifact.path)
    assert [s.key for s in summary.signatures] == ["serving_default"]
    signature = summary.signatures[0]
    assert signature.method_name == "tensorflow/serving/predict"
    assert signature.inputs[0].tensor_name.endswith(":0")
    assert summary.inputs[0].op == "Placeholder"
    assert {s.name: tuple(s.shape) for s in summary.variables} == artifact.variables
    assert summary.variable_parameters == _params(artifact.variables)


@pytest.mark.parametrize("kind", ["keras_h5", "keras_v3"])
def test_keras_weights_and_layers(request, kind):
    artifact = request.getfixturevalue(kind)
    summary = inspect(artifact.path)
    assert sorted(tuple(s.shape) for s in summary.variables) == sorted(artifact.variables.values())
    assert summary.variable_parameters == _params(artifact.variables) == 67
    assert {c.op: c.count for c in summary.op_counts} == {"Dense": 2, "InputLayer": 1}
    assert summary.producer.startswith(f"keras {keras_versions.major()}.")
    assert "Layer types: 2 Dense, 1 InputLayer" in format_text(summary)
    if kind == "keras_h5":
        assert {s.name for s in summary.variables} == set(artifact.variables)


def test_tflite_ops_and_parameters(tflite_model, frozen_graph):
    summary = inspect(tflite_model.path)
    assert list(summary.tflite_compatibility.builtin_ops) == ["CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"]
    assert summary.tflite_compatibility.convertible_with_builtins
    assert summary.outputs[0].op == "SOFTMAX"
    assert summary.const_parameters == inspect(frozen_graph.path).const_parameters
    assert summary.convert_command == ""
    assert "(min runtime " in summary.producer  # what older interpreters trip over


def test_tflite_with_select_ops_lists_them(flex_tflite):
    compat = inspect(flex_tflite).tflite_compatibility
    assert list(compat.select_tf_ops) == ["Cumprod"]
    assert not compat.convertible_with_builtins


def test_check_lists_select_tf_ops(select_ops_graph):
    summary = inspect(select_ops_graph.path, check=True)
    compat = summary.tflite_compatibility
    assert compat.checked
    assert not compat.convertible_with_builtins
    assert "Cumprod" in compat.select_tf_ops
    assert " --allow_select_tf_ops" in summary.convert_command


def test_text_report(slim_dataset_graph):
    text = format_text(inspect(slim_dataset_graph.path))
    assert text.startswith(f"{slim_dataset_graph.path}: CHECKPOINT\n")
    for expected in ("Inputs (0):", "Outputs (1) (", "training/bookkeeping sinks left out",
                     "Input candidates", "--input_arrays=IteratorGetNext:0 --input_shapes=2,8,8,3",
                     "Variables (5,", "Op types:", "Convert with:\n  tflite-tools convert"):
        assert expected in text


def test_cli_json_field_names(multi_io_graph):
    out, err = io.StringIO(), io.StringIO()
    assert main(["inspect", multi_io_graph.path, "--format", "json"], stdout=out, stderr=err) == 0
    data = json.loads(out.getvalue())
    assert data["format"] == "FROZEN_GRAPH"
    assert [(t["name"], t["dtype"], t["shape"], t["op"]) for t in data["inputs"]] == \
        [("image", "float32", [1, 4], "Placeholder"), ("ids", "int32", [1, 4], "Placeholder")]
    assert [t["name"] for t in data["outputs"]] == ["scores", "total"]
    assert isinstance(data["const_parameters"], int)
    assert {"op", "count"} == set(data["op_counts"][0])
    assert err.getvalue() == ""


def test_cli_text_is_the_default(frozen_graph):
    out = io.StringIO()
    assert main(["inspect", frozen_graph.path], stdout=out, stderr=io.StringIO()) == 0
    assert "Inputs (1):\n  input" in out.getvalue()


_NO_TF_SCRIPT = """
import io, sys
from tflite_tools.cli import main
for path in sys.argv[1:]:
    code = main(["inspect", path, "--format", "json"], stdout=io.StringIO())
    assert code == 0, (path, code)
main(["--help"], stdout=io.StringIO())
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tf_keras"))
print(",".join(loaded[:5]))
"""


def test_fast_paths_never_import_tensorflow(frozen_graph, checkpoint_graph, saved_model_tf1, saved_model_tf2,
                                            tflite_model, keras_h5, keras_v3):
    paths = [frozen_graph.path, checkpoint_graph.path, saved_model_tf1.path, saved_model_tf2.path,
             tflite_model.path, keras_h5.path, keras_v3.path]
    result = subprocess.run([sys.executable, "-c", _NO_TF_SCRIPT, *paths], capture_output=True, text=True,
                            timeout=120, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"TensorFlow/Keras imported: {result.stdout}"


def test_suggested_convert_command_runs(slim_dataset_graph, tmp_path, monkeypatch):
    """The command inspect prints for a graph with no Placeholder converts it as is."""
    import shlex

    command = inspect(slim_dataset_graph.path).convert_command
    argv = shlex.split(command)
    assert argv[:2] == ["tflite-tools", "convert"]
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    assert main(argv[1:], stdout=io.StringIO(), stderr=err) == 0, err.getvalue()
    output = next(arg.split("=", 1)[1] for arg in argv if arg.startswith("--output_file="))
    assert (tmp_path / output).stat().st_size > 0


_GOLDENS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "fixtures", "tf_tools")
_CASES = sorted(c for c in os.listdir(_GOLDENS) if os.path.isdir(os.path.join(_GOLDENS, c))) \
    if os.path.isdir(_GOLDENS) else []


@pytest.mark.parametrize("case", _CASES)
def test_agrees_with_real_summarize_graph(case):
    """On the graphs TF's summarize_graph ran on: same inputs, parameters, control
    edges and op counts; outputs are its outputs minus the bookkeeping sinks."""
    from tflite_tools.parsers import parse

    directory = os.path.join(_GOLDENS, case)
    golden = parse("summarize_graph", open(os.path.join(directory, "summarize_graph.txt")).read())
    summary = inspect(directory)
    assert [(s.name, s.dtype) for s in summary.inputs] == \
        [(i.name, _python_dtype(i.type_enum)) for i in golden.inputs]
    assert (summary.const_parameters, summary.control_edges) == (golden.const_parameters, golden.control_edges)
    golden_outputs = {o.name for o in golden.outputs}
    assert {s.name for s in summary.outputs} <= golden_outputs
    assert golden_outputs <= {s.name for s in summary.outputs} | set(summary.omitted_output_names)
    if golden.error:  # summarize_graph stops at invalid inputs; inspect says so in a note
        assert any("not in the graph" in note for note in summary.notes)
    else:
        assert {c.op: c.count for c in summary.op_counts} == {c.op: c.count for c in golden.op_counts}
    if not golden.inputs:
        assert summary.input_candidates or any("no Placeholder" in note for note in summary.notes)


def _python_dtype(enum):
    from tflite_tools.core.dtypes import python_name

    return python_name(enum)


@pytest.fixture(scope="module")
def queue_graph(tmp_path_factory):
    """A TF1 graph fed by tf.compat.v1.train.batch (FIFOQueue + QueueDequeueManyV2)."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        image = tf.random.uniform([8, 8, 3], seed=1)
        images, _ = tf.compat.v1.train.batch([image, tf.constant(1)], batch_size=4)
        tf.identity(tf.reduce_mean(images, axis=[1, 2, 3]), name="out")
    path = tmp_path_factory.mktemp("queue") / "graph.pbtxt"
    path.write_text(str(graph.as_graph_def()))
    return str(path)


def test_queue_fed_graph_gives_dequeue_candidates(queue_graph):
    summary = inspect(queue_graph)
    assert [s.name for s in summary.outputs] == ["out"]
    images = summary.input_candidates[0]
    assert (images.tensor.name, images.tensor.dtype, tuple(images.tensor.shape)) == ("batch:0", "float32", (4, 8, 8, 3))
    assert images.convert_flag == "--input_arrays=batch:0 --input_shapes=4,8,8,3"
    assert "QueueDequeueManyV2" in images.reason
    assert any("fifo_queue_enqueue" in name for name in summary.omitted_output_names)


@pytest.fixture(scope="module")
def keras_exports(tmp_path_factory):
    """A Keras 3 model exported as a SavedModel, and a tf_keras (Keras 2) Sequential .h5."""
    from tflite_tools.core.lazy_tf import tensorflow

    tensorflow()
    keras = keras_versions.keras3()
    tf_keras = keras_versions.keras2()

    directory = tmp_path_factory.mktemp("keras_exports")
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,), name="x"), keras.layers.Dense(3, name="dense"), keras.layers.Softmax()])
    model.export(str(directory / "exported"), verbose=False)
    legacy = tf_keras.Sequential([tf_keras.layers.Dense(5, input_shape=(3,), name="d1"),
                                  tf_keras.layers.Dropout(0.1), tf_keras.layers.Dense(2, name="out")])
    with warnings.catch_warnings():  # tf_keras warns that .h5 is a legacy format
        warnings.simplefilter("ignore")
        legacy.save(str(directory / "legacy.h5"))
    return str(directory / "exported"), str(directory / "legacy.h5")


def test_keras_export_saved_model_counts_each_variable_once(keras_exports):
    summary = inspect(keras_exports[0])
    assert summary_pb2.ModelFormat.Name(summary.format) == "SAVED_MODEL_TF2"
    assert [tuple(s.shape) for s in summary.inputs] == [(-1, 4)]
    assert summary.variable_parameters == 4 * 3 + 3
    assert "serving_default" in [s.key for s in summary.signatures]


def test_keras2_sequential_h5(keras_exports):
    summary = inspect(keras_exports[1])
    assert _tensors(summary.inputs) == [("d1_input", "float32", (-1, 3))]
    assert _tensors(summary.outputs) == [("out", "float32", (-1, 2))]
    assert {s.name: tuple(s.shape) for s in summary.variables} == \
        {"d1/kernel": (3, 5), "d1/bias": (5,), "out/kernel": (5, 2), "out/bias": (2,)}


def _tf_shapes(path):
    """node name -> TensorFlow's static shape of output 0 (None: unknown rank)."""
    from tflite_tools.core.lazy_tf import tensorflow
    from tflite_tools.formats.graphdef_io import read_graph_def

    tf = tensorflow()
    ours, _ = read_graph_def(path)
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(ours.SerializeToString())
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(graph_def, name="")
    shapes = {}
    for op in graph.get_operations():
        if op.outputs:
            shape = op.outputs[0].shape
            shapes[op.name] = None if shape.rank is None else [-1 if d is None else d for d in shape.as_list()]
    return shapes


_SHAPE_CASES = [c for c in _CASES if c != "15_invalid_input"]  # TensorFlow cannot import that one


@pytest.mark.parametrize("case", _SHAPE_CASES)
def test_inferred_shapes_match_tensorflow(case):
    """Every shape inferred without TensorFlow equals TensorFlow's own, on
    every node of the real fixture graphs (unknown is allowed, wrong is not)."""
    from tflite_tools.formats.loaders import load
    from tflite_tools.graph import analysis
    from tflite_tools.graph.shape_inference import ShapeInference

    model = load(os.path.join(_GOLDENS, case))
    expected = _tf_shapes(model.detection.graph_path)
    inference = ShapeInference(analysis.index(model.graph_def))
    known = {name: shape for name in expected if (shape := inference.shape(name)) is not None}
    assert known, "expected at least the Placeholder and Const shapes"
    _assert_compatible(known, expected)


def _assert_compatible(inferred, expected):
    """Same rank and dims as TensorFlow's, where -1 (unknown) is allowed for any dim."""
    wrong = {name: (shape, expected[name]) for name, shape in inferred.items()
             if expected[name] is None or len(shape) != len(expected[name])
             or any(ours not in (-1, theirs) for ours, theirs in zip(shape, expected[name]))}
    assert not wrong, wrong


def test_frozen_output_shapes_are_inferred(frozen_graph, multi_io_graph, dynamic_batch_graph):
    for artifact in (frozen_graph, multi_io_graph, dynamic_batch_graph):
        summary = inspect(artifact.path)
        assert [tuple(s.shape) for s in summary.outputs] == [t.shape for t in artifact.outputs]


@pytest.mark.parametrize("kind,role", [("checkpoint_graph", "pb"), ("slim_dataset_graph", "pbtxt"),
                                       ("frozen_graph", "pb"), ("select_ops_graph", "pb")])
def test_inferred_shapes_match_tensorflow_on_artifacts(request, kind, role):
    from tflite_tools.formats.graphdef_io import read_graph_def
    from tflite_tools.graph import analysis
    from tflite_tools.graph.shape_inference import ShapeInference

    path = request.getfixturevalue(kind).files[role]
    expected = _tf_shapes(path)
    graph, _ = read_graph_def(path)
    inference = ShapeInference(analysis.index(graph))
    known = {name: shape for name in expected if (shape := inference.shape(name)) is not None}
    _assert_compatible(known, expected)
    outputs = [spec.name for spec in inspect(path).outputs]
    assert all(inference.shape(name) == expected[name] for name in outputs)


def test_strided_slice_shapes_match_tensorflow(tmp_path):
    """Slices of data tensors (Keras' Cropping2D in NASNet: x[:, 1:, 1:, :];
    steps, negative bounds, shrunk axes, a dynamic batch) get TensorFlow's shape."""
    from tflite_tools.core.lazy_tf import tensorflow
    from tflite_tools.formats.graphdef_io import read_graph_def
    from tflite_tools.graph import analysis
    from tflite_tools.graph.shape_inference import ShapeInference

    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 9, 16, 4], name="x")
        slices = {"crop": x[:, 1:, 1:, :], "steps": x[:, ::2, 3:-2:3], "shrunk": x[0, -1, 2:7],
                  "reversed": x[:, ::-1, 10:2:-4, 1], "empty": x[:, 5:2]}
        for name, value in slices.items():
            tf.identity(value, name=name)
    path = str(tmp_path / "slices.pb")
    tf.io.write_graph(graph.as_graph_def(), str(tmp_path), "slices.pb", as_text=False)
    expected = _tf_shapes(path)
    ours, _ = read_graph_def(path)
    inference = ShapeInference(analysis.index(ours))
    assert {name: inference.shape(name) for name in slices} == {name: expected[name] for name in slices}


def test_tflite_signatures(saved_model_tf2, tmp_path):
    from tflite_tools.core.lazy_tf import tensorflow

    path = tmp_path / "signed.tflite"
    path.write_bytes(tensorflow().lite.TFLiteConverter.from_saved_model(saved_model_tf2.path).convert())
    summary = inspect(str(path))
    assert [s.key for s in summary.signatures] == ["serving_default"]
    signature = summary.signatures[0]
    assert [(t.name, t.dtype, tuple(t.shape)) for t in signature.inputs] == [("x", "float32", (-1, 4))]
    assert [(t.name, t.dtype, tuple(t.shape)) for t in signature.outputs] == [("y", "float32", (-1, 3))]
    assert "Signature 'serving_default'" in format_text(summary)


def test_notes_for_inputs_needing_shapes():
    summary = inspect(os.path.join(_GOLDENS, "05_unknown_shapes"))
    notes = "\n".join(summary.notes)
    assert "input 'anything' has an unknown rank" in notes
    assert "input 'images'" not in notes  # only its batch dimension is unknown: the command fixes it


def test_object_detection_graph_gets_its_recipe(tmp_path):
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        image = tf.compat.v1.placeholder(tf.uint8, [None, None, None, 3], name="image_tensor")
        pooled = tf.reduce_mean(tf.cast(image, tf.float32), axis=[1, 2])
        for name in ("detection_boxes", "detection_scores", "detection_classes", "num_detections"):
            tf.identity(pooled, name=name)
    path = tmp_path / "frozen_inference_graph.pb"
    path.write_bytes(graph.as_graph_def().SerializeToString())
    summary = inspect(str(path))
    assert any("export_tflite_ssd_graph.py" in note and "--allow_custom_ops" in note for note in summary.notes)
    assert any("input 'image_tensor' has unknown dimensions" in note for note in summary.notes)


def test_keras_custom_and_lambda_layers_are_named(tmp_path):
    from tflite_tools.core.lazy_tf import tensorflow

    tensorflow()
    import keras

    @keras.saving.register_keras_serializable(package="Inspect")
    class Scale(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    inputs = keras.Input((3,), name="x")
    outputs = keras.layers.Lambda(lambda t: t + 1.0, name="plus_one")(Scale(name="scale")(inputs))
    path = tmp_path / "custom.keras"
    keras.Model(inputs, outputs).save(str(path))
    notes = "\n".join(inspect(str(path)).notes)
    assert "custom layer classes Scale" in notes
    assert "Lambda layers (plus_one)" in notes and "--unsafe_deserialization" in notes


def _keras_cnn(layers_module, functional_input):
    """A small functional CNN using every layer kind the config shape rules cover."""
    L = layers_module
    image = functional_input((12, 12, 3), name="image")
    a = L.Conv2D(4, 3, strides=2, padding="same", name="conv_same")(image)
    b = L.Conv2D(4, (3, 3), padding="same", name="conv_b")(image)
    b = L.MaxPooling2D(2, name="pool")(b)
    b = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="depthwise")(b)
    b = L.Conv2D(4, 1, name="project")(b)
    merged = L.Concatenate(name="concat")([L.Add(name="add")([a, b]), a])
    c = L.Conv2D(2, 3, padding="valid", dilation_rate=2, name="conv_valid")(image)
    c = L.AveragePooling2D(3, strides=2, padding="valid", name="avg")(c)
    pooled = L.Concatenate(name="concat_pooled")([L.GlobalAveragePooling2D(name="gap")(merged),
                                                  L.GlobalMaxPooling2D(name="gmp")(c)])
    reshaped = L.Reshape((2, -1), name="reshape")(pooled)
    flat = L.Flatten(name="flatten")(reshaped)
    return image, L.Dense(5, activation="softmax", name="probs")(flat)


@pytest.mark.filterwarnings("ignore")  # Keras' own deprecation warnings while saving
@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
def test_keras_shapes_from_config_match_keras(tmp_path, flavour):
    """Every layer shape worked out from the config equals Keras' own (unknown allowed)."""
    from tflite_tools.core.lazy_tf import tensorflow
    from tflite_tools.formats.loaders import load
    from tflite_tools.inspect import keras_file

    tensorflow()
    k = keras_versions.keras3() if flavour == "keras3" else keras_versions.keras2()
    image, probs = _keras_cnn(k.layers, k.Input)
    model = k.Model(image, probs)
    path = tmp_path / ("cnn.keras" if flavour == "keras3" else "cnn.h5")
    model.save(str(path))
    config = load(str(path)).keras_config
    inferred, _ = keras_file._layer_shapes(config["class_name"], config["config"]["layers"])
    for layer in model.layers:
        actual = layer.output.shape
        actual = [-1 if d is None else d for d in (actual.as_list() if hasattr(actual, "as_list") else actual)]
        assert inferred[layer.name] == actual, (layer.name, inferred[layer.name], actual)
    assert _tensors(inspect(str(path)).outputs) == [("probs", "float32", (-1, 5))]


def test_saved_model_without_serve_tag(tmp_path):
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    export_dir = str(tmp_path / "tagged")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 2], name="x")
        y = tf.identity(x * 2.0, name="y")
        builder = tf.compat.v1.saved_model.Builder(export_dir)
        with tf.compat.v1.Session(graph=graph) as sess:
            builder.add_meta_graph_and_variables(
                sess, ["train"], signature_def_map={
                    "serving_default": tf.compat.v1.saved_model.predict_signature_def({"x": x}, {"y": y})})
        builder.save()
    summary = inspect(export_dir)
    assert list(summary.detection.tags) == ["train"]
    assert any("--saved_model_tags=train" in note for note in summary.notes)
    assert summary.convert_command.endswith("--saved_model_tags=train")
    assert _tensors(summary.inputs) == [("x", "float32", (-1, 2))]


def test_training_graph_outputs_leave_out_the_loss(tmp_path):
    from tflite_tools import demo
    from tflite_tools.inspect.model_summary import inspect

    summary = inspect(demo.build_training_run(str(tmp_path / "train")))
    assert [o.name for o in summary.outputs] == ["predictions"]
    assert "sparse_softmax_cross_entropy_loss/value" in summary.omitted_output_names
    assert summary.input_candidates[0].convert_flag == \
        "--input_arrays=IteratorGetNext:0 --input_shapes=1,32,32,3"


# --- TF2-frozen graphs (convert_variables_to_constants_v2): the oracle is the function itself --------

@pytest.mark.parametrize("kind", ["tf2_frozen_mobilenet", "tf2_frozen_two_heads"])
def test_tf2_frozen_graph_outputs_are_the_functions_outputs(request, kind):
    """The function's outputs are Identity nodes waiting on a ^NoOp that groups
    the (frozen) variable reads: outputs, not training sinks."""
    frozen = request.getfixturevalue(kind)
    summary = inspect(frozen.path)
    assert _tensors(summary.inputs) == list(frozen.inputs)
    # Shapes too: the graph has no shape attrs; inspect infers them (Pad included) without TensorFlow.
    assert sorted(_tensors(summary.outputs)) == sorted(frozen.outputs)
    assert summary.omitted_outputs == 0 and not any("no output found" in note for note in summary.notes)
