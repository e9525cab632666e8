"""inspect of a .tflite: weight precision against what the converter was told,
TFLite metadata and custom ops of real MediaPipe models (from the PyPI
wheel, cached between runs) against MediaPipe's own metadata schema module
and LiteRT's interpreter, and a clear refusal of files that are no model;
the ops and I/O convert reports, against the `tflite` package's reader."""

from __future__ import annotations

import glob
import importlib.util
import io
import os
import pathlib
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from tflite_tools.cli import main
from tflite_tools.inspect import inspect
from tflite_tools.inspect.text import format_text

MEDIAPIPE = "mediapipe==0.10.20"
SELFIE = "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite"
HAND = "mediapipe/modules/hand_landmark/hand_landmark_lite.tflite"
METADATA_SCHEMA = "mediapipe/tasks/metadata/metadata_schema_py_generated.py"


def _cache_dir() -> str:
    root = os.environ.get("TFLITE_TOOLS_TEST_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "tflite-tools-tests")
    path = os.path.join(root, "wheels")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def mediapipe_wheel() -> zipfile.ZipFile:
    """MediaPipe's wheel from PyPI (pip download --no-deps), cached under the test cache."""
    pattern = os.path.join(_cache_dir(), MEDIAPIPE.replace("==", "-") + "-*.whl")
    if not glob.glob(pattern):
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        MEDIAPIPE, "-d", _cache_dir()], check=True, timeout=600)
    return zipfile.ZipFile(glob.glob(pattern)[0])


@pytest.fixture(scope="session")
def metadata_schema(mediapipe_wheel, tmp_path_factory):
    """MediaPipe's generated reader of the metadata schema: the oracle for TFLITE_METADATA."""
    path = tmp_path_factory.mktemp("schema") / "metadata_schema_py_generated.py"
    path.write_bytes(mediapipe_wheel.read(METADATA_SCHEMA))
    spec = importlib.util.spec_from_file_location("mediapipe_metadata_schema", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _extract(wheel: zipfile.ZipFile, member: str, directory) -> str:
    path = directory / os.path.basename(member)
    path.write_bytes(wheel.read(member))
    return str(path)


def _oracle_metadata(schema, data: bytes):
    from tflite_tools.formats import tflite_flatbuffer

    buffer = tflite_flatbuffer.metadata_buffer(tflite_flatbuffer.read_model(data), b"TFLITE_METADATA")
    return schema.ModelMetadataT.InitFromObj(schema.ModelMetadata.GetRootAs(buffer, 0))


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")


@pytest.mark.parametrize("member", [SELFIE, HAND])
def test_metadata_of_mediapipe_models(mediapipe_wheel, metadata_schema, member, tmp_path):
    path = _extract(mediapipe_wheel, member, tmp_path)
    with open(path, "rb") as f:
        data = f.read()
    expected = _oracle_metadata(metadata_schema, data)
    metadata = inspect(path).tflite.metadata
    assert (metadata.name, metadata.description) == (_text(expected.name), _text(expected.description))
    subgraph = expected.subgraphMetadata[0]
    for ours, theirs in ((metadata.inputs, subgraph.inputTensorMetadata),
                         (metadata.outputs, subgraph.outputTensorMetadata)):
        assert [t.name for t in ours] == [_text(t.name) for t in theirs]
        for tensor, oracle in zip(ours, theirs):
            units = [u.options for u in oracle.processUnits or [] if hasattr(u.options, "mean")]
            assert list(tensor.mean) == pytest.approx([m for u in units for m in u.mean])
            assert list(tensor.std) == pytest.approx([s for u in units for s in u.std])
            assert [(f.name, f.type) for f in tensor.associated_files] == [
                (_text(f.name), _FILE_TYPES[f.type]) for f in oracle.associatedFiles or []]
    labels = [f for t in metadata.outputs for f in t.associated_files]
    assert labels, "MediaPipe's models ship their labels"
    with zipfile.ZipFile(io.BytesIO(data)) as packed:  # the labels are zipped onto the model
        for label in labels:
            assert label.lines == len(packed.read(label.name).decode().splitlines())
    assert metadata.inputs[0].std and "TFLite metadata: " in format_text(inspect(path))


_FILE_TYPES = ("UNKNOWN", "DESCRIPTIONS", "TENSOR_AXIS_LABELS", "TENSOR_VALUE_LABELS",
               "TENSOR_AXIS_SCORE_CALIBRATION", "VOCABULARY", "SCANN_INDEX_FILE")


def _litert_runs(path: str) -> bool:
    from ai_edge_litert.interpreter import Interpreter

    try:
        Interpreter(model_path=path).allocate_tensors()
    except (ValueError, RuntimeError):
        return False
    return True


def test_custom_ops_the_stock_runtime_runs_or_not(mediapipe_wheel, flex_tflite, tmp_path):
    selfie = _extract(mediapipe_wheel, SELFIE, tmp_path)
    details = inspect(selfie).tflite
    assert list(inspect(selfie).tflite_compatibility.custom_ops) == ["Convolution2DTransposeBias"]
    assert _litert_runs(selfie)  # LiteRT registers MediaPipe's transpose convolution
    assert (list(details.runnable_custom_ops), list(details.unresolved_custom_ops)) == (
        ["Convolution2DTransposeBias"], [])
    flex = inspect(flex_tflite).tflite
    assert not _litert_runs(flex_tflite)  # no Flex delegate in the stock runtime
    assert (list(flex.runnable_custom_ops), list(flex.unresolved_custom_ops)) == ([], ["FlexCumprod"])
    assert "not in the stock LiteRT runtime" in format_text(inspect(flex_tflite))


def test_inspect_of_a_tflite_without_custom_ops_imports_neither_tf_nor_litert(tflite_model):
    code = ("import sys; from tflite_tools.inspect import inspect; s = inspect(sys.argv[1]); "
            "assert s.tflite.weight_precision == 'float32', s.tflite; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'ai_edge_litert')))")
    done = subprocess.run([sys.executable, "-c", code, tflite_model.path], capture_output=True, text=True,
                          check=False, timeout=120, env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(
                              os.path.abspath(__file__)))})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _quantized(directory, how: str) -> str:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(3)
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 3)), tf.keras.layers.Conv2D(4, 3, activation="relu"),
                                 tf.keras.layers.Flatten(), tf.keras.layers.Dense(32)])  # 4608 weights: quantized
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if how != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if how == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if how == "full int8":
        rng = np.random.default_rng(0)
        converter.representative_dataset = lambda: ([rng.random((1, 8, 8, 3), np.float32)] for _ in range(8))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = converter.inference_output_type = tf.int8
    path = os.path.join(directory, how.replace(" ", "_") + ".tflite")
    with open(path, "wb") as f:
        f.write(converter.convert())
    return path


@pytest.mark.parametrize("how, precision", [("float32", "float32"), ("float16", "float16"),
                                            ("dynamic", "dynamic-range int8"), ("full int8", "full int8")])
def test_weight_precision_is_what_the_converter_was_told(how, precision, tmp_path):
    summary = inspect(_quantized(str(tmp_path), how))
    assert summary.tflite.weight_precision == precision
    assert f"Weight precision: {precision}" in format_text(summary)


@pytest.mark.parametrize("name, content, kind", [
    ("README", b"# My model\n\nRun it with tflite-tools.\n", "a text file"),
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64)), "a PNG image"),
])
def test_inspect_of_a_file_that_is_no_model(name, content, kind, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    assert main(["inspect", str(path)], stdout=out, stderr=err) == 2
    assert out.getvalue() == "" and len(err.getvalue().strip().splitlines()) == 1
    assert f"is {kind}, not a model" in err.getvalue() and "corrupt" not in err.getvalue()


def _ops_and_io_by_the_tflite_package(data: bytes):
    """What the `tflite` package's schema classes read: op counts by name (select TF
    ops with their Flex prefix) and subgraph 0's I/O as (name, type, shape, index)."""
    import collections

    import tflite

    names = {value: name for name, value in vars(tflite.BuiltinOperator).items() if not name.startswith("_")}
    model = tflite.Model.GetRootAs(data, 0)
    counts = collections.Counter()
    for g in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(g)
        for o in range(subgraph.OperatorsLength()):
            code = model.OperatorCodes(subgraph.Operators(o).OpcodeIndex())
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            custom = code.CustomCode()
            counts[custom.decode() if builtin == tflite.BuiltinOperator.CUSTOM and custom else names[builtin]] += 1
    subgraph = model.Subgraphs(0)

    def tensor(index):
        found = subgraph.Tensors(index)
        shape = found.ShapeSignatureAsNumpy() if found.ShapeSignatureLength() else found.ShapeAsNumpy()
        return found.Name().decode(), found.Type(), [int(d) for d in shape] if found.ShapeLength() else [], int(index)

    return (counts, [tensor(i) for i in subgraph.InputsAsNumpy()], [tensor(i) for i in subgraph.OutputsAsNumpy()])


def _dynamic_cumsum_tflite() -> bytes:
    """A batch of any size (shape_signature -1) through CUMSUM, a builtin numbered
    above 127 (so named by builtin_code, not the deprecated field)."""
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    function = tf.function(lambda x: tf.math.cumsum(x, axis=1) * 2.0,
                           input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    return tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()]).convert()


def test_ops_and_io_read_for_convert_are_what_the_tflite_package_reads(mediapipe_wheel, flex_tflite, tflite_model,
                                                                        tmp_path):
    # convert's report reads the flatbuffer with formats.flatbuffer_table, not the schema classes.
    from tflite_tools.formats.tflite_flatbuffer import TYPE_NAMES, read_io, read_ops

    members = [m for m in mediapipe_wheel.namelist() if m.endswith(".tflite")]
    paths = [_extract(mediapipe_wheel, m, tmp_path) for m in members] + [flex_tflite, tflite_model.path]
    assert len(paths) > 10
    models = [pathlib.Path(path).read_bytes() for path in paths] + [_dynamic_cumsum_tflite()]
    assert {"CUMSUM": 1, "MUL": 1} == {u.op: u.count for u in read_ops(models[-1])}
    assert list(read_io(models[-1])[0][0].shape) == [-1, 4]
    for path, data in zip(paths + ["cumsum"], models):
        counts, inputs, outputs = _ops_and_io_by_the_tflite_package(data)
        ops = read_ops(data)
        assert {("Flex" if u.kind == "select_tf" else "") + u.op: u.count for u in ops} == dict(counts), path
        assert [u.count for u in ops] == sorted(counts.values(), reverse=True)
        types = {name: value for value, name in TYPE_NAMES.items()}
        read = [[(t.name, types[t.dtype], list(t.shape), t.index) for t in side] for side in read_io(data)]
        assert read == [inputs, outputs], path
