"""--keep_float on dynamic-range models, on real conversions run by LiteRT.

  * a Keras MLP whose middle Dense is hostile to int8 weights (a pair of
    weights of +-500 cancelling on two equal inputs, the rest ~0.05: per
    channel, int8 rounds the pair to the same step and the small weights to
    zero) has a useless output as a dynamic-range model; keeping that layer in
    float brings it back, its weights float32, the other layers' int8;
  * `verify --layers` on the dynamic-range model suggests that layer;
  * the rewritten model keeps its signature and metadata and runs;
  * GATHER over an int8 table (int8 output, then DEQUANTIZE) kept in float
    reads the float table and writes float, the DEQUANTIZE gone;
  * a weight behind a DEQUANTIZE op (the model edited to read it so) gets the
    float constant, the DEQUANTIZE and its int8 constant removed;
  * ops are matched by output name when the op sequences differ;
  * --keep_float with float16, and a name with no int8 weights, exit 2.
"""

from __future__ import annotations

import dataclasses
import io
import json
import time

import artifacts
import numpy as np
import pytest

from tflite_tools.cli import main
from tflite_tools.convert import float_weights
from tflite_tools.convert.conversion import convert
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import UsageError
from tflite_tools.formats import tflite_flatbuffer
from tflite_tools.runners import tf_runner
from tflite_tools.verify.verification import verify_conversion

def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _interpreter(path_or_bytes):
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    if isinstance(path_or_bytes, (bytes, bytearray)):
        return Interpreter(model_content=bytes(path_or_bytes))
    return Interpreter(model_path=str(path_or_bytes))


def _weights(path_or_bytes) -> dict:
    """Output tensor name -> dtype name of each FULLY_CONNECTED's weight input."""
    interpreter = _interpreter(path_or_bytes)
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    return {details[op["outputs"][0]]["name"]: details[op["inputs"][1]]["dtype"].__name__
            for op in interpreter._get_ops_details() if op["op_name"] == "FULLY_CONNECTED"}


@dataclasses.dataclass
class Mlp:
    source: str
    dynamic: str
    model: object
    float_model: bytes
    # The hostile Dense's output as `verify --layers` lists it ("functional_1/hostile_1/MatMul1";
    # Keras numbers the model by how many were built before it).
    hostile: str
    # The last Dense's output (the model's), whose weights stay float.
    logits: str


@pytest.fixture(scope="module")
def mlp(tmp_path_factory) -> Mlp:
    """features[64] -> dense1 (relu; units 0 and 1 equal) -> hostile -> dense3 (relu) -> logits[4]
    as .keras, its dynamic-range conversion, the Keras model and its float conversion's bytes.
    dense1, hostile and dense3 have >= 1024 weights (the converter leaves smaller ones float);
    logits (128) stays float."""
    tensorflow()
    import keras  # noqa: PLC0415

    directory = tmp_path_factory.mktemp("keep_float_dynamic")
    rng = np.random.default_rng(0)
    model = artifacts.hostile_mlp(keras, 64, 0.3, rng)
    path = str(directory / "mlp.keras")
    model.save(path)
    dynamic = str(directory / "mlp_dynamic.tflite")
    convert(path, dynamic, quantize="dynamic", verify=False)
    converter = tensorflow().lite.TFLiteConverter.from_keras_model(model)
    names = list(_weights(dynamic))
    name = next(name for name in names if "/hostile" in name)
    return Mlp(path, dynamic, model, bytes(converter.convert()), name.split(";")[0], names[-1])


def _output_snr(source, tflite) -> float:
    return verify_conversion(tf_runner.load(source), str(tflite)).outputs[0].snr_db


def test_keeping_the_hostile_layer_in_float_lifts_the_output_snr(mlp, tmp_path):
    source, dynamic, hostile = mlp.source, mlp.dynamic, mlp.hostile
    before = _output_snr(source, dynamic)
    out_path = tmp_path / "kept.tflite"
    started = time.perf_counter()
    code, out, err = _cli("convert", source, "-o", str(out_path), "--quantize", "dynamic", "--keep_float", hostile,
                          "--format", "json")
    elapsed = time.perf_counter() - started
    assert code == 0, err
    report = json.loads(out)
    after = report["verification"]["outputs"][0]["snr_db"]
    assert after == pytest.approx(_output_snr(source, out_path))
    print(f"dynamic: {before:.1f} dB; --keep_float {hostile}: {after:.1f} dB "
          f"(convert {report['timings']['convert_ms']:.0f} ms, command {elapsed:.1f} s)")
    assert before < 10 and after >= before + 10 and after >= 20
    weights = _weights(dynamic)
    assert set(weights.values()) == {"int8", "float32"}  # logits' 128 weights were never quantized
    kept = _weights(out_path)
    assert kept[hostile] == "float32" and weights[hostile] == "int8"
    assert {name: kind for name, kind in kept.items() if name != hostile} == \
        {name: kind for name, kind in weights.items() if name != hostile}


def test_an_op_name_keeps_every_such_op(mlp, tmp_path):
    source, dynamic = mlp.source, mlp.dynamic
    out_path = tmp_path / "all.tflite"
    code, _, err = _cli("convert", source, "-o", str(out_path), "--quantize", "dynamic",
                        "--keep_float", "FULLY_CONNECTED")
    assert code == 0, err
    assert "int8" in _weights(dynamic).values() and set(_weights(out_path).values()) == {"float32"}
    data = out_path.read_bytes()
    assert tflite_flatbuffer.quantization_kind(tflite_flatbuffer.read_model(data)) == "none"


def test_verify_layers_suggests_the_hostile_layer(mlp):
    source, dynamic, hostile = mlp.source, mlp.dynamic, mlp.hostile
    code, out, err = _cli("verify", source, dynamic, "--layers", "--format", "json")
    assert code == 4, err
    layers = json.loads(out)["layer_report"]
    assert hostile in [t["name"] for t in layers["trials"]]
    assert layers["suggested_keep_float"] == [hostile]
    assert layers["suggested_output_snr_db"] >= layers["min_snr_db"] > layers["output_snr_db"]


def test_the_rewritten_model_keeps_its_signature_and_metadata_and_runs(mlp, tmp_path):
    source, dynamic, model, hostile = mlp.source, mlp.dynamic, mlp.model, mlp.hostile
    out_path = tmp_path / "kept.tflite"
    convert(source, str(out_path), quantize="dynamic", keep_float=hostile, verify=False)
    kept, original = _interpreter(out_path), _interpreter(dynamic)
    signatures = kept.get_signature_list()
    assert signatures == original.get_signature_list()
    assert list(signatures) == ["serving_default"] and signatures["serving_default"]["inputs"] == ["features"]
    (output,) = signatures["serving_default"]["outputs"]  # output_0 (Keras 3) or logits (Keras 2)
    features = np.random.default_rng(3).uniform(0, 1, (1, 64)).astype(np.float32)
    got = kept.get_signature_runner()(features=features)[output]
    expected = model(features).numpy()
    assert np.abs(got - expected).max() <= 0.05 * np.abs(expected).max()
    wrong = original.get_signature_runner()(features=features)[output]
    assert np.abs(wrong - expected).max() > 0.05 * np.abs(expected).max()
    read = tflite_flatbuffer.read_model
    for name in (b"min_runtime_version", b"CONVERSION_METADATA"):
        assert tflite_flatbuffer.metadata_buffer(read(out_path.read_bytes()), name) == \
            tflite_flatbuffer.metadata_buffer(read(open(dynamic, "rb").read()), name) is not None


def test_gather_over_an_int8_table_kept_in_float(tmp_path):
    tf = tensorflow()
    table = np.random.default_rng(1).normal(0, 1, (100, 32)).astype(np.float32)
    table[:, 0] = 300.0  # the row's scale: every other entry rounds to a multiple of 300/127

    class Lookup(tf.Module):
        def __init__(self):
            super().__init__()
            self.table = tf.constant(table)

        @tf.function(input_signature=[tf.TensorSpec((1, 4), tf.int32, name="ids")])
        def __call__(self, ids):
            return {"rows": tf.gather(self.table, ids)}

    module = Lookup()
    saved = str(tmp_path / "lookup")
    tf.saved_model.save(module, saved, signatures=module.__call__.get_concrete_function())
    dynamic, kept = tmp_path / "dynamic.tflite", tmp_path / "kept.tflite"
    convert(saved, str(dynamic), quantize="dynamic", verify=False)
    code, _, err = _cli("convert", saved, "-o", str(kept), "--quantize", "dynamic", "--keep_float", "GATHER")
    assert code == 0, err
    ids = np.array([[0, 7, 42, 99]], np.int32)
    for path, exact in ((dynamic, False), (kept, True)):
        interpreter = _interpreter(path)
        ops = [op["op_name"] for op in interpreter._get_ops_details()]
        got = interpreter.get_signature_runner()(ids=ids)["rows"]
        assert np.array_equal(got, table[ids]) is exact
        assert ("DEQUANTIZE" in ops) is not exact


def _with_dequantized_weight(dynamic: bytes, output_name: str) -> bytes:
    """`dynamic` with the FULLY_CONNECTED writing `output_name` reading its
    int8 weights through a DEQUANTIZE op (FULLY_CONNECTED takes float weights
    that are not constants)."""
    tensorflow()
    from tensorflow.lite.python import schema_py_generated as schema  # noqa: PLC0415
    from tensorflow.lite.tools import flatbuffer_utils  # noqa: PLC0415

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(dynamic))
    graph = model.subgraphs[0]
    op = next(op for op in graph.operators if graph.tensors[op.outputs[0]].name.decode() == output_name)
    weight = graph.tensors[op.inputs[1]]
    dequantized = schema.TensorT()
    dequantized.name, dequantized.type, dequantized.shape = weight.name + b"/dequantized", schema.TensorType.FLOAT32, \
        list(weight.shape)
    dequantized.buffer = 0
    graph.tensors.append(dequantized)
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.DEQUANTIZE
    code.version = 1
    model.operatorCodes.append(code)
    dequantize = schema.OperatorT()
    dequantize.opcodeIndex, dequantize.inputs = len(model.operatorCodes) - 1, [int(op.inputs[1])]
    dequantize.outputs = [len(graph.tensors) - 1]
    graph.operators.insert(graph.operators.index(op), dequantize)
    op.inputs[1] = len(graph.tensors) - 1
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def test_a_weight_behind_a_dequantize_gets_the_float_constant(mlp):
    dynamic, model, float_model, hostile = mlp.dynamic, mlp.model, mlp.float_model, mlp.hostile
    with open(dynamic, "rb") as handle:
        hybrid = handle.read()
    edited = _with_dequantized_weight(hybrid, hostile)
    features = np.random.default_rng(4).uniform(0, 1, (1, 64)).astype(np.float32)
    expected = model(features).numpy()

    def run(data):
        interpreter = _interpreter(data)
        (output,) = interpreter.get_signature_list()["serving_default"]["outputs"]
        ops = interpreter._get_ops_details()
        details = {d["index"]: d for d in interpreter.get_tensor_details()}
        weight = next(details[op["inputs"][1]] for op in ops if details[op["outputs"][0]]["name"] == hostile)
        int8 = sum(d["dtype"] == np.int8 for d in details.values())
        return (interpreter.get_signature_runner()(features=features)[output], [op["op_name"] for op in ops],
                weight["dtype"], int8)

    before, ops, dtype, int8_before = run(edited)
    assert "DEQUANTIZE" in ops and dtype == np.float32  # the DEQUANTIZE's output
    assert np.abs(before - expected).max() > 0.05 * np.abs(expected).max()
    after, ops, dtype, int8_after = run(float_weights.restore(edited, float_model, set(), {hostile}))
    assert "DEQUANTIZE" not in ops and dtype == np.float32
    assert np.abs(after - expected).max() <= 0.05 * np.abs(expected).max()
    assert int8_after == int8_before - 1  # the DEQUANTIZE's int8 constant is gone too


def test_keep_float_with_float16_exits_2_in_one_sentence(mlp, tmp_path):
    source, hostile = mlp.source, mlp.hostile
    out_path = tmp_path / "refused.tflite"
    code, _, err = _cli("convert", source, "-o", str(out_path), "--quantize", "float16", "--keep_float", hostile)
    assert code == 2 and "needs --quantize int8 or dynamic (got float16)" in err
    assert "Traceback" not in err and err.strip().count("\n") == 0 and err.strip().count(". ") == 0
    assert not out_path.exists()


def test_a_name_with_no_int8_weights_exits_2(mlp, tmp_path):
    source = mlp.source
    out_path = tmp_path / "nothing.tflite"
    code, _, err = _cli("convert", source, "-o", str(out_path), "--quantize", "dynamic", "--keep_float",
                        mlp.logits)  # its 128 weights were never quantized
    assert code == 2 and f"{mlp.logits} names no layer with quantized weights" in err
    assert "Traceback" not in err and not out_path.exists()


def _without_last_op(data: bytes) -> bytes:
    tensorflow()
    from tensorflow.lite.tools import flatbuffer_utils  # noqa: PLC0415

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(data))
    model.subgraphs[0].operators.pop()
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def test_ops_are_matched_by_output_name_when_the_sequences_differ(mlp):
    with open(mlp.dynamic, "rb") as handle:
        dynamic = handle.read()
    shorter = _without_last_op(mlp.float_model)  # 3 ops against 4: no match by position
    restored = float_weights.restore(dynamic, shorter, set(), {mlp.hostile})
    assert _weights(restored)[mlp.hostile] == "float32"
    with pytest.raises(UsageError, match="no op writing a tensor of that name"):
        float_weights.restore(dynamic, shorter, set(), {mlp.logits})  # the op that was dropped
