"""Timing statistics the way TensorFlow's benchmark tools keep and print them.

`Stat` summarises int64 samples (microseconds) like TF's `Stat<int64_t>`
(tensorflow/core/util/stats_calculator.h), plus nearest-rank p50/p90/p99. `format_stat` prints a `benchmark_pb2.Stat` exactly like
`Stat::OutputToStream`, so scripts grepping the TF tools' lines keep working:

    >>> format_stat(Stat([172, 46, 61]).to_proto())
    'count=3 first=172 curr=61 min=46 max=172 avg=93 std=56'
"""

from __future__ import annotations

import math

from tflite_tools.proto import benchmark_pb2


def format_g(value: float) -> str:
    """A double as C++ ostream prints it by default (`%g`: 6 significant digits)."""
    return "%g" % value


class Stat:
    """int samples with TF's Stat<int64_t> summary (count/first/newest/min/max/avg/std).

    `update` only appends, so timing loops pay as little as possible; the
    summary is computed when asked for.
    """

    def __init__(self, samples=()):
        self.samples: list[int] = [int(v) for v in samples]

    def update(self, value: int) -> None:
        self.samples.append(int(value))

    @property
    def sum(self) -> int:
        return sum(self.samples)

    @property
    def count(self) -> int:
        return len(self.samples)

    @property
    def avg(self) -> float:
        return self.sum / self.count if self.samples else math.nan

    @property
    def all_same(self) -> bool:
        return bool(self.samples) and min(self.samples) == max(self.samples)

    @property
    def std(self) -> int:
        """sqrt of the population variance, truncated to an int as TF's ValueType."""
        if not self.samples or self.all_same:
            return 0
        variance = sum(v * v for v in self.samples) / self.count - self.avg * self.avg
        return int(math.sqrt(max(variance, 0.0)))

    def percentile(self, percent: float) -> int:
        """Nearest-rank percentile of the samples (0 when there are none)."""
        if not self.samples:
            return 0
        ordered = sorted(self.samples)
        rank = math.ceil(percent / 100.0 * len(ordered))
        return ordered[min(max(rank, 1), len(ordered)) - 1]

    def to_proto(self) -> benchmark_pb2.Stat:
        stat = benchmark_pb2.Stat(count=self.count)
        if not self.samples:
            return stat
        stat.first = self.samples[0]
        stat.curr = self.samples[-1]
        stat.min = min(self.samples)
        stat.max = max(self.samples)
        stat.avg = self.avg
        stat.std = self.std
        stat.p50 = self.percentile(50)
        stat.p90 = self.percentile(90)
        stat.p99 = self.percentile(99)
        stat.all_same = self.all_same
        return stat


def format_stat(stat: benchmark_pb2.Stat) -> str:
    """`Stat<T>::OutputToStream`: the one-line summary the TF tools log."""
    if stat.count == 0:
        return "count=0"
    if stat.all_same or stat.min == stat.max:
        # TF prints "(all same)" glued to the value, and only for more than one run.
        return f"count={stat.count} curr={stat.curr}" + ("(all same)" if stat.count > 1 else "")
    return (f"count={stat.count} first={stat.first} curr={stat.curr} min={stat.min} "
            f"max={stat.max} avg={format_g(stat.avg)} std={stat.std}")


def format_percentiles(stat: benchmark_pb2.Stat) -> str:
    """Our own addition after the Stat line: `p50=… p90=… p99=…` (empty if no runs)."""
    if stat.count == 0:
        return ""
    return f"p50={stat.p50} p90={stat.p90} p99={stat.p99}"
