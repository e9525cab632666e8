"""Benchmark a .tflite model like TFLite's benchmark_model, with ai_edge_litert.

`run(path, TfliteFlags(...)) -> benchmark_pb2.BenchmarkRun`. The loop follows
BenchmarkModel::Run: init (interpreter, resize, allocate), a warmup phase of at
least `warmup_runs` runs and `warmup_min_secs` seconds, then at least
`num_runs` runs and `min_secs` seconds; no run starts after `max_secs`.
Inputs are random like the C++ tool (float in [-0.5, 0.5], int32/int64 in
[0, 99], uint8 [0, 254], int8 [-127, 127], bool {0, 1}) unless
`--input_layer_value_range` or `--input_layer_value_files` say otherwise.
An input with an unknown batch (-1 in its shape signature) runs with 1, noted.

Per-op profiling is not possible here: the Python Interpreter exposes no
profiler hook, so `enable_op_profiling=True` is refused rather than faked.
"""

from __future__ import annotations

import dataclasses
import os
import time
from importlib import metadata
from typing import Mapping, Optional

import numpy as np

from tflite_tools.benchmark import common
from tflite_tools.benchmark.stat import Stat
from tflite_tools.errors import InputError, UsageError, unknown_name_error
from tflite_tools.proto import benchmark_pb2

OP_PROFILING_UNAVAILABLE = (
    "--enable_op_profiling is not available from Python: ai_edge_litert's Interpreter has no "
    "profiler hook; run TFLite's C++ benchmark_model with --enable_op_profiling=true and read "
    "its log with 'tflite-tools parse'")

# TFLite benchmark_model's default random ranges (inclusive) by numpy dtype.
_INT_RANGES = {"int32": (0, 99), "int64": (0, 99), "int16": (0, 99),
               "uint8": (0, 254), "int8": (-127, 127), "bool": (0, 1)}


@dataclasses.dataclass
class TfliteFlags:
    """TFLite benchmark_model's flags that the Python runtime can honour."""

    num_threads: int = -1
    num_runs: int = 50
    min_secs: float = 1.0
    max_secs: float = 150.0
    warmup_runs: int = 1
    warmup_min_secs: float = 0.5
    run_delay: float = -1.0
    input_layer: str = ""
    input_layer_shape: str = ""
    input_layer_value_range: str = ""
    input_layer_value_files: str = ""
    # None: the runtime's default (XNNPACK applied implicitly); False: disabled.
    use_xnnpack: Optional[bool] = None
    enable_op_profiling: bool = False

    def validate(self) -> None:
        common.check_positive(num_runs=self.num_runs)
        if self.warmup_runs < 0:
            raise UsageError(f"--warmup_runs={self.warmup_runs} is negative; give 0 or more")
        common.check_non_negative(min_secs=self.min_secs, max_secs=self.max_secs,
                                  warmup_min_secs=self.warmup_min_secs)
        if self.enable_op_profiling:
            raise UsageError(OP_PROFILING_UNAVAILABLE)


def _op_resolver(use_xnnpack: Optional[bool]):
    from ai_edge_litert.interpreter import OpResolverType  # noqa: PLC0415 (keeps --help light)

    # XNNPACK is one of the runtime's default delegates: BUILTIN applies it,
    # BUILTIN_WITHOUT_DEFAULT_DELEGATES is how TFLite's --use_xnnpack=false disables it.
    if use_xnnpack is False:
        return OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    return OpResolverType.BUILTIN if use_xnnpack else OpResolverType.AUTO


def make_interpreter(path: str, flags: TfliteFlags):
    """An allocated Interpreter with inputs resized per --input_layer(_shape)."""
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    try:
        interpreter = Interpreter(model_path=path,
                                  num_threads=flags.num_threads if flags.num_threads > 0 else None,
                                  experimental_op_resolver_type=_op_resolver(flags.use_xnnpack))
    except (ValueError, RuntimeError) as exc:
        raise InputError(f"{path} could not be loaded as a .tflite model ({exc}); "
                         "check the file is a TFLite flatbuffer") from None
    for detail, shape in _requested_shapes(interpreter, flags).items():
        interpreter.resize_tensor_input(detail, shape, strict=False)
    try:
        interpreter.allocate_tensors()
    except RuntimeError as exc:
        raise _allocation_error(path, exc) from None
    return interpreter


def _allocation_error(path: str, exc: Exception) -> UsageError:
    from tflite_tools.runners.tflite_runner import TfliteModel  # noqa: PLC0415

    facts = TfliteModel.from_path(path)
    if facts.flex_ops:
        return UsageError(f"{path} needs the Flex delegate for select TF ops "
                          f"({', '.join(facts.flex_ops)}), which ai_edge_litert's interpreter does not "
                          "include; benchmark the TensorFlow model, or use TFLite's C++ "
                          "benchmark_model built with Flex")
    if facts.custom_ops:
        return UsageError(f"{path} uses custom ops ({', '.join(facts.custom_ops)}) this interpreter "
                          "has no kernels for; benchmark it where they are registered")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return UsageError(f"the model cannot run with the input shapes given ({first}); "
                      "check --input_layer_shape")


def _input_names(interpreter) -> list[str]:
    return [d["name"] for d in interpreter.get_input_details()]


def _by_name(interpreter, names: list[str], flag: str) -> list[dict]:
    details = {d["name"]: d for d in interpreter.get_input_details()}
    for name in names:
        if name not in details:
            raise unknown_name_error("input layer", name, details, flag)
    return [details[name] for name in names]


def _requested_shapes(interpreter, flags: TfliteFlags) -> dict[int, list[int]]:
    """Input index -> shape from --input_layer/--input_layer_shape (in model order if no names)."""
    shapes = common.parse_shapes(flags.input_layer_shape)
    names = common.split_names(flags.input_layer)
    if names:
        details = _by_name(interpreter, names, "--input_layer")
    else:
        details = interpreter.get_input_details()
    if not shapes:
        return {}
    if len(shapes) != len(details):
        raise UsageError(f"--input_layer_shape has {len(shapes)} entries but there are "
                         f"{len(details)} input layers ({', '.join(d['name'] for d in details)}); "
                         "give one shape per input, separated by ':'")
    return {d["index"]: shape for d, shape in zip(details, shapes)}


def _value_ranges(interpreter, value: str) -> dict[str, tuple[float, float]]:
    ranges = {}
    for entry in filter(None, value.split(":")):
        parts = entry.split(",")
        try:
            name, low, high = parts[0], float(parts[1]), float(parts[2])
            if len(parts) != 3:
                raise ValueError
        except (ValueError, IndexError):
            raise UsageError(f"--input_layer_value_range entry '{entry}' is not name,low,high; "
                             "write it like --input_layer_value_range=input,0,254") from None
        if low > high:
            raise UsageError(f"--input_layer_value_range entry '{entry}' has low > high")
        _by_name(interpreter, [name], "--input_layer_value_range")
        ranges[name] = (low, high)
    return ranges


def _value_files(interpreter, value: str) -> dict[str, str]:
    """`name:path,name2:path2` with `::` escaping a ':' inside a name."""
    files = {}
    for entry in filter(None, value.split(",")):
        escaped = entry.replace("::", "\0")
        if ":" not in escaped:
            raise UsageError(f"--input_layer_value_files entry '{entry}' is not name:path")
        name, path = (part.replace("\0", ":") for part in escaped.split(":", 1))
        _by_name(interpreter, [name], "--input_layer_value_files")
        files[name] = path
    return files


def _random_input(detail: dict, value_range, rng: np.random.Generator) -> np.ndarray:
    dtype = np.dtype(detail["dtype"])
    shape = tuple(int(d) for d in detail["shape"])
    if dtype.kind == "f":
        low, high = value_range or (-0.5, 0.5)
        return rng.uniform(low, high, size=shape).astype(dtype)
    if dtype.name in _INT_RANGES:
        low, high = value_range or _INT_RANGES[dtype.name]
        return rng.integers(int(low), int(high), size=shape, endpoint=True).astype(dtype)
    raise UsageError(f"input '{detail['name']}' has type {dtype.name}, which the benchmark cannot "
                     "fill with random values; give it with --input_layer_value_files")


def _file_input(detail: dict, path: str) -> np.ndarray:
    dtype = np.dtype(detail["dtype"])
    shape = tuple(int(d) for d in detail["shape"])
    try:
        data = open(path, "rb").read()
    except OSError as exc:
        raise InputError(f"--input_layer_value_files: cannot read {path} ({exc.strerror})") from None
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise InputError(f"--input_layer_value_files: {path} has {len(data)} bytes but input "
                         f"'{detail['name']}' {list(shape)} {dtype.name} needs {expected}")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def make_inputs(interpreter, flags: TfliteFlags, seed: int = 0) -> dict[str, np.ndarray]:
    """Input name -> value, per the value-range / value-file flags and TFLite's defaults."""
    ranges = _value_ranges(interpreter, flags.input_layer_value_range)
    files = _value_files(interpreter, flags.input_layer_value_files)
    rng = np.random.default_rng(seed)
    inputs = {}
    for detail in interpreter.get_input_details():
        name = detail["name"]
        inputs[name] = (_file_input(detail, files[name]) if name in files
                        else _random_input(detail, ranges.get(name), rng))
    return inputs


def timed_runs(invoke, min_runs: int, min_secs: float, max_secs: float, delay: float,
               phase: str, progress: Optional[common.Progress]) -> Stat:
    """BenchmarkModel::Run's loop: at least min_runs and min_secs, none started after max_secs."""
    clock = time.perf_counter_ns
    durations = []
    record = durations.append
    start = now = clock()
    min_finish = start + int(min_secs * 1e9)
    max_finish = start + int(max_secs * 1e9)
    runs = 0
    while (runs < min_runs or now < min_finish) and now <= max_finish:
        begin = clock()
        invoke()
        now = clock()
        record(now - begin)
        runs += 1
        if delay > 0:  # TF's -1 default: no sleep
            time.sleep(delay)
            now = clock()
        if progress is not None:
            progress(phase, runs, (now - start) / 1e9)
    return Stat(d // 1000 for d in durations)


def _batch_notes(details: list[dict], requested: dict) -> list[str]:
    """The TF side's note for inputs whose batch is unknown (-1 in the shape
    signature) and not given: the interpreter runs them with 1."""
    return [common.batch_note(d["name"]) for d in details
            if d["index"] not in requested and len(d.get("shape_signature", ())) > 0
            and d["shape_signature"][0] < 0 and d["shape"][0] == 1]


def _delegates(interpreter) -> list[str]:
    # The runtime's only default delegate is XNNPACK; once applied, its
    # partitions show up as DELEGATE nodes in the execution plan.
    ops = interpreter._get_ops_details()  # noqa: SLF001 (the only public-enough view of the plan)
    return ["XNNPACK"] if any(op["op_name"] == "DELEGATE" for op in ops) else []


def run(path: str, flags: Optional[TfliteFlags] = None, *,
        inputs: Optional[Mapping[str, np.ndarray]] = None,
        progress: Optional[common.Progress] = None) -> benchmark_pb2.BenchmarkRun:
    """Benchmark the .tflite at `path`.

    Args:
      inputs: values by input name to use instead of generated ones (side by side).
      progress: called after every run (see benchmark.common.Progress).
    Raises:
      UsageError for bad flag values or names, InputError for an unreadable model.
    """
    flags = flags or TfliteFlags()
    flags.validate()
    if not os.path.isfile(path):
        raise InputError(f"{path} does not exist; give the path of a .tflite file")
    memory = common.MemoryProbe.start()
    started = time.perf_counter_ns()
    interpreter = make_interpreter(path, flags)
    init_us = (time.perf_counter_ns() - started) // 1000
    memory.mark_init()

    values = dict(inputs) if inputs is not None else make_inputs(interpreter, flags)
    details = interpreter.get_input_details()
    for detail in details:
        interpreter.set_tensor(detail["index"], np.asarray(values[detail["name"]], dtype=detail["dtype"]))

    invoke = interpreter.invoke
    try:
        warmup = timed_runs(invoke, flags.warmup_runs, flags.warmup_min_secs, flags.max_secs,
                            flags.run_delay, "warmup", progress)
        inference = timed_runs(invoke, flags.num_runs, flags.min_secs, flags.max_secs,
                               flags.run_delay, "inference", progress)
    except RuntimeError as exc:
        raise UsageError(f"the TFLite interpreter failed to run {path}: "
                         f"{str(exc).strip().splitlines()[0]}") from None

    result = benchmark_pb2.BenchmarkRun(
        runtime="tflite", model_path=path, model_size_bytes=os.path.getsize(path),
        init_us=init_us, warmup=warmup.to_proto(), inference=inference.to_proto(),
        memory=memory.finish(), num_threads=flags.num_threads,
        engine=f"ai_edge_litert {metadata.version('ai-edge-litert')} Interpreter",
        delegates=_delegates(interpreter), input_layers=_input_names(interpreter),
        input_shapes=[",".join(str(d) for d in detail["shape"]) for detail in details],
        input_types=[np.dtype(detail["dtype"]).name for detail in details],
        output_layers=[d["name"] for d in interpreter.get_output_details()])
    result.notes.extend(_batch_notes(details, _requested_shapes(interpreter, flags)))
    first = warmup if warmup.count else inference
    result.first_inference_us = first.samples[0] if first.count else 0
    result.warmup_avg_us = warmup.avg if warmup.count else 0.0
    result.inference_avg_us = inference.avg
    return result
