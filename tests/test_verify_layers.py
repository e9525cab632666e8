"""verify --layers: every layer of the .tflite against TensorFlow, on real failures.

  * a float Keras CNN (conv + folded batch norm + relu) has every layer
    within tolerance, its fused ops matched to the end of their chain;
  * the same .tflite with one conv's weights altered in the flatbuffer bytes
    is localized to that conv;
  * an int8 model with one quantization-hostile layer (weights spanning four
    orders of magnitude, a large pair cancelling on two equal inputs, so the
    int8 rounding of the pair swamps the small weights) is localized to that
    layer, the keep-float trials suggest it, and `convert --keep_float` on it
    lifts the output SNR over the minimum;
  * the per-layer errors reach the HTML report (a table, looked at in
    headless chromium) and Model Explorer (node-data overlays).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import artifacts
from browser import page_in_chromium
from tflite_tools.cli import main
from tflite_tools.convert.conversion import convert
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import UsageError
from tflite_tools.verify.layer_overlay import overlay_values
from tflite_tools.verify.layers import layer_verification

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _keras():
    tensorflow()
    import keras  # noqa: PLC0415

    return keras


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    """A Keras CNN: conv1 -> batch norm -> relu -> conv2 (relu) -> pooling ->
    dense, saved as .keras and converted to a float .tflite."""
    keras = _keras()
    directory = tmp_path_factory.mktemp("layers_cnn")
    rng = np.random.default_rng(5)
    inputs = keras.Input((8, 8, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", name="conv1")(inputs)
    norm = keras.layers.BatchNormalization(name="norm1")
    x = keras.layers.ReLU(name="relu1")(norm(x))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(5, name="logits")(x))
    norm.set_weights([rng.uniform(0.5, 2, 8), rng.normal(0, 0.5, 8), rng.normal(0, 0.5, 8), rng.uniform(0.5, 2, 8)])
    path = str(directory / "cnn.keras")
    model.save(path)
    tflite = str(directory / "cnn.tflite")
    convert(path, tflite)
    return path, tflite


def _conv_kernel(tflite: str, which: int) -> tuple[int, np.ndarray]:
    """(tensor index, values) of the kernel of the `which`-th CONV_2D."""
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    interpreter = Interpreter(model_path=tflite)
    convs = [op for op in interpreter._get_ops_details() if op["op_name"] == "CONV_2D"]
    index = int(convs[which]["inputs"][1])
    return int(convs[which]["outputs"][0]), interpreter.get_tensor(index)


@pytest.fixture(scope="module")
def altered(cnn, workdir):
    """The CNN's .tflite with conv2's kernel negated in the flatbuffer bytes."""
    _, tflite = cnn
    _, kernel = _conv_kernel(tflite, 1)
    with open(tflite, "rb") as handle:
        content = handle.read()
    assert content.count(kernel.tobytes()) == 1
    path = workdir / "altered.tflite"
    path.write_bytes(content.replace(kernel.tobytes(), (-kernel).tobytes()))
    return str(path)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("layers")


@pytest.fixture(scope="module")
def hostile(workdir):
    """dense1 (relu, two identical units) -> hostile -> dense3 (relu) -> logits,
    with its calibration data; and its int8 conversion."""
    rng = np.random.default_rng(0)
    model = artifacts.hostile_mlp(_keras(), 16, 0.5, rng)
    path = str(workdir / "hostile.keras")
    model.save(path)
    data = str(workdir / "calibration.npz")
    np.savez(data, features=rng.uniform(0, 1, (32, 1, 16)).astype(np.float32))
    tflite = str(workdir / "hostile_int8.tflite")
    convert(path, tflite, quantize="int8", representative_data=data, verify=False)
    return path, tflite, data


def test_float_model_has_every_layer_within_tolerance(cnn):
    source, tflite = cnn
    code, out, _ = _cli("verify", source, tflite, "--layers", "--format", "json")
    assert code == 0
    layers = json.loads(out)["layer_report"]
    assert layers["layers"] and all(layer["passed"] for layer in layers["layers"])
    assert not layers.get("first_divergent")
    by_op = [layer for layer in layers["layers"] if layer["op"] == "CONV_2D"]
    # conv1 + folded batch norm + relu is one CONV_2D: the TF tensor at the end of the chain.
    assert by_op[0]["tf_tensor"].endswith("relu1_1/Relu:0")
    assert by_op[1]["tf_tensor"].endswith("conv2_1/Relu:0")
    assert all(layer["max_abs_error"] < 1e-4 for layer in layers["layers"])
    assert layers["matched"] == len(layers["layers"]) and layers["matched"] >= 4
    code, text, _ = _cli("verify", source, tflite, "--layers")
    assert "every layer within tolerance" in text


def test_weights_altered_in_the_flatbuffer_are_localized_to_that_layer(cnn, altered):
    source, tflite = cnn
    output, _ = _conv_kernel(tflite, 1)
    code, out, _ = _cli("verify", source, altered, "--layers", "--format", "json")
    assert code == 4
    layers = json.loads(out)["layer_report"]
    steps = layers["layers"]
    conv2 = next(layer for layer in steps if layer["tflite_index"] == output)
    assert layers["first_divergent"] == conv2["tflite_tensor"]
    before = steps[:steps.index(conv2)]
    assert before and all(layer["passed"] for layer in before)
    assert not conv2.get("passed") and conv2["snr_db"] < 10
    report = layer_verification(source, altered)
    values = overlay_values(report.layer_report, "max_abs_error")
    assert values[conv2["tflite_tensor"]] == pytest.approx(conv2["max_abs_error"])
    assert values[conv2["tf_tensor"].split(":")[0]] == values[conv2["tflite_tensor"]]
    with pytest.raises(UsageError):
        overlay_values(report.layer_report, "colour")


def test_quantization_hostile_layer_is_localized_and_kept_in_float(hostile, tmp_path):
    source, tflite, data = hostile
    run = subprocess.run([sys.executable, "-m", "tflite_tools", "verify", source, tflite, "--layers",
                          "--representative_data", data], capture_output=True, text=True, cwd=REPO,
                         env=dict(os.environ, PYTHONPATH=REPO))
    assert run.returncode == 4, run.stderr
    assert "OUT <- first divergent" in run.stdout
    marked = next(line for line in run.stdout.splitlines() if "first divergent" in line and "OUT" in line)
    assert "hostile" in marked and "FULLY_CONNECTED" in marked
    suggestion = next(line for line in run.stdout.splitlines() if line.startswith("suggested: "))
    name = suggestion.split("--keep_float ")[1].split(" ")[0]
    assert "hostile" in name
    out_path = str(tmp_path / "kept.tflite")
    code, out, err = _cli("convert", source, "-o", out_path, "--quantize", "int8", "--representative_data", data,
                          "--keep_float", name, "--verify", "--layers", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    kept = report["verification"]["layer_report"]
    assert not kept.get("first_divergent")
    hostile_layer = next(layer for layer in kept["layers"] if "hostile" in layer["tf_tensor"]
                         and layer["op"] == "FULLY_CONNECTED")
    assert hostile_layer["dtype"] == "float32" and not hostile_layer.get("scale")
    before = layer_verification(source, tflite).outputs[0].snr_db
    after = report["verification"]["outputs"][0]["snr_db"]
    assert before < 20 <= after


def test_graph_models_match_node_names_and_fused_chains(frozen_graph, tflite_model):
    report = layer_verification(frozen_graph.path, tflite_model.path)
    layers = report.layer_report
    assert [c.tf_tensor for c in layers.layers] == ["conv/Relu:0", "flatten/Reshape:0", "dense/BiasAdd:0",
                                                    "output:0"]
    assert layers.matched == layers.total == 4 and not layers.unmatched
    assert all(c.passed for c in layers.layers)


def test_saved_model_function_bodies_are_matched(saved_model_tf2, tmp_path):
    report = convert(saved_model_tf2.path, str(tmp_path / "sm.tflite"), verify=True, verify_layers=True)
    layers = report.verification.layer_report
    assert layers.matched == layers.total == 2
    assert layers.layers[0].tf_tensor.endswith("add:0") and all(c.passed for c in layers.layers)


@pytest.mark.parametrize("argv, words", [
    (["--quantize", "float16", "--keep_float", "CONV_2D"], "needs --quantize int8 or dynamic"),
    (["--no_verify", "--layers"], "drop --no_verify"),
])
def test_keep_float_and_layers_usage_errors(cnn, tmp_path, argv, words):
    source, _ = cnn
    out_path = tmp_path / "refused.tflite"
    code, _, err = _cli("convert", source, "-o", str(out_path), *argv)
    assert code == 2 and words in err and "Traceback" not in err
    assert not out_path.exists()


def test_keep_float_names_must_name_something(hostile, tmp_path):
    source, _, data = hostile
    out_path = tmp_path / "nothing.tflite"
    code, _, err = _cli("convert", source, "-o", str(out_path), "--quantize", "int8", "--representative_data",
                        data, "--keep_float", "no_such_layer")
    assert code == 2 and "no_such_layer names no op or tensor" in err
    assert not out_path.exists()



def test_report_page_shows_each_layer_and_the_first_divergent(hostile, tmp_path):
    source, _, data = hostile
    page_path = tmp_path / "layers.html"
    code, out, err = _cli("report", source, "-o", str(page_path), "--verify", "--layers", "--quantize", "int8",
                          "--representative_data", data)
    assert code == 4 and page_path.exists(), err  # the page is written, then the mismatch reported
    with page_in_chromium() as (page, seen):
        page.goto(page_path.as_uri())
        rows = page.query_selector_all("table#layers tr")[1:]
        assert len(rows) >= 4
        first = page.inner_text("#first-divergent")
        assert "hostile" in first
        marked = page.query_selector("table#layers tr.first-divergent")
        assert marked.is_visible() and first in marked.inner_text() and "out" in marked.inner_text()
        assert "SNR ≥ 20 dB" in page.inner_text("section#layers")
    assert seen.errors == []


def test_explore_overlays_each_layers_snr(hostile, tmp_path):
    source, tflite, data = hostile
    overlay = tmp_path / "overlay.json"
    code, _, err = _cli("explore", source, "--layers", "--quantize", "int8", "--representative_data", data,
                        "--overlay_only", str(overlay))
    assert code == 0, err
    support = json.loads(overlay.read_text())["main"]["results"]
    snr = json.loads((tmp_path / "overlay.layer_snr_db.json").read_text())["main"]["results"]
    errors = json.loads((tmp_path / "overlay.layer_max_abs_error.json").read_text())["main"]["results"]
    assert snr and set(snr) <= set(support) and set(errors) == set(snr)  # keyed as Model Explorer's nodes
    hostile_node = next(k for k in snr if "hostile" in k)
    dense1_node = next(k for k in snr if "dense1" in k)
    assert snr[hostile_node]["value"] < 20 < snr[dense1_node]["value"]
    code, _, err = _cli("explore", tflite, "--layers", "--overlay_only", str(tmp_path / "refused.json"))
    assert code == 2 and "already a .tflite" in err and not (tmp_path / "refused.json").exists()
