"""The NOT_RUNNABLE report: what can be checked of a .tflite that cannot run here.

A .tflite with select TF ops (Flex) or other custom ops cannot run with the
interpreters available here. `structural_report` checks that its inputs and
outputs correspond to the source's in dtype and shape; it sets status
NOT_RUNNABLE (MISMATCH when they do not correspond) and never reports the
model as numerically verified.
"""

from __future__ import annotations

import os

from tflite_tools.proto import verification_pb2
from tflite_tools.runners.tflite_runner import TfliteModel
from tflite_tools.verify.mapping import compatible, keys, match_names, tensor_mapping

_S = verification_pb2.VerificationStatus


def structural_report(report, runner, tflite: TfliteModel, inputs, signature):
    """NOT_RUNNABLE (or MISMATCH when the I/O do not correspond): what could
    be checked without running the .tflite."""
    checks, problems = [], []
    if tflite.flex_ops:
        checks.append(f"the .tflite needs {len(tflite.flex_ops)} select TF op(s) ({', '.join(tflite.flex_ops)}), "
                      "which run only with the Flex delegate")
    if tflite.custom_ops:
        checks.append(f"the .tflite needs custom op(s) {', '.join(tflite.custom_ops)}, whose kernels are "
                      "not registered here")
    for s, t, method in inputs:
        checks.append(_io_check("input", runner.inputs[s], tflite.inputs[t], method, problems))
    outputs = _map_outputs_structurally(runner.outputs, tflite, signature)
    report.output_mapping.extend(tensor_mapping(runner.outputs[s], tflite.outputs[t], m) for s, t, m in outputs)
    for s, t, method in outputs:
        checks.append(_io_check("output", runner.outputs[s], tflite.outputs[t], method, problems))
    unmatched = {s for s, _, _ in outputs} ^ set(range(len(runner.outputs)))
    problems.extend(f"source output {runner.outputs[s].name} has no counterpart in the .tflite"
                    for s in sorted(unmatched))
    report.checks.extend(checks)
    name = os.path.basename(report.tflite_path)
    if problems:
        report.status = _S.MISMATCH
        report.message = f"{name} does not match its source: {'; '.join(problems)}."
    else:
        report.status = _S.NOT_RUNNABLE
        needs = "select TF ops (Flex delegate)" if tflite.flex_ops else "custom ops"
        report.message = (f"{name} was NOT numerically verified: it needs {needs}, which neither "
                          "ai-edge-litert nor the pip TensorFlow interpreter can run; only its structure "
                          "was checked.")
    return report


def _map_outputs_structurally(sources, tflite, signature) -> list:
    matched = match_names(sources, tflite.outputs, keys(signature, "outputs"))
    used = {s for s, _ in matched.values()}
    for t in tflite.outputs:
        if t.position not in matched:
            candidates = [s for s, src in enumerate(sources) if s not in used and compatible(src, t)]
            if candidates:
                matched[t.position] = (candidates[0], "order")
                used.add(candidates[0])
    return [(s, t, m) for t, (s, m) in sorted(matched.items())]


def _io_check(kind, source, tensor, method, problems) -> str:
    shape = list(source.shape) if source.shape is not None else "unknown rank"
    line = (f"{kind} {source.name} ({source.dtype.name} {shape}) <-> {tensor.name} "
            f"({tensor.dtype.name} {list(tensor.shape_signature)}) by {method}")
    if compatible(source, tensor):
        return line + ": dtype and shape match"
    problems.append(f"{kind} {source.name} is {source.dtype.name} {shape} but the .tflite's "
                    f"{tensor.name} is {tensor.dtype.name} {list(tensor.shape_signature)}")
    return line + ": dtype or shape DIFFER"
