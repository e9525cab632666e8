"""The native engine: TensorFlow's own tools (summarize_graph, freeze_graph,
TF and TFLite benchmark_model), prebuilt or built from a TF source tree with
Bazel, run through plumbum and parsed into the same protos as the Python
engine. Commands reach it through `tflite_tools.native.engine`.
"""
