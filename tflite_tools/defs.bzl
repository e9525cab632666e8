"""Public Bazel API of tflite-tools: convert, verify, freeze and summarize TensorFlow models.

    load("@tflite_tools//tflite_tools:defs.bzl", "tflite_model")

    tflite_model(
        name = "mnist",
        src = glob(["mnist_savedmodel/**"]),
        quantize = "dynamic",
    )

`bazel build :mnist` writes mnist.tflite and mnist_report.json, `bazel test
:mnist_verify` checks the .tflite against TensorFlow, `bazel run
:mnist_benchmark` times it. Reference: docs/bazel.md.
"""

load("//tflite_tools/private:convert.bzl", _tflite_benchmark = "tflite_benchmark", _tflite_convert = "tflite_convert", _tflite_model = "tflite_model", _tflite_verify_test = "tflite_verify_test")
load("//tflite_tools/private:freeze.bzl", _frozen_graph = "frozen_graph")
load("//tflite_tools/private:providers.bzl", _TfliteModelInfo = "TfliteModelInfo")
load("//tflite_tools/private:summary.bzl", _graph_summary = "graph_summary", _model_summary = "model_summary")

tflite_model = _tflite_model
tflite_convert = _tflite_convert
tflite_verify_test = _tflite_verify_test
tflite_benchmark = _tflite_benchmark
frozen_graph = _frozen_graph
graph_summary = _graph_summary
model_summary = _model_summary
TfliteModelInfo = _TfliteModelInfo
