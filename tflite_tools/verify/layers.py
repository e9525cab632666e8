"""Where does it diverge? Every intermediate tensor of the .tflite against TensorFlow's.

`verify_layers(source, tflite_path, ...)` is `verify` plus a `LayerReport`
(`report.layer_report`): the .tflite runs with every tensor kept
(runners.tflite_intermediates), the source with the matching tensors fetched
(runners.tf_intermediates), on the same inputs verify used; each TFLite op
output is matched to a TF tensor (layer_mapping) and compared:

  * float models: a layer passes when max |tflite - tf| <= atol + rtol *
    max |tf| (the tolerance relative to the tensor's range: rounding in a
    layer scales with its largest values, not with each element);
  * quantized models: dequantized values, SNR >= the output criterion's
    minimum; scale, zero point and the share of int8 values saturated;
  * integer tensors (shapes, indices): exact.

`first_divergent` is the earliest layer out of tolerance whose inputs were
all within it: where the error starts, not where it shows.
"""

from __future__ import annotations

import numpy as np

from tflite_tools.core.names import tensor_name
from tflite_tools.errors import VerificationMismatch
from tflite_tools.proto import verification_pb2
from tflite_tools.runners import tf_intermediates, tf_runner
from tflite_tools.runners.tflite_intermediates import AllTensors
from tflite_tools.runners.tflite_runner import TfliteModel
from tflite_tools.verify import compare
from tflite_tools.verify.layer_mapping import feeding_layers, match_layers
from tflite_tools.verify.mapping import default_graph_names
from tflite_tools.verify.samples import load_samples, parse_range, random_samples
from tflite_tools.verify.verification import verify_conversion

_S = verification_pb2.VerificationStatus


def verify_layers(source, tflite_path: str, **kwargs) -> verification_pb2.VerificationReport:
    """`verify` with the per-layer comparison in `report.layer_report`.

    Takes `verify`'s arguments; raises VerificationMismatch (the report,
    layers included, attached) when an output is out of tolerance.
    """
    report = layer_verification(source, tflite_path, **kwargs)
    if report.status == _S.MISMATCH:
        raise VerificationMismatch(report.message, result=report)
    return report


def layer_verification(source, tflite_path: str, **kwargs) -> verification_pb2.VerificationReport:
    """`verify_conversion` (no raise) plus the LayerReport, for `convert --verify --layers`."""
    model = tf_runner.load(source)
    report = verify_conversion(model, tflite_path, **kwargs)
    if report.status == _S.NOT_RUNNABLE or len(report.input_mapping) != len(report.inputs):
        return report  # nothing ran, or the inputs do not correspond
    report.layer_report.CopyFrom(compare_layers(model, TfliteModel.from_path(tflite_path), report, **kwargs))
    return report


def compare_layers(model, tflite: TfliteModel, report, *, input_data=None, input_range=(0.0, 1.0), seed=0,
                   num_samples=1, atol=None, rtol=None, input_arrays=None, output_arrays=None,
                   input_shapes=None, signature_key=None, saved_model_tags=None) -> verification_pb2.LayerReport:
    """The LayerReport of `tflite` against `model`, on the inputs `report` (verify's) was made with."""
    del input_shapes  # the shapes verify resolved are in report.inputs
    input_arrays, output_arrays = default_graph_names(model, tflite, input_arrays, output_arrays)
    runner = tf_runner.make_runner(model, input_arrays=input_arrays, output_arrays=output_arrays,
                                   signature_key=signature_key, saved_model_tags=saved_model_tags)
    try:
        shapes = {spec.name: list(spec.shape) for spec in report.inputs}
        low, high = parse_range(input_range)
        samples = load_samples(input_data, runner.inputs, shapes) if input_data else \
            random_samples(runner.inputs, shapes, low, high, seed, num_samples)
        graph = tf_intermediates.open_graph(model, runner, samples, signature_key=signature_key,
                                            saved_model_tags=saved_model_tags)
    finally:
        runner.close()
    try:
        return _compare(graph, runner, tflite, report, samples, atol, rtol)
    finally:
        graph.close()


def _compare(graph, runner, tflite, report, samples, atol, rtol) -> verification_pb2.LayerReport:
    run = AllTensors(tflite)
    source_names = {t.name: i for i, t in enumerate(runner.outputs)}
    known = {m.tflite_index: graph.outputs[source_names[m.source_name]] for m in report.output_mapping}
    known.update({m.tflite_index: tensor_name(graph.feeds[m.source_name]) for m in report.input_mapping})
    layers = match_layers(run.ops, run.names, graph.graph_def, known)
    tf_values, _ = graph.fetch(samples, sorted({layer.tf_tensor for layer in layers if layer.tf_tensor}))
    indices = [layer.index for layer in layers]
    raw = {index: [] for index in indices}
    for sample in samples:
        feeds = {m.tflite_index: sample[m.source_name] for m in report.input_mapping}
        for index, value in run(feeds, indices).items():
            raw[index].append(value)
    result = verification_pb2.LayerReport(total=len(layers))
    quantized = report.quantization != "none"
    result.criterion = "snr" if quantized and atol is None and rtol is None else "allclose"
    result.atol = compare.FLOAT_ATOL if atol is None else atol
    result.rtol = compare.FLOAT_RTOL if rtol is None else rtol
    if result.criterion == "snr":
        result.min_snr_db = compare.MIN_SNR_DB[report.quantization]
        result.output_snr_db = min((c.snr_db for c in report.outputs), default=compare.SNR_CAP_DB)
    feeding = feeding_layers(layers)
    steps = {}
    for layer in layers:
        expected = tf_values.get(layer.tf_tensor)
        actual = np.stack(raw[layer.index])
        if expected is None or expected.size != actual.size:
            result.unmatched.append(layer.name)
            continue
        c = _layer(result, run, layer, expected, actual.reshape(expected.shape))
        c.input_steps.extend(feeding[layer.step])
        steps[layer.step] = c
    result.matched = len(result.layers)
    for c in result.layers:
        if not c.passed and all(steps[s].passed for s in c.input_steps if s in steps):
            result.first_divergent = c.tflite_tensor
            break
    return result


def _layer(result, run, layer, expected, actual) -> verification_pb2.LayerComparison:
    c = result.layers.add(step=layer.step, tflite_tensor=layer.name, tflite_index=layer.index, op=layer.op,
                          tf_tensor=layer.tf_tensor, shape=expected.shape[1:],
                          dtype=run.dtypes[layer.index].name)
    if layer.index in run.quantization:
        c.scale, c.zero_point = run.quantization[layer.index]
        if run.dtypes[layer.index] == np.int8:
            # Clipped: TensorFlow's value lies beyond the int8 range's ends.
            low, high = (-128.5 - c.zero_point) * c.scale, (127.5 - c.zero_point) * c.scale
            c.saturation = float(np.mean((expected < low) | (expected > high)))
        actual = run.dequantize(layer.index, actual)
    figures = verification_pb2.OutputComparison()
    compare.errors(figures, expected, actual, result.atol)
    c.max_abs_error, c.mean_abs_error, c.snr_db = figures.max_abs_error, figures.mean_abs_error, figures.snr_db
    if not np.issubdtype(expected.dtype, np.floating):
        c.passed = bool(np.array_equal(expected, actual))
    elif figures.nonfinite_mismatches:
        c.passed = False
    elif result.criterion == "snr":
        c.passed = c.snr_db >= result.min_snr_db
    else:
        scale = float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0.0))
        c.passed = c.max_abs_error <= result.atol + result.rtol * scale
    return c
