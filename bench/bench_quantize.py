"""What each --quantize mode costs and buys, on one small CNN.

Builds a CNN with random (He-initialised) weights as a TF2 SavedModel,
converts it with tflite_tools.convert in every quantize mode (none, dynamic,
float16, int8 and int16x8 with integer I/O), verifies each .tflite against TensorFlow with tflite_tools.verify
on the same random inputs, and times invokes with ai-edge-litert. Prints one
table; size and latency are also given as ratios to mode "none" measured in
the same run, since absolute times on a shared machine mean little.

    .venv/bin/python bench/bench_quantize.py [--invokes 200] [--samples 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tflite_tools.convert.conversion import convert  # noqa: E402
from tflite_tools.core.lazy_tf import tensorflow  # noqa: E402
from tflite_tools.proto import verification_pb2  # noqa: E402
from tflite_tools.runners.tflite_runner import TfliteModel  # noqa: E402
from tflite_tools.verify.verification import verify_conversion  # noqa: E402

MODES = ("none", "dynamic", "float16", "int8", "int16x8")
INPUT_SHAPE = (1, 96, 96, 3)
CLASSES = 10


def build_cnn(directory: str) -> str:
    """conv3x3x32 -> relu -> conv3x3x64/2 -> relu -> conv3x3x64/2 -> relu
    -> global average pool -> dense 10 (logits), as a SavedModel: ~70M
    multiply-adds, enough that invoke time, not Python overhead, is measured."""
    tf = tensorflow()
    rng = np.random.default_rng(0)

    def he(*shape):
        fan_in = int(np.prod(shape[:-1]))
        return tf.Variable(rng.normal(0, np.sqrt(2.0 / fan_in), shape).astype(np.float32))

    class Cnn(tf.Module):
        def __init__(self):
            super().__init__()
            self.k1, self.k2, self.k3 = he(3, 3, 3, 32), he(3, 3, 32, 64), he(3, 3, 64, 64)
            self.b = [tf.Variable(rng.normal(0, 0.1, n).astype(np.float32)) for n in (32, 64, 64, CLASSES)]
            self.dense = he(64, CLASSES)

        @tf.function(input_signature=[tf.TensorSpec(INPUT_SHAPE, tf.float32, name="image")])
        def serve(self, image):
            h = tf.nn.relu(tf.nn.conv2d(image, self.k1, 1, "SAME") + self.b[0])
            h = tf.nn.relu(tf.nn.conv2d(h, self.k2, 2, "SAME") + self.b[1])
            h = tf.nn.relu(tf.nn.conv2d(h, self.k3, 2, "SAME") + self.b[2])
            return {"logits": tf.matmul(tf.reduce_mean(h, axis=[1, 2]), self.dense) + self.b[3]}

    cnn = Cnn()
    path = os.path.join(directory, "cnn")
    tf.saved_model.save(cnn, path, signatures={"serving_default": cnn.serve})
    return path


def calibration_data(directory: str) -> str:
    """32 random images under the input's name: int8/int16x8 calibration."""
    path = os.path.join(directory, "calibration.npz")
    rng = np.random.default_rng(1)
    np.savez(path, image=rng.uniform(0, 1, (32,) + INPUT_SHAPE).astype(np.float32))
    return path


def convert_mode(saved_model: str, mode: str, output: str, calibration: str) -> None:
    """tflite_tools.convert with --quantize `mode`; integer modes get integer I/O."""
    options = {"quantize": mode}
    if mode in ("int8", "int16x8"):
        io_type = "int8" if mode == "int8" else "int16"
        options.update(representative_data=calibration, inference_input_type=io_type,
                       inference_output_type=io_type)
    convert(saved_model, output, **options)


def latency_ms(path: str, invokes: int) -> float:
    model = TfliteModel.from_path(path)
    run = model.make_runner(num_threads=1)
    feeds = {model.inputs[0].index: np.random.default_rng(2).uniform(0, 1, INPUT_SHAPE).astype(np.float32)}
    for _ in range(10):  # warm-up: first invokes pack weights / plan memory
        run(feeds)
    start = time.perf_counter()
    for _ in range(invokes):
        run(feeds)
    return (time.perf_counter() - start) / invokes * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=200)
    parser.add_argument("--samples", type=int, default=8, help="random inputs compared per mode")
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="bench_quantize_")
    saved_model = build_cnn(directory)
    calibration = calibration_data(directory)
    rows = []
    for mode in MODES:
        path = os.path.join(directory, f"cnn_{mode}.tflite")
        convert_mode(saved_model, mode, path, calibration)
        report = verify_conversion(saved_model, path, num_samples=args.samples)
        (out,) = report.outputs
        rows.append((mode, report.quantization, os.path.getsize(path), out, latency_ms(path, args.invokes),
                     verification_pb2.VerificationStatus.Name(report.status)))
    base_size, base_ms = rows[0][2], rows[0][4]
    print(f"CNN {INPUT_SHAPE} -> {CLASSES} logits, random weights; {args.samples} random inputs in [0,1]; "
          f"latency: mean of {args.invokes} invokes, 1 thread, ai-edge-litert; converted by tflite_tools.convert")
    header = (f"{'mode':<8} {'detected':<8} {'bytes':>8} {'size':>6} {'max abs err':>12} {'SNR dB':>7} "
              f"{'argmax':>7} {'ms':>7} {'speed':>6}  verify")
    print(header)
    print("-" * len(header))
    for mode, detected, size, out, ms, status in rows:
        print(f"{mode:<8} {detected:<8} {size:>8} {size / base_size:>5.2f}x {out.max_abs_error:>12.3g} "
              f"{out.snr_db:>7.1f} {out.agreement:>6.0%} {ms:>7.3f} {base_ms / ms:>5.2f}x  {status}")


if __name__ == "__main__":
    main()
