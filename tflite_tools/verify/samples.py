"""The samples both sides run on, and running them.

Samples are dicts keyed by source input name: random ones from a range and a
seed, or the arrays of an .npz. `run_source` and `run_tflite` feed every
sample to TensorFlow and to the .tflite and stack each side's outputs on a
new leading axis (source output name / .tflite output index -> array).
"""

from __future__ import annotations

import math

import numpy as np

from tflite_tools.core.names import strip_index
from tflite_tools.core.shapes import parse_input_shapes
from tflite_tools.errors import InputError, UsageError
from tflite_tools.runners.tflite_runner import TfliteModel
from tflite_tools.verify.mapping import Mismatch


def parse_range(input_range) -> tuple[float, float]:
    if isinstance(input_range, str):
        try:
            input_range = [float(v) for v in input_range.split(",")]
        except ValueError:
            input_range = ()
    if len(input_range) != 2 or not input_range[0] <= input_range[1]:
        raise UsageError(f"--input_range must be LOW,HIGH with LOW <= HIGH, got {input_range!r}.")
    return float(input_range[0]), float(input_range[1])


def resolve_shapes(sources, tflite, inputs, input_shapes) -> dict:
    """Source input name -> concrete shape: --input_shapes (when fully known),
    else the source's shape with unknown dims taken from the .tflite (1 where
    it is dynamic too)."""
    given = parse_input_shapes(input_shapes) if input_shapes else [None] * len(sources)
    if len(given) != len(sources):
        raise UsageError(f"--input_shapes gives {len(given)} shape(s) for {len(sources)} input(s) "
                         f"({', '.join(s.name for s in sources)}); give one per input.")
    tflite_of = {s: tflite.inputs[t] for s, t, _ in inputs}
    shapes = {}
    for s, src in enumerate(sources):
        tensor = tflite_of.get(s)
        if given[s] is not None and all(d >= 0 for d in given[s]):
            shape = list(given[s])
        elif src.shape is None:
            shape = list(tensor.shape) if tensor is not None else None
            if shape is None:
                raise UsageError(f"input {src.name} has unknown rank; give its shape with --input_shapes.")
        else:
            shape = [d if d is not None and d >= 0 else
                     (tensor.shape[i] if tensor is not None and i < len(tensor.shape)
                      and tensor.shape_signature[i] >= 0 else 1)
                     for i, d in enumerate(src.shape)]
        shapes[src.name] = shape
    return shapes


def random_samples(sources, shapes, low, high, seed, num_samples) -> list:
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(num_samples):
        sample = {}
        for src in sources:
            shape = shapes[src.name]
            if src.dtype == np.bool_:
                sample[src.name] = rng.random(shape) < 0.5
            elif np.issubdtype(src.dtype, np.integer):
                if math.ceil(low) > math.floor(high):
                    raise UsageError(f"input {src.name} is {src.dtype.name} but --input_range {low:g},{high:g} "
                                     "holds no integer; widen it.")
                sample[src.name] = rng.integers(math.ceil(low), math.floor(high), shape,
                                                endpoint=True).astype(src.dtype)
            elif np.issubdtype(src.dtype, np.floating):
                sample[src.name] = rng.uniform(low, high, shape).astype(src.dtype)
            else:
                raise UsageError(f"input {src.name} is {src.dtype.name}, which random inputs cannot fill; "
                                 "pass --input_data FILE.npz.")
        samples.append(sample)
    return samples


def load_samples(path, sources, shapes) -> list:
    """The .npz's arrays as one sample, or as N samples when every array has
    one more (leading) axis than its input: the layout of convert's
    --representative_data, so the same file serves both."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} could not be read as an .npz of input arrays: {exc}") from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise InputError(f"{path} is a single .npy array; save the inputs with "
                         "numpy.savez(path, name=array, ...).")
    keys = {strip_index(k): k for k in data.files}
    missing = [s.name for s in sources if s.name not in keys]
    if missing:
        raise UsageError(f"{path} has no array for input(s) {', '.join(missing)} (it has "
                         f"{', '.join(data.files) or 'none'}); key the .npz by input name.")
    arrays = {s.name: np.asarray(data[keys[s.name]]).astype(s.dtype, copy=False) for s in sources}
    stacked = all(arrays[s.name].ndim == len(shapes[s.name]) + 1 for s in sources)
    if not stacked:
        return [arrays]
    counts = {len(array) for array in arrays.values()}
    if len(counts) != 1 or 0 in counts:
        raise UsageError(f"{path} holds {', '.join(f'{n} {len(a)}' for n, a in arrays.items())} samples; "
                         "give every input the same number (the leading axis).")
    return [{name: array[i] for name, array in arrays.items()} for i in range(counts.pop())]


def run_source(runner, samples) -> dict:
    """Source output name -> the outputs of all samples, stacked on a new leading axis."""
    outputs = {t.name: [] for t in runner.outputs}
    for sample in samples:
        for name, value in runner(sample).items():
            outputs[name].append(value)
    return {name: np.stack(values) for name, values in outputs.items()}


def run_tflite(invoke, tflite: TfliteModel, sources, inputs, samples) -> dict:
    """.tflite output index -> the outputs of all samples, stacked; each
    .tflite input fed the sample of the source input mapped to it."""
    outputs = {t.index: [] for t in tflite.outputs}
    for sample in samples:
        feeds = {tflite.inputs[t].index: sample[sources[s].name] for s, t, _ in inputs}
        try:
            result = invoke(feeds)
        except (RuntimeError, ValueError) as exc:
            raise Mismatch(f"the .tflite failed to run on the source's inputs: "
                            f"{str(exc).splitlines()[0]}") from exc
        for index, value in result.items():
            outputs[index].append(value)
    return {index: np.stack(values) for index, values in outputs.items()}
