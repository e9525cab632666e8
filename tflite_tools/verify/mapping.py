"""Which source tensor each TFLite input and output stands for.

`map_inputs` and `map_outputs` return [(source position, tflite position,
method)], recorded in the report as TensorMapping (`tensor_mapping`);
`input_assignments` yields the other input assignments worth trying.
`Mismatch` is raised when the .tflite does not correspond to the source
before any value is compared.

How TFLite tensors are matched to the source's (TensorMapping.method):
  * "name": the .tflite name is the source name (":0" ignored), an alias
    (Keras output_N) or the graph tensor behind a signature entry;
  * "signature": a key of the .tflite's SignatureDef is the source name;
  * "order": the only remaining source tensor of that dtype and shape
    (inputs: the next one by position);
  * "numeric": several fit, and the values decide: outputs go to the source
    output with the smallest error; inputs are permuted when the first
    assignment does not verify.
"""

from __future__ import annotations

import itertools
from typing import Optional

import numpy as np

from tflite_tools.core.names import strip_index
from tflite_tools.errors import InputError, UsageError
from tflite_tools.proto import verification_pb2
from tflite_tools.runners import tf_runner
from tflite_tools.runners.tflite_runner import TfliteModel

# Other input assignments tried when inputs matched only by position fail.
MAX_INPUT_PERMUTATIONS = 120


class Mismatch(Exception):
    """The .tflite does not correspond to the source before any value is
    compared (an input with no counterpart, a failed invoke)."""


def default_graph_names(model, tflite, input_arrays, output_arrays):
    """Graphs name no outputs: default to the .tflite's own tensor names,
    which are the source node names the converter was given."""
    if not tf_runner.is_graph(model):
        return input_arrays, output_arrays
    graph_def = model.graph_def if model.graph_def is not None else model.meta_graph.graph_def
    nodes = {node.name for node in graph_def.node}
    if not input_arrays:
        found = [strip_index(t.name) for t in tflite.inputs if strip_index(t.name).split(":")[0] in nodes]
        input_arrays = found if len(found) == len(tflite.inputs) else None
    if not output_arrays:
        found = [strip_index(t.name) for t in tflite.outputs if strip_index(t.name).split(":")[0] in nodes]
        if len(found) != len(tflite.outputs):
            missing = [t.name for t in tflite.outputs if strip_index(t.name).split(":")[0] not in nodes]
            raise UsageError(f"the .tflite output(s) {', '.join(missing)} are not nodes of {model.path}; "
                             "if the .tflite was converted from it, pass the source's output nodes with "
                             "--output_arrays.")
        output_arrays = found
    return input_arrays, output_arrays


def compatible(source: tf_runner.SourceTensor, tensor) -> bool:
    """Could `tensor` (TfliteTensor) stand for `source`? Same rank and known
    dims, and the same dtype up to quantization."""
    if source.dtype != tensor.dtype:
        floats = np.issubdtype(source.dtype, np.floating)
        if not (floats and (tensor.quantized or np.issubdtype(tensor.dtype, np.floating))):
            return False
    expected = source.shape
    if expected is None:
        return True
    actual = tensor.shape_signature
    if len(expected) != len(actual):
        return False
    return all(e is None or e < 0 or a < 0 or e == a for e, a in zip(expected, actual))


def match_names(sources, tensors, signature_side) -> dict:
    """tflite position -> (source position, method) for name and signature matches.

    In order of trust: the .tflite tensor's name is the source name (or an
    alias); a signature key of the .tflite is; the name is the graph tensor
    behind a source signature entry ("serving_default_x:0").
    """
    matched, used = {}, set()
    by_index = {t.index: t for t in tensors}
    keyed = {by_index[index].position: key for key, index in signature_side.items() if index in by_index}
    passes = (
        ("name", lambda t, src: strip_index(t.name) in (src.name, *src.aliases)),
        ("signature", lambda t, src: keyed.get(t.position) in (src.name, *src.aliases)),
        ("name", lambda t, src: bool(src.tensor_name) and strip_index(t.name) == strip_index(src.tensor_name)),
    )
    for method, same in passes:
        for t in tensors:
            if t.position in matched:
                continue
            for s, src in enumerate(sources):
                if s not in used and same(t, src):
                    matched[t.position] = (s, method)
                    used.add(s)
                    break
    return matched


def tflite_signature(tflite: TfliteModel, signature_key: Optional[str]):
    """The .tflite's SignatureDef for `signature_key` (default
    serving_default, else its first), or None when it keeps none."""
    if not tflite.signatures:
        return None
    key = signature_key or tf_runner.SERVING_SIGNATURE
    return next((s for s in tflite.signatures if s.key == key), tflite.signatures[0])


def keys(signature, side: str) -> dict:
    return getattr(signature, side) if signature is not None else {}


def map_inputs(sources, tflite: TfliteModel, signature) -> list:
    """[(source position, tflite position, method)] for every .tflite input.

    Raises InputError (before anything runs) when an input cannot correspond:
    the same name with another shape or dtype, or no source input that fits.
    """
    matched = match_names(sources, tflite.inputs, keys(signature, "inputs"))
    for t in tflite.inputs:
        if t.position in matched and not compatible(sources[matched[t.position][0]], t):
            src = sources[matched[t.position][0]]
            differ = src.dtype != t.dtype
            raise InputError(
                f"the .tflite input {t.name} is {_describe(t.dtype, t.shape_signature, differ)} but the source "
                f"input {src.name} is {_describe(src.dtype, src.shape, differ)}: this .tflite was not converted "
                "from this model (or with other input shapes); verify it against its own source.")
    used = {s for s, _ in matched.values()}
    for t in tflite.inputs:
        if t.position in matched:
            continue
        candidates = [s for s, src in enumerate(sources) if s not in used and compatible(src, t)]
        if not candidates:
            shown = ", ".join(f"{src.name} {_describe(src.dtype, src.shape, True)}" for src in sources)
            raise InputError(
                f"the .tflite input {t.name} ({_describe(t.dtype, t.shape_signature, True)}) corresponds to no "
                f"source input ({shown}): this .tflite was not converted from this model with these inputs.")
        matched[t.position] = (candidates[0], "order")
        used.add(candidates[0])
    return [(s, t, m) for t, (s, m) in sorted(matched.items())]


def _describe(dtype, shape, with_dtype: bool) -> str:
    """"float32 [?,64,64,1]" (dtype left out when it is not what differs)."""
    dims = "<unknown rank>" if shape is None else \
        "[" + ",".join("?" if d is None or d < 0 else str(d) for d in shape) + "]"
    return f"{np.dtype(dtype).name} {dims}" if with_dtype else dims


def tensor_mapping(source, tensor, method) -> verification_pb2.TensorMapping:
    return verification_pb2.TensorMapping(source_name=source.name, tflite_name=tensor.name,
                                          tflite_index=tensor.index, method=method)


def input_assignments(sources, inputs):
    """The input mapping, then, when it does not verify, the other ways to
    assign inputs matched only by position among several of the same dtype
    and shape ("numeric": the values decide). At most MAX_INPUT_PERMUTATIONS."""
    yield inputs
    groups = {}
    for k, (s, _, method) in enumerate(inputs):
        if method == "order":
            groups.setdefault((sources[s].dtype.str, sources[s].shape), []).append(k)
    groups = [group for group in groups.values() if len(group) > 1]
    choices = itertools.product(*(itertools.permutations(group) for group in groups))
    next(choices, None)  # the identity: already tried
    for choice in itertools.islice(choices, MAX_INPUT_PERMUTATIONS):
        assignment = list(inputs)
        for group, permuted in zip(groups, choice):
            for k, other in zip(group, permuted):
                assignment[k] = (inputs[other][0], inputs[k][1], "numeric")
        yield assignment


def map_outputs(sources, tflite, source_out, tflite_out, signature) -> list:
    """[(source position, tflite position, method)]; ambiguous ones proved numerically.

    Outputs not matched by name or signature are matched among the source
    outputs of the same shape and dtype: the one candidate ("order"), or,
    when several fit, the assignment with the smallest total error ("numeric").
    """
    matched = match_names(sources, tflite.outputs, keys(signature, "outputs"))
    used = {s for s, _ in matched.values()}
    rest = [t for t in tflite.outputs if t.position not in matched]
    free = [s for s in range(len(sources)) if s not in used]
    if rest and free:
        cost = np.full((len(rest), len(free)), np.inf)
        for i, t in enumerate(rest):
            for j, s in enumerate(free):
                a, b = tflite_out[t.index], source_out[sources[s].name]
                if compatible(sources[s], t) and np.shape(a) == np.shape(b):
                    cost[i, j] = _error(a, b)
        for i, j in _assign(cost):
            method = "order" if np.isfinite(cost[i]).sum() == 1 else "numeric"
            matched[rest[i].position] = (free[j], method)
    return [(s, t, m) for t, (s, m) in sorted(matched.items())]


def _error(a, b) -> float:
    """Mean absolute difference, finite even with NaN/inf (a NaN/inf where
    the other side differs costs 1e100, so it never beats a real match)."""
    if not (np.issubdtype(np.asarray(b).dtype, np.number) and np.issubdtype(np.asarray(a).dtype, np.number)):
        return float(np.mean(np.asarray(a) != np.asarray(b)))
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(invalid="ignore"):
        diff = np.where((a == b) | (np.isnan(a) & np.isnan(b)), 0.0, np.abs(a - b))
    return float(np.mean(np.where(np.isfinite(diff), diff, 1e100)))


def _assign(cost) -> list:
    """Pairs (row, col) with finite cost minimising the total: exhaustive for
    the handful of outputs a model has, greedy beyond that."""
    rows, cols = cost.shape
    if min(rows, cols) <= 6 and max(rows, cols) <= 8:
        best_key, best_pairs = None, []
        for perm in itertools.permutations(range(max(rows, cols)), min(rows, cols)):
            pairs = list(enumerate(perm)) if rows <= cols else [(p, i) for i, p in enumerate(perm)]
            finite = [(i, j) for i, j in pairs if np.isfinite(cost[i, j])]
            # Most pairs first, then the smallest total error.
            key = (-len(finite), sum(cost[i, j] for i, j in finite))
            if best_key is None or key < best_key:
                best_key, best_pairs = key, finite
        return best_pairs
    pairs, taken_rows, taken_cols = [], set(), set()
    for flat in np.argsort(cost, axis=None):
        i, j = np.unravel_index(flat, cost.shape)
        if np.isfinite(cost[i, j]) and i not in taken_rows and j not in taken_cols:
            pairs.append((int(i), int(j)))
            taken_rows.add(i)
            taken_cols.add(j)
    return pairs
