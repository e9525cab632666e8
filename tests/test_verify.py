"""verify: TensorFlow and LiteRT on the same inputs, for every source kind.

The .tflite files are made with tflite_tools.convert (without --verify, so
these tests exercise verify alone); the conftest `tflite_model` fixture is
TensorFlow's own converter output.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys

import artifacts
import numpy as np
import keras_versions
import pytest

from tflite_tools.cli import main
from tflite_tools.convert.conversion import convert
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import VerificationMismatch
from tflite_tools.proto import verification_pb2
from tflite_tools.runners import tf_runner
from tflite_tools.runners.tflite_runner import (
    TfliteModel,
    TfliteTensor,
    from_tflite,
    to_tflite,
)
from tflite_tools.verify.verification import verify

S = verification_pb2.VerificationStatus
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _json(*argv):
    code, out, err = _cli(*argv, "--format", "json")
    return code, json.loads(out) if out else None, err


def _convert(source, path, **options) -> str:
    convert(source, str(path), **dict({"verify": False}, **options))
    return str(path)


def _cnn_samples(directory) -> str:
    """Calibration data for the CNN: 16 random images under its input name."""
    path = os.path.join(directory, "calibration.npz")
    rng = np.random.default_rng(3)
    np.savez(path, input=rng.uniform(0, 1, (16,) + artifacts.CNN_INPUT_SHAPE).astype(np.float32))
    return path


INT8 = dict(quantize="int8", inference_input_type="int8", inference_output_type="int8")


@pytest.fixture(scope="module")
def wrong_cnn(tmp_path_factory):
    """The fixture CNN's graph with other weights, frozen and converted: a
    .tflite that is well-formed but computes something else."""
    tf = tensorflow()
    rng = np.random.default_rng(99)
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, artifacts.CNN_INPUT_SHAPE, name="input")
        artifacts._cnn(tf, images, {name: tf.constant(rng.normal(0, 0.3, shape).astype(np.float32))
                                    for name, shape in artifacts.CNN_SHAPES.items()})
        output = graph.get_tensor_by_name("output:0")
        directory = tmp_path_factory.mktemp("wrong_cnn")
        with tf.compat.v1.Session(graph=graph) as sess:
            float_path = _convert(sess, directory / "wrong.tflite", input_arrays=[images], output_arrays=[output])
            int8_path = _convert(sess, directory / "wrong_int8.tflite", input_arrays=[images],
                                 output_arrays=[output], representative_data=_cnn_samples(directory), **INT8)
    return float_path, int8_path


# --- float models pass, wrong ones fail -------------------------------------------------------------

def test_frozen_graph_and_its_tflite_pass(frozen_graph, tflite_model):
    code, report, err = _json(frozen_graph.path, tflite_model.path)
    assert code == 0, err
    assert report["status"] == "PASSED"
    assert report["quantization"] == "none"
    (output,) = report["outputs"]
    assert output["criterion"] == "allclose" and output["passed"] is True
    assert output.get("max_abs_error", 0.0) < 1e-5
    assert [m["method"] for m in report["input_mapping"] + report["output_mapping"]] == ["name", "name"]


def test_text_report_says_verified(frozen_graph, tflite_model):
    code, out, _ = _cli(frozen_graph.path, tflite_model.path, "--num_samples", "2")
    assert code == 0
    assert out.startswith("VERIFIED: model.tflite computes what frozen.pb computes")
    assert "2 sample(s)" in out and "output <- output" in out


@pytest.mark.parametrize("role", ["directory", "meta"])
def test_checkpoint_sources_restore_their_variables(checkpoint_graph, tflite_model, role):
    source = checkpoint_graph.path if role == "directory" else checkpoint_graph.files["meta"]
    report = verify(source, tflite_model.path, num_samples=2)
    assert report.status == S.PASSED
    assert report.outputs[0].max_abs_error < 1e-5


def test_wrong_weights_exit_4_with_report(frozen_graph, wrong_cnn):
    code, out, err = _cli(frozen_graph.path, wrong_cnn[0])
    assert code == 4
    assert out.startswith("MISMATCH: wrong.tflite does not compute what frozen.pb computes")
    assert "FAIL" in out
    assert err.count("\n") == 1 and err.startswith("tflite-tools verify: error: wrong.tflite does not compute")


def test_wrong_weights_raise_with_the_report_attached(frozen_graph, wrong_cnn):
    with pytest.raises(VerificationMismatch) as caught:
        verify(frozen_graph.path, wrong_cnn[0])
    report = caught.value.result
    assert report.status == S.MISMATCH
    assert report.outputs[0].max_abs_error > 1e-3 and not report.outputs[0].passed


# --- mapping -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def renamed_outputs(tmp_path_factory):
    """A frozen graph with outputs relu_out, double_out [1,4] and sum_out [1],
    and the same function converted from a tf.function: the .tflite calls
    them PartitionedCall:N, keys them output_N, and lists them in another order."""
    tf = tensorflow()
    directory = tmp_path_factory.mktemp("renamed")

    def body(x):
        return tf.nn.relu(x), x * 2.0, tf.reduce_sum(x, axis=1)

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 4], name="x")
        for tensor, name in zip(body(x), ("relu_out", "double_out", "sum_out")):
            tf.identity(tensor, name=name)
    pb = directory / "multi.pb"
    pb.write_bytes(graph.as_graph_def().SerializeToString())

    module = tf.Module()
    module.serve = tf.function(body, input_signature=[tf.TensorSpec([1, 4], tf.float32)])
    return str(pb), _convert(module, directory / "multi.tflite")


def test_renamed_reordered_outputs_are_mapped_by_values(renamed_outputs):
    pb, tflite_path = renamed_outputs
    model = TfliteModel.from_path(tflite_path)
    names = [t.name for t in model.outputs]
    assert names != sorted(names), "the converter no longer reorders outputs; this test needs another model"
    by_key = model.signatures[0].outputs  # output_0 = relu, output_1 = double, output_2 = sum
    report = verify(pb, tflite_path, output_arrays=["relu_out", "double_out", "sum_out"],
                    input_range=(-1.0, 1.0))
    assert report.status == S.PASSED
    mapping = {m.source_name: (m.tflite_index, m.method) for m in report.output_mapping}
    assert mapping == {"relu_out": (by_key["output_0"], "numeric"),
                       "double_out": (by_key["output_1"], "numeric"),
                       "sum_out": (by_key["output_2"], "order")}
    assert report.input_mapping[0].method == "signature"  # its key is "x", the placeholder's name


def test_graph_outputs_not_in_the_tflite_need_output_arrays(renamed_outputs):
    code, _, err = _cli(*renamed_outputs)
    assert code == 2
    assert "--output_arrays" in err and err.count("\n") == 1


def test_saved_model_tf2_source(saved_model_tf2, tmp_path):
    tflite_path = _convert(saved_model_tf2.path, tmp_path / "sm.tflite")
    report = verify(saved_model_tf2.path, tflite_path, input_shapes="3,4")
    assert report.status == S.PASSED
    assert [(m.source_name, m.method) for m in report.output_mapping] == [("y", "signature")]
    assert list(report.inputs[0].shape) == [3, 4]
    assert list(report.outputs[0].shape) == [3, 3]


def test_saved_model_tf1_source(saved_model_tf1, tmp_path):
    tflite_path = _convert(saved_model_tf1.path, tmp_path / "tf1.tflite")
    report = verify(saved_model_tf1.path, tflite_path, num_samples=2)
    assert report.status == S.PASSED
    assert [m.source_name for m in report.output_mapping] == ["y"]
    assert report.outputs[0].max_abs_error < 1e-5


def test_saved_model_tf1_named_by_tensors_runs_as_a_graph(saved_model_tf1, tmp_path):
    """convert cuts a TF1 SavedModel at tensor names (here the logits, node
    "add", not a signature key); verify must fetch the same tensor."""
    tflite_path = _convert(saved_model_tf1.path, tmp_path / "logits.tflite", input_arrays=["x"],
                           output_arrays=["add"], input_shapes="2,4")
    report = verify(saved_model_tf1.path, tflite_path, input_arrays=["x"], output_arrays=["add:0"])
    assert report.status == S.PASSED
    assert [(m.source_name, m.tflite_name) for m in report.output_mapping] == [("add", "add")]
    assert list(report.outputs[0].shape) == [2, 3]
    # The logits are not the softmax: checked against the wrong tensor, it fails.
    with pytest.raises(VerificationMismatch):
        verify(saved_model_tf1.path, tflite_path, input_arrays=["x"], output_arrays=["y"], input_shapes="2,4")


@pytest.mark.parametrize("kind", ["keras_h5", "keras_v3"])
def test_keras_sources(kind, request, tmp_path):
    artifact = request.getfixturevalue(kind)
    tflite_path = _convert(artifact.path, tmp_path / "keras.tflite")
    report = verify(artifact.path, tflite_path, num_samples=3)
    assert report.status == S.PASSED
    assert [(m.source_name, m.method) for m in report.output_mapping] == [("probs", "signature")]
    assert report.input_mapping[0].source_name == "features"


def test_keras_dict_outputs_keep_their_keys(tmp_path):
    tensorflow()
    import keras

    keras.utils.set_random_seed(artifacts.SEED)
    image = keras.Input((4,), name="img")
    hidden = keras.layers.Dense(3, name="hidden")(image)
    model = keras.Model(image, {"zz": keras.layers.Dense(2, name="zz_layer")(hidden),
                                "aa": keras.layers.Dense(5, name="aa_layer")(hidden)})
    source = str(tmp_path / "dict.keras")
    model.save(source)
    report = verify(source, _convert(source, tmp_path / "dict.tflite"), num_samples=2)
    assert report.status == S.PASSED
    assert [(c.source_name, list(c.shape)) for c in report.outputs] == [("aa", [1, 5]), ("zz", [1, 2])]


# --- quantized models --------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, min_snr_db", [("dynamic", 20.0), ("float16", 40.0)])
def test_weight_quantized_models_are_judged_by_snr_and_agreement(frozen_graph, tmp_path, mode, min_snr_db):
    tflite_path = _convert(frozen_graph.path, tmp_path / f"{mode}.tflite", quantize=mode)
    report = verify(frozen_graph.path, tflite_path, num_samples=4)
    assert report.status == S.PASSED and report.quantization == mode and report.quantized
    (output,) = report.outputs
    assert output.criterion == "snr+argmax"
    assert output.snr_db >= output.min_snr_db == min_snr_db
    assert output.agreement >= 0.9
    assert output.max_abs_error > 0  # quantized for real: not bit-identical


def test_quantize_and_dequantize_use_scale_and_zero_point():
    tensor = TfliteTensor(name="q", index=0, position=0, dtype=np.dtype(np.int8), shape=(3,),
                          shape_signature=(3,), scale=0.5, zero_point=-10)
    quantized = to_tflite(np.array([0.0, 1.26, 1000.0], np.float32), tensor)
    assert quantized.dtype == np.int8 and quantized.tolist() == [-10, -7, 127]  # rounded, clipped
    np.testing.assert_array_equal(from_tflite(quantized, tensor), [0.0, 1.5, 68.5])
    plain = dataclasses.replace(tensor, dtype=np.dtype(np.int32), scale=0.0, zero_point=0)
    assert to_tflite(np.array([1.0, 2.0]), plain).dtype == np.int32 and not plain.quantized


@pytest.fixture(scope="module")
def int8_cnn(frozen_graph, tmp_path_factory):
    directory = tmp_path_factory.mktemp("int8")
    return _convert(frozen_graph.path, directory / "int8.tflite", representative_data=_cnn_samples(directory),
                    **INT8)


def test_int8_model_quantizes_inputs_and_dequantizes_outputs(frozen_graph, int8_cnn):
    model = TfliteModel.from_path(int8_cnn)
    assert model.inputs[0].dtype == np.int8 and model.inputs[0].quantized
    report = verify(frozen_graph.path, int8_cnn, num_samples=4)
    assert report.status == S.PASSED and report.quantization == "int8"
    (output,) = report.outputs
    assert output.criterion == "snr+argmax" and output.snr_db >= 20.0
    # Dequantized: softmax probabilities, not int8 codes.
    assert output.max_abs_error < 0.1


def test_int8_model_with_wrong_weights_fails_the_snr_criterion(frozen_graph, wrong_cnn):
    code, out, _ = _cli(frozen_graph.path, wrong_cnn[1])
    assert code == 4
    assert "SNR >= 20 dB" in out and "FAIL" in out


def test_explicit_tolerances_replace_snr_for_quantized_models(frozen_graph, int8_cnn):
    with pytest.raises(VerificationMismatch) as caught:
        verify(frozen_graph.path, int8_cnn, atol=1e-6, rtol=0.0)
    assert caught.value.result.outputs[0].criterion == "allclose"


# --- models that cannot run here ---------------------------------------------------------------------

def test_select_ops_model_is_not_runnable(select_ops_graph, tmp_path):
    tflite_path = _convert(select_ops_graph.path, tmp_path / "select.tflite", allow_select_tf_ops=True)
    code, out, err = _cli(select_ops_graph.path, tflite_path)
    assert code == 0, err
    assert out.startswith("NOT RUNNABLE: select.tflite was NOT numerically verified")
    assert "NOT numerically verified" in out.splitlines()[-1]
    assert "FlexCumprod" in out and "VERIFIED" not in out.replace("NOT numerically verified", "")
    code, report, _ = _json(select_ops_graph.path, tflite_path)
    assert report["status"] == "NOT_RUNNABLE" and report["flex_ops"] == ["FlexCumprod"]
    assert report["outputs"] == []  # nothing compared
    assert any(c.startswith("output output (float32 [1, 4]) <-> output") and c.endswith("match")
               for c in report["checks"])


def test_custom_op_model_is_not_runnable(tmp_path):
    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 4], name="x")
        tf.identity(tf.math.erfinv(x * 0.5), name="y")  # neither builtin nor select: a custom op
    source = tmp_path / "erfinv.pb"
    source.write_bytes(graph.as_graph_def().SerializeToString())
    report = verify(str(source), _convert(str(source), tmp_path / "erfinv.tflite", allow_custom_ops=True))
    assert report.status == S.NOT_RUNNABLE and not report.outputs
    assert "NOT numerically verified" in report.message and "custom ops" in report.message
    assert any("custom op(s) Erfinv" in check for check in report.checks)


# --- inputs ------------------------------------------------------------------------------------------

def test_input_data_npz_and_integer_outputs(multi_io_graph, tmp_path):
    tflite_path = _convert(multi_io_graph.path, tmp_path / "multi_io.tflite")
    data = tmp_path / "inputs.npz"
    np.savez(data, image=np.array([[0.1, 0.2, 0.3, 0.4]], np.float32), **{"ids:0": np.array([[1, 2, 3, 40]])})
    report = verify(multi_io_graph.path, tflite_path, input_data=str(data))
    assert report.status == S.PASSED and report.input_data == str(data)
    total = next(c for c in report.outputs if c.source_name == "total")
    assert total.criterion == "exact" and total.passed


def test_input_data_with_a_leading_sample_axis_is_several_samples(frozen_graph, tflite_model, tmp_path):
    calibration = _cnn_samples(str(tmp_path))  # convert's --representative_data layout: [16, 1, 8, 8, 3]
    code, report, err = _json(frozen_graph.path, tflite_model.path, "--input_data", calibration)
    assert code == 0, err
    assert report["num_samples"] == 16 and report["status"] == "PASSED"


def test_integer_inputs_take_integers_from_the_range(multi_io_graph, tmp_path):
    tflite_path = _convert(multi_io_graph.path, tmp_path / "multi_io.tflite")
    report = verify(multi_io_graph.path, tflite_path, input_range=(5, 7), num_samples=2)
    assert report.status == S.PASSED
    assert report.input_data == "random(seed=0, range=[5,7])"
    code, _, err = _cli(multi_io_graph.path, tflite_path, "--input_range", "0.2,0.8")
    assert code == 2 and "holds no integer" in err


def test_dynamic_batch_is_resized(dynamic_batch_graph, tmp_path):
    tflite_path = _convert(dynamic_batch_graph.path, tmp_path / "dyn.tflite")
    report = verify(dynamic_batch_graph.path, tflite_path, input_shapes=[[3, 4]])
    assert report.status == S.PASSED
    assert list(report.outputs[0].shape) == [3, 2]


# --- bad input: one sentence, exit 2 -----------------------------------------------------------------

@pytest.mark.parametrize("argv, words", [
    (["{frozen}", "{missing}"], "does not exist"),
    (["{tflite}", "{tflite}"], "is a .tflite, not a TensorFlow model"),
    (["{frozen}", "{frozen}"], "is not a TensorFlow Lite flatbuffer"),
    (["{frozen}", "{tflite}", "--input_range", "1,0"], "--input_range must be LOW,HIGH"),
    (["{frozen}", "{tflite}", "--output_arrays", "outptu"], "did you mean output"),
    (["{frozen}", "{tflite}", "--input_shapes", "1,x"], "is not a list of shapes"),
    (["{frozen}", "{tflite}", "--input_data", "{npz}"], "has no array for input(s) input"),
    (["{frozen}", "{tflite}", "--input_data", "{npy}"], "is a single .npy array"),
    (["{frozen}", "{tflite}", "--num_samples", "0"], "--num_samples must be at least 1"),
])
def test_bad_input_is_one_sentence(argv, words, frozen_graph, tflite_model, tmp_path):
    npz, npy = tmp_path / "other.npz", tmp_path / "input.npy"
    np.savez(npz, other=np.zeros(3))
    np.save(npy, np.zeros(artifacts.CNN_INPUT_SHAPE, np.float32))
    values = dict(frozen=frozen_graph.path, tflite=tflite_model.path, missing=str(tmp_path / "none.tflite"),
                  npz=str(npz), npy=str(npy))
    code, out, err = _cli(*[a.format(**values) for a in argv])
    assert code == 2
    assert out == ""
    assert words in err and err.count("\n") == 1, err
    assert "Traceback" not in err


# --- tf_runner on its own ----------------------------------------------------------------------------

def test_runner_is_reusable_and_kinds_agree(frozen_graph, checkpoint_graph):
    batch = np.random.default_rng(0).uniform(0, 1, artifacts.CNN_INPUT_SHAPE).astype(np.float32)
    runner = tf_runner.make_runner(frozen_graph.path, output_arrays=["output"])
    try:
        first = runner({"input": batch})["output"]
        second = runner({"input": batch * 0.5})["output"]
    finally:
        runner.close()
    assert first.shape == (1, artifacts.CNN_CLASSES) and not np.allclose(first, second)
    restored = tf_runner.run_source(checkpoint_graph.path, {"input": batch}, ["output:0"])
    np.testing.assert_allclose(restored["output"], first, rtol=1e-6)


# --- the installed command ---------------------------------------------------------------------------

def test_console_script_exit_code_for_mismatch(frozen_graph, wrong_cnn):
    script = os.path.join(os.path.dirname(sys.executable), "tflite-tools")
    done = subprocess.run([script, "verify", frozen_graph.path, wrong_cnn[0]], capture_output=True,
                          text=True, timeout=300, cwd=REPO)
    assert done.returncode == 4
    assert done.stdout.startswith("MISMATCH")
    assert "Traceback" not in done.stderr


def test_swapped_output_names_are_diagnosed(tmp_path):
    """Names say a <- a, b <- b; the values say the .tflite's a is the source's b."""
    tf = tensorflow()

    def graph_with(first, second):
        graph = tf.Graph()
        with graph.as_default():
            x = tf.compat.v1.placeholder(tf.float32, [1, 4], name="x")
            tf.identity(first(x), name="a")
            tf.identity(second(x), name="b")
        return graph

    relu, double = tf.nn.relu, (lambda x: x * 2.0)
    source = tmp_path / "source.pb"
    source.write_bytes(graph_with(relu, double).as_graph_def().SerializeToString())
    swapped = graph_with(double, relu)
    with tf.compat.v1.Session(graph=swapped) as sess:
        tflite_path = _convert(sess, tmp_path / "swapped.tflite", input_arrays=[swapped.get_tensor_by_name("x:0")],
                               output_arrays=[swapped.get_tensor_by_name(n) for n in ("a:0", "b:0")])
    with pytest.raises(VerificationMismatch) as caught:
        verify(str(source), tflite_path, input_range=(-1.0, 1.0))
    assert "a matches source output b: are the output names swapped?" in str(caught.value)
    assert [m.method for m in caught.value.result.output_mapping] == ["name", "name"]


def test_shapes_the_source_rejects_are_a_usage_error(frozen_graph, tflite_model):
    code, out, err = _cli(frozen_graph.path, tflite_model.path, "--input_shapes", "1,4,4,3")
    assert code == 2 and out == ""
    assert err.startswith("tflite-tools verify: error: TensorFlow could not run") and err.count("\n") == 1
    assert "input [1, 4, 4, 3]" in err


def test_tflite_inputs_with_no_source_counterpart_are_an_input_error(multi_io_graph, frozen_graph, tmp_path):
    tflite_path = _convert(multi_io_graph.path, tmp_path / "multi_io.tflite")
    code, out, err = _cli(frozen_graph.path, tflite_path, "--output_arrays", "output")
    assert code == 2 and out == ""
    assert "corresponds to no source input" in err and "float32 [1,8,8,3]" in err


def test_graph_with_variables_but_no_checkpoint_is_an_input_error(checkpoint_graph, tflite_model, tmp_path):
    lonely = tmp_path / "graph.pb"
    lonely.write_bytes(open(checkpoint_graph.files["pb"], "rb").read())
    code, out, err = _cli(str(lonely), tflite_model.path)
    assert code == 2 and out == ""
    assert "variable(s)" in err and "no checkpoint" in err and err.count("\n") == 1


def test_inputs_matched_only_by_position_are_settled_by_values(tmp_path):
    """Source inputs a, b; the .tflite's inputs first, second (no name in
    common, same shape), first playing a. The converter lists `second`
    first, so position alone maps a to second: the values must correct it."""
    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        a = tf.compat.v1.placeholder(tf.float32, [1, 4], name="a")
        b = tf.compat.v1.placeholder(tf.float32, [1, 4], name="b")
        tf.identity(a - 2.0 * b, name="out")
    source = tmp_path / "ab.pb"
    source.write_bytes(graph.as_graph_def().SerializeToString())

    module = tf.Module()
    spec = tf.TensorSpec([1, 4], tf.float32)
    module.serve = tf.function(lambda first, second: first - 2.0 * second, input_signature=[spec, spec])
    tflite_path = _convert(module, tmp_path / "ab.tflite")
    model = TfliteModel.from_path(tflite_path)
    keys = model.signatures[0].inputs
    assert model.inputs[0].index == keys["second"], "converter input order changed; swap the roles above"
    report = verify(str(source), tflite_path, output_arrays=["out"])
    assert report.status == S.PASSED
    mapping = {m.source_name: (m.tflite_index, m.method) for m in report.input_mapping}
    assert mapping == {"a": (keys["first"], "numeric"), "b": (keys["second"], "numeric")}


def test_nan_agrees_with_nan_and_nowhere_else(tmp_path):
    tf = tensorflow()

    def frozen(name, body):
        graph = tf.Graph()
        with graph.as_default():
            x = tf.compat.v1.placeholder(tf.float32, [1, 8], name="x")
            tf.identity(body(x), name="y")
        path = tmp_path / f"{name}.pb"
        path.write_bytes(graph.as_graph_def().SerializeToString())
        return str(path)

    log = frozen("log", tf.math.log)  # NaN for the negative inputs
    report = verify(log, _convert(log, tmp_path / "log.tflite"), input_range=(-1.0, 1.0))
    assert report.status == S.PASSED and report.outputs[0].nonfinite_mismatches == 0

    log_abs = frozen("log_abs", lambda x: tf.math.log(tf.abs(x)))
    with pytest.raises(VerificationMismatch, match="NaN/inf value"):
        verify(log, _convert(log_abs, tmp_path / "log_abs.tflite"), input_range=(-1.0, 1.0))


def test_tf_keras_sequential_h5_verifies(tmp_path):
    """A Sequential saved by tf_keras loads in Keras 3 built but never called."""
    from tflite_tools.convert.conversion import convert

    tf_keras = keras_versions.keras2()
    path = str(tmp_path / "seq.h5")
    tf_keras.Sequential([tf_keras.layers.Dense(3, input_shape=(4,)),
                         tf_keras.layers.Dense(2, activation="softmax")]).save(path)
    report = convert(path, str(tmp_path / "seq.tflite"), verify=True)
    assert verification_pb2.VerificationStatus.Name(report.verification.status) == "PASSED"


# --- issue 10: a wrong pair, JSON defaults, the criterion applied, one Keras loader -----------------

def test_wrong_pair_is_exit_2_naming_both_shapes_before_anything_runs(tmp_path):
    """A Keras model with input input_1 [?,64,64,1] against an unrelated
    .tflite whose input is also called input_1, [1,224,224,3]."""
    tf = tensorflow()
    import keras

    inputs = keras.Input((64, 64, 1), name="input_1")
    model = keras.Model(inputs, keras.layers.Dense(7, name="emotions")(keras.layers.Flatten()(inputs)))
    source = str(tmp_path / "emotions.keras")
    model.save(source)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 224, 224, 3], name="input_1")
        y = tf.reduce_mean(x, axis=[1, 2], name="pooled")
        with tf.compat.v1.Session(graph=graph) as sess:
            unrelated = _convert(sess, tmp_path / "unrelated.tflite", input_arrays=[x], output_arrays=[y])
    code, out, err = _cli(source, unrelated)
    assert code == 2 and out == ""
    assert "[1,224,224,3]" in err and "[?,64,64,1]" in err and err.count("\n") == 1
    assert "XNNPack" not in err and "float32" not in err  # dtypes agree: only the shapes are named


def test_json_prints_fields_at_their_default_value(frozen_graph, tflite_model):
    code, data, err = _json(frozen_graph.path, tflite_model.path)
    assert code == 0, err
    assert data["inputs"][0]["index"] == 0 and data["input_mapping"][0]["tflite_index"] >= 0
    assert data["outputs"][0]["nonfinite_mismatches"] == 0 and data["checks"] == []


def test_report_lists_the_thresholds_of_the_criterion_applied(frozen_graph, tflite_model, tmp_path):
    code, data, err = _json(frozen_graph.path, tflite_model.path)
    assert code == 0, err
    (output,) = data["outputs"]
    assert output["criterion"] == "allclose" and output["atol"] > 0 and output["rtol"] > 0
    assert "min_snr_db" not in output and "min_agreement" not in output
    dynamic = _convert(frozen_graph.path, tmp_path / "dynamic.tflite", quantize="dynamic", verify=False)
    code, data, err = _json(frozen_graph.path, dynamic)
    assert code == 0, err
    (output,) = data["outputs"]
    assert output["criterion"] == "snr+argmax" and output["min_snr_db"] == 20.0
    assert "atol" not in output and "rtol" not in output


def test_legacy_h5_runs_with_the_keras_convert_loads_it_with(tmp_path):
    """A Keras 2 .h5 is loaded with tf_keras by convert, verify and benchmark alike
    (beside Keras 3; with Keras 2, TF 2.15, keras itself loads it)."""
    import keras_versions

    tensorflow()
    keras_versions.keras3()
    import tf_keras

    from tflite_tools.formats.loaders import load

    path = str(tmp_path / "legacy.h5")
    tf_keras.Sequential([tf_keras.layers.Dense(3, input_shape=(4,), name="hidden"),
                         tf_keras.layers.Dense(2, activation="softmax", name="out")]).save(path)
    report = convert(path, str(tmp_path / "legacy.tflite"), verify=False)
    assert any(step.startswith("loaded with tf_keras") for step in report.steps)
    model = load(path)
    runner = tf_runner.make_runner(model)
    runner.close()
    assert type(model.keras_model).__module__.startswith("tf_keras")
    report = verify(path, str(tmp_path / "legacy.tflite"))
    assert report.status == S.PASSED


def test_one_wrong_unit_in_a_thousand_fails_the_range_rule_too(tmp_path):
    """Deep models' float32 rounding may pass on range+SNR; a real fault, even
    one bias off by 2% of the output's range in one unit of 1000, does not."""
    import keras

    rng = np.random.default_rng(0)
    inputs = keras.Input((16,), name="features")
    dense = keras.layers.Dense(1000, name="wide")
    model = keras.Model(inputs, dense(inputs))
    bias = rng.normal(0, 1, 1000).astype(np.float32)
    dense.set_weights([rng.normal(0, 1, (16, 1000)).astype(np.float32), bias])
    source = str(tmp_path / "wide.keras")
    model.save(source)
    good = _convert(source, tmp_path / "wide.tflite")
    content = open(good, "rb").read()
    assert content.count(bias.tobytes()) == 1
    wrong = bias.copy()
    wrong[7] += 0.02 * float(np.abs(model(np.ones((1, 16), np.float32))).max())
    bad = tmp_path / "wide_wrong.tflite"
    bad.write_bytes(content.replace(bias.tobytes(), wrong.tobytes()))
    code, data, err = _json(source, str(bad), "--input_range=1,1")
    assert code == 4, err
    (output,) = data["outputs"]
    assert output["criterion"] == "allclose" and not output["passed"] and output["snr_db"] > 30
