"""Prove a .tflite computes what its TensorFlow source computes.

`verify(source, tflite_path)` feeds TensorFlow (runners.tf_runner) and the
LiteRT interpreter (runners.tflite_runner) the same inputs, maps every TFLite
tensor back to the source tensor it stands for, and compares outputs. It
returns a `VerificationReport` and raises `VerificationMismatch` (exit 4, the
report attached) when an output is out of tolerance. `verify_conversion` is
the same without the raise, for `convert --verify`.

    >>> report = verify("frozen.pb", "model.tflite", output_arrays=["output"])
    >>> verification_pb2.VerificationStatus.Name(report.status)
    'PASSED'

The steps, one module each:
  * mapping: which source tensor each .tflite input and output stands for;
  * samples: the inputs both sides run on, and running them;
  * compare: how outputs are judged (tolerances, SNR, argmax agreement);
  * structural: the NOT_RUNNABLE report of a .tflite with select TF (Flex)
    or custom ops, which cannot run here and is never reported as
    numerically verified;
  * text: the report for people (`format_text`).
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

from tflite_tools.errors import UsageError, VerificationMismatch
from tflite_tools.model import LoadedModel
from tflite_tools.proto import common_pb2, verification_pb2
from tflite_tools.runners import tf_runner
from tflite_tools.runners.tflite_runner import TfliteModel
from tflite_tools.verify.compare import compare_all
from tflite_tools.verify.mapping import (
    Mismatch,
    default_graph_names,
    input_assignments,
    map_inputs,
    tensor_mapping,
    tflite_signature,
)
from tflite_tools.verify.samples import (
    load_samples,
    parse_range,
    random_samples,
    resolve_shapes,
    run_source,
    run_tflite,
)
from tflite_tools.verify.structural import structural_report

_S = verification_pb2.VerificationStatus


def verify(source: Union[str, LoadedModel], tflite_path: str, *, input_data: Optional[str] = None,
           input_range: Sequence[float] = (0.0, 1.0), seed: int = 0, num_samples: int = 1,
           atol: Optional[float] = None, rtol: Optional[float] = None,
           input_arrays: Optional[Sequence[str]] = None, output_arrays: Optional[Sequence[str]] = None,
           input_shapes=None, signature_key: Optional[str] = None,
           saved_model_tags: Optional[Sequence[str]] = None) -> verification_pb2.VerificationReport:
    """Run `source` in TensorFlow and `tflite_path` in LiteRT on the same inputs and compare.

    Args:
      source: the TensorFlow model (a path any loader recognises, or a LoadedModel).
      tflite_path: the .tflite to check.
      input_data: an .npz keyed by source input name (a leading axis on
        every array: that many samples); default random inputs.
      input_range: (low, high) of the random inputs (integers for integer inputs).
      seed, num_samples: random inputs: the seed and how many batches to run.
      atol, rtol: float tolerances; given for a quantized model, they replace
        the SNR/argmax criterion.
      input_arrays, output_arrays: source tensors (graphs: node names; by
        default the .tflite's input/output names found in the graph).
      input_shapes: "1,8,8,3:1,4" or [[1,8,8,3],[1,4]], one per input, for
        inputs with unknown dimensions (default: the .tflite's shape, else 1).
      signature_key, saved_model_tags: which SavedModel signature/MetaGraph.

    Returns:
      The report; status PASSED or NOT_RUNNABLE.

    Raises:
      VerificationMismatch: an output is out of tolerance or the I/O do not
        correspond (the report is `err.result`).
      InputError, UsageError: unreadable models, unknown names, bad flags.
    """
    report = verify_conversion(
        source, tflite_path, input_data=input_data, input_range=input_range, seed=seed,
        num_samples=num_samples, atol=atol, rtol=rtol, input_arrays=input_arrays,
        output_arrays=output_arrays, input_shapes=input_shapes, signature_key=signature_key,
        saved_model_tags=saved_model_tags)
    if report.status == _S.MISMATCH:
        raise VerificationMismatch(report.message, result=report)
    return report


def verify_conversion(source: Union[str, LoadedModel], tflite_path: str, *,
                      input_arrays: Optional[Sequence[str]] = None,
                      output_arrays: Optional[Sequence[str]] = None, input_shapes=None,
                      signature_key: Optional[str] = None,
                      saved_model_tags: Optional[Sequence[str]] = None,
                      input_data: Optional[str] = None, input_range: Sequence[float] = (0.0, 1.0),
                      seed: int = 0, num_samples: int = 1, atol: Optional[float] = None,
                      rtol: Optional[float] = None) -> verification_pb2.VerificationReport:
    """What `convert --verify` calls: `verify` without the raise.

    Pass the source (path or the LoadedModel convert already has), the
    .tflite just written, and the names/shapes convert resolved (graph node
    names for graphs; signature key and tags for SavedModels; nothing for
    Keras). Returns the report whatever its status: on MISMATCH the caller
    raises `VerificationMismatch(report.message, result=...)` with its own
    result (e.g. a ConversionReport whose `verification` is this report).
    """
    if num_samples < 1:
        raise UsageError(f"--num_samples must be at least 1, got {num_samples}.")
    low, high = parse_range(input_range)
    tflite = TfliteModel.from_path(tflite_path)
    model = tf_runner.load(source)
    input_arrays, output_arrays = default_graph_names(model, tflite, input_arrays, output_arrays)
    runner = tf_runner.make_runner(model, input_arrays=input_arrays, output_arrays=output_arrays,
                                   signature_key=signature_key, saved_model_tags=saved_model_tags)
    report = verification_pb2.VerificationReport(
        source_path=model.path, tflite_path=tflite_path, quantization=tflite.quantization,
        quantized=tflite.quantization != "none", flex_ops=tflite.flex_ops)
    signature = tflite_signature(tflite, signature_key)
    try:
        inputs = map_inputs(runner.inputs, tflite, signature)
        report.input_mapping.extend(tensor_mapping(runner.inputs[s], tflite.inputs[t], m) for s, t, m in inputs)
        shapes = resolve_shapes(runner.inputs, tflite, inputs, input_shapes)
        report.inputs.extend(
            common_pb2.TensorSpec(name=t.name, dtype=t.dtype.name, shape=shapes[t.name], tensor_name=t.tensor_name,
                                  index=i) for i, t in enumerate(runner.inputs))
        if not tflite.runnable or tflite.custom_ops:
            return structural_report(report, runner, tflite, inputs, signature)
        samples = load_samples(input_data, runner.inputs, shapes) if input_data else \
            random_samples(runner.inputs, shapes, low, high, seed, num_samples)
        report.input_data = input_data or f"random(seed={seed}, range=[{low:g},{high:g}])"
        report.num_samples = len(samples)
        source_out = run_source(runner, samples)
        invoke = tflite.make_runner()
        first = None
        for assignment in input_assignments(runner.inputs, inputs):
            attempt = verification_pb2.VerificationReport()
            attempt.CopyFrom(report)
            del attempt.input_mapping[:]
            attempt.input_mapping.extend(tensor_mapping(runner.inputs[s], tflite.inputs[t], m)
                                         for s, t, m in assignment)
            tflite_out = run_tflite(invoke, tflite, runner.inputs, assignment, samples)
            compare_all(attempt, runner.outputs, tflite, source_out, tflite_out, atol, rtol, signature)
            first = first or attempt
            if attempt.status == _S.PASSED:
                return attempt
        return first
    except Mismatch as mismatch:
        report.status = _S.MISMATCH
        report.message = str(mismatch)
        return report
    finally:
        runner.close()
