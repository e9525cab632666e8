"""TF benchmark_model's flags (`TfFlags`) and the inputs they ask for: layer
names, types and shapes resolved against the model, fed zeros with the first
values from --input_layer_values (or the .tflite's values side by side).

An unknown batch dimension (the only unknown one) becomes 1 with a note, the
rule convert and the .tflite side follow; other unknown sizes need
--input_layer_shape."""

from __future__ import annotations

import dataclasses

import numpy as np

from tflite_tools.benchmark import common, step_stats
from tflite_tools.core import dtypes
from tflite_tools.core.names import strip_index
from tflite_tools.errors import UsageError


@dataclasses.dataclass
class TfFlags(step_stats.Options):
    """TF benchmark_model's flags (the --show_* / --*_limit table flags come
    from step_stats.Options). Empty layer flags mean "what the graph says"."""

    input_layer: str = ""
    input_layer_type: str = ""
    input_layer_shape: str = ""
    input_layer_values: str = ""
    output_layer: str = ""
    max_num_runs: int = 1000
    max_time: float = 10.0
    warmup_runs: int = 1
    num_threads: int = -1
    show_flops: bool = False
    inference_delay: float = -1.0
    inter_benchmark_delay: float = -1.0

    def validate(self) -> None:
        if self.warmup_runs < 0:
            raise UsageError(f"--warmup_runs={self.warmup_runs} is negative; give 0 or more")
        common.check_non_negative(max_time=self.max_time)
        for name in ("run_order_limit", "time_limit", "memory_limit"):
            if getattr(self, name) < 0:
                raise UsageError(f"--{name}={getattr(self, name)} is negative; give 0 (every row) "
                                 "or more")
        if self.max_num_runs <= 0 and self.max_time <= 0:
            raise UsageError(f"--max_num_runs={self.max_num_runs} with --max_time={self.max_time} "
                             "would never stop; give --max_num_runs >= 1 or --max_time > 0")


@dataclasses.dataclass
class Layer:
    """One fed input: the name the runner knows it by, numpy dtype name and
    shape; `note` says when the shape is not the model's own."""

    name: str
    dtype: str
    shape: list[int]
    note: str = ""


def _resolve_inputs(runner, flags: TfFlags) -> list[Layer]:
    names = [strip_index(n) for n in common.split_names(flags.input_layer)] or [t.name for t in runner.inputs]
    types = common.split_names(flags.input_layer_type)
    shapes = common.parse_shapes(flags.input_layer_shape)
    for flag, items in (("--input_layer_type", types), ("--input_layer_shape", shapes)):
        if items and len(items) != len(names):
            raise UsageError(f"{flag} has {len(items)} items but there are {len(names)} input layers "
                             f"({', '.join(names)}); give one per input layer")
    known = {t.name: t for t in runner.inputs}
    layers = []
    for i, name in enumerate(names):
        tensor = known[name]
        # numpy holds TF strings as objects
        dtype = "string" if tensor.dtype == object else tensor.dtype.name
        if types:
            try:
                dtype = dtypes.python_name(dtypes.base_enum(dtypes.enum_from_name(types[i])))
            except KeyError:
                raise UsageError(f"--input_layer_type '{types[i]}' is not a TensorFlow type; use "
                                 "float, int32, uint8, int64, bool, ...") from None
        if dtype != "string" and not _numpy_type(dtype):
            raise UsageError(f"input layer '{name}' has type {dtype}, which cannot be fed from Python "
                             "here; use float, int32, uint8, int64, bool or string")
        shape = list(tensor.shape) if tensor.shape is not None else None
        note = ""
        if shapes:
            shape = shapes[i]
        elif shape and _unknown(shape[0]) and not any(_unknown(d) for d in shape[1:]):
            shape, note = [1, *shape[1:]], common.batch_note(name)
        elif shape is None or any(_unknown(d) for d in shape):
            shown = "of unknown rank" if shape is None else "[" + ",".join(
                "?" if d is None or d < 0 else str(d) for d in shape) + "]"
            raise UsageError(f"input layer '{name}' has shape {shown}; give the size to benchmark "
                             "with --input_layer_shape (one entry per input, ':' between inputs)")
        layers.append(Layer(name, dtype, shape, note))
    missing = [t.name for t in runner.inputs if t.name not in names]
    if missing:
        raise UsageError(f"input layer(s) {', '.join(missing)} are not fed; list every input in "
                         "--input_layer")
    return layers


def _unknown(dim) -> bool:
    return dim is None or dim < 0


def _numpy_type(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def make_inputs(layers: list[Layer], values: str) -> dict[str, np.ndarray]:
    """Zeros (empty strings), with the first k elements from --input_layer_values."""
    entries = values.split(":") if values else []
    if entries and len(entries) != len(layers):
        raise UsageError(f"--input_layer_values has {len(entries)} entries but there are "
                         f"{len(layers)} input layers; give one per input, ':' between inputs")
    inputs = {}
    for i, layer in enumerate(layers):
        array = np.zeros(layer.shape, dtype=object if layer.dtype == "string" else layer.dtype)
        if layer.dtype == "string":
            array[...] = b""
        if entries and entries[i]:
            if layer.dtype == "string":
                raise UsageError("--input_layer_values cannot fill string inputs")
            try:
                given = np.array([float(v) for v in entries[i].split(",")]).astype(array.dtype)
            except ValueError:
                raise UsageError(f"--input_layer_values entry '{entries[i]}' is not a comma "
                                 "separated list of numbers") from None
            if given.size > array.size:
                raise UsageError(f"--input_layer_values gives {given.size} values for input "
                                 f"'{layer.name}' of {array.size} elements")
            array.reshape(-1)[: given.size] = given
        inputs[layer.name] = array
    return inputs


def feeds(runner, flags: TfFlags, inputs) -> tuple[list, dict]:
    """(layers, values by layer name) to feed `runner`; `inputs` (side by side) replace the values."""
    layers = _resolve_inputs(runner, flags)
    values = make_inputs(layers, flags.input_layer_values)
    if inputs is not None:
        for name, value in common.match_inputs(inputs, list(values)).items():
            if tuple(value.shape) != values[name].shape:
                raise UsageError(f"the .tflite input for '{name}' has shape {list(value.shape)} but "
                                 f"TensorFlow's is {list(values[name].shape)}; give both the same "
                                 "--input_layer_shape")
            values[name] = np.asarray(value, dtype=values[name].dtype)
    return layers, values
