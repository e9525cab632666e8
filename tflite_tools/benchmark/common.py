"""What both benchmark engines share: flag-value parsing, memory probes, the
progress callback protocol and the sleep between runs.

Flag values keep the TF tools' spelling: lists are comma separated, one
entry per input separated by `:` (`--input_layer_shape=1,28,28,1:1,4`).
Parsing errors are `UsageError`s naming the flag.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import time
from typing import Callable, Mapping, Optional

import numpy as np

from tflite_tools.errors import UsageError
from tflite_tools.proto import benchmark_pb2

# progress(phase, runs_done, elapsed_seconds): called after every run, outside
# the timed region; phase is "warmup", "inference" or (TF) "with stats".
Progress = Callable[[str, int, float], None]


def split_names(value: str) -> list[str]:
    """`a,b` -> ["a", "b"]; empty string -> []."""
    return [item.strip() for item in value.split(",")] if value else []


def parse_shapes(value: str, flag: str = "--input_layer_shape") -> list[list[int]]:
    """`1,28,28,1:1,4` -> [[1, 28, 28, 1], [1, 4]]; `""` -> []; a lone empty entry is a scalar."""
    if not value:
        return []
    shapes = []
    for entry in value.split(":"):
        try:
            dims = [int(d) for d in entry.split(",")] if entry.strip() else []
        except ValueError:
            raise UsageError(f"{flag} entry '{entry}' is not a comma separated list of integers; "
                             f"write it like {flag}=1,224,224,3") from None
        if any(d < 0 for d in dims):
            raise UsageError(f"{flag} entry '{entry}' has an unknown (-1) size; replace it with the "
                             "size you want to benchmark with")
        shapes.append(dims)
    return shapes


def batch_note(name: str) -> str:
    """The one rule for an unknown batch dimension, as both engines print it."""
    return (f"batch dimension of '{name}' is unknown in the model: benchmarked with 1; pass "
            "--input_layer_shape to choose another")


def check_non_negative(**values: float) -> None:
    """Each named value (flag name -> value) must be >= 0."""
    for name, value in values.items():
        if value < 0:
            raise UsageError(f"--{name}={value} is negative; give a number of seconds >= 0")


def check_positive(**values: int) -> None:
    """Each named value (flag name -> value) must be >= 1."""
    for name, value in values.items():
        if value < 1:
            raise UsageError(f"--{name}={value} must be at least 1")


def _plain_name(name: str) -> str:
    """How the converter renames inputs: "serving_default_x:0" and "x:0" are "x"."""
    name = name[:-2] if name.endswith(":0") else name
    return name.removeprefix("serving_default_")


def match_inputs(given: Mapping[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """Values for `names` taken from `given`, keyed by another model's input
    names (a .tflite's): by name up to the converter's renaming, else by position."""
    by_name = {_plain_name(k): v for k, v in given.items()}
    if all(_plain_name(n) in by_name for n in names):
        return {n: by_name[_plain_name(n)] for n in names}
    if len(given) == len(names):
        return dict(zip(names, given.values()))
    raise UsageError(f"the .tflite has inputs {', '.join(given)} but the TensorFlow model "
                     f"{', '.join(names)}; compare models with the same inputs")


def sleep(seconds: float) -> None:
    """The TF tools' delay flags: a value <= 0 (default -1) means no sleep."""
    if seconds > 0:
        time.sleep(seconds)


def _current_rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclasses.dataclass
class MemoryProbe:
    """Memory growth from `start()`, like TFLite's "Memory footprint delta".

    init_mb and overall_mb are growth of the peak RSS (ru_maxrss) at the end
    of init and of the run; rss_growth_mb is growth of the current RSS. A
    process whose peak was already higher (TensorFlow imported earlier) shows
    0 peak growth: the same caveat TFLite prints.
    """

    start_peak: int = 0
    start_rss: int = 0
    init_peak: Optional[int] = None

    @classmethod
    def start(cls) -> "MemoryProbe":
        return cls(start_peak=_peak_rss_bytes(), start_rss=_current_rss_bytes())

    def mark_init(self) -> None:
        self.init_peak = _peak_rss_bytes()

    def finish(self) -> benchmark_pb2.Memory:
        mb = 1024.0 * 1024.0
        peak = _peak_rss_bytes()
        init_peak = self.init_peak if self.init_peak is not None else peak
        return benchmark_pb2.Memory(
            init_mb=(init_peak - self.start_peak) / mb,
            overall_mb=(peak - self.start_peak) / mb,
            peak_mb=peak / mb,
            rss_growth_mb=(_current_rss_bytes() - self.start_rss) / mb,
        )
