"""What TF's and TFLite's benchmark_model logs share: the `Stat` line, the
StatSummarizer / op profiling tables with their short summary, HumanReadableNum
values, phase bookkeeping and flag names for the `<Description>: [value]` lines.

See tf-tools-formats.md §2.4 (Stat), §2.5 (tables), §3.4 (op profiling).
"""

from __future__ import annotations

import math
import re

from tflite_tools.core import dtypes
from tflite_tools.parsers import _numbers
from tflite_tools.proto import benchmark_pb2

_STAT_FIELD = re.compile(r"^(count|first|curr|min|max|avg|std)=([-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|nan|-?inf))$")
_ALL_SAME = "(all same)"


def parse_stat(text: str) -> benchmark_pb2.Stat | None:
    """A `Stat<T>::OutputToStream` line, or None when `text` is not one.

    Accepts every era: `count=0`, `count=N curr=X`, `count=N curr=X(all same)`,
    `count= first= curr= min= max= avg= std=` and the old (<= TF 1.3)
    `curr= count= min= max= avg= std=`; avg may be `1.04177e+06`. A line with
    only count/curr means every sample equalled curr, so first/min/max/avg are
    filled with it and `all_same` is set. A value no Stat holds (a count
    past int64, a fraction where an integer belongs) makes it no Stat line.
    """
    all_same = text.endswith(_ALL_SAME)
    body = text[:-len(_ALL_SAME)] if all_same else text
    values = {}
    for token in body.split():
        match = _STAT_FIELD.match(token)
        if not match or match.group(1) in values:
            return None
        name, value = match.groups()
        values[name] = _numbers.real(value) if name == "avg" else _numbers.integer(value)
        if values[name] is None:
            return None
    if "count" not in values:
        return None
    stat = benchmark_pb2.Stat(count=values["count"])
    if stat.count == 0 or "curr" not in values:
        return stat
    for name in ("first", "curr", "min", "max", "std"):
        if name in values:
            setattr(stat, name, values[name])
    if "avg" in values and not math.isnan(values["avg"]):
        stat.avg = values["avg"]  # nan only when count=0; proto equality would break on it
    if "min" not in values:
        stat.all_same = True
        stat.first = stat.min = stat.max = stat.curr
        stat.avg = stat.curr
    return stat


def parse_number(text: str) -> float | None:
    """A %g-printed double ("1041.15", "3.51239e+06"), or None (also for nan)."""
    value = _numbers.real(text)
    return None if value is None or math.isnan(value) else value


_PERCENTILES = re.compile(r"^Percentiles in us: p50=(-?\d+) p90=(-?\d+) p99=(-?\d+)$")
_HUMAN = re.compile(r"^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)([kMBT]?)$")
_UNITS = {"": 1, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def parse_human_readable(text: str) -> int | None:
    """strings::HumanReadableNum back to a number: "238.34k" -> 238340, "1E+15";
    None when it is no such number or past int64."""
    match = _HUMAN.match(text)
    return _numbers.scaled(match.group(1), _UNITS[match.group(2)]) if match else None


_PARAM = re.compile(r"^([^:\[\]]+?)\s*:\s*\[(.*)\]$")


def parse_param_line(text: str) -> tuple[str, str] | None:
    """`<Description>: [<value>]` (also TFLite's `Allow fp16 : [0]`) -> (description, value)."""
    match = _PARAM.match(text)
    return (match.group(1), match.group(2)) if match else None


_BANNER = re.compile(r"^=+ (.+?) =+$")
_NODE_COLUMNS = {
    "[node type]": "node_type", "[start]": "start_ms", "[first]": "first_ms",
    "[avg ms]": "avg_ms", "[%]": "percent", "[cdf%]": "cdf_percent",
    "[mem KB]": "mem_kb", "[times called]": "times_called", "[Name]": "name",
}
_TYPE_COLUMNS = {
    "[Node type]": "node_type", "[count]": "count", "[avg ms]": "avg_ms",
    "[avg %]": "avg_percent", "[cdf %]": "cdf_percent", "[mem KB]": "mem_kb",
    "[times called]": "times_called",
}
_LABEL = re.compile(r"\[[^\]]*\]")
_TEXT_COLUMNS = {"node_type", "name"}
_INT_COLUMNS = {"count", "times_called"}
_NODES_EXECUTED = re.compile(r"^Number of nodes executed: (\d+)$")
_NODES_OBSERVED = re.compile(r"^(\d+) nodes observed$")
_SUBGRAPH_PREFIX = re.compile(r"^Subgraph \(index: \d+\) (?=Timings)")
_TIMINGS = "Timings (microseconds): "
_MEMORY = "Memory (bytes): "


class StatTables:
    """Reads StatSummarizer output line by line into a BenchmarkRun's
    `tables` and `profile_summaries`, under the current section/subgraph."""

    def __init__(self, run: benchmark_pb2.BenchmarkRun):
        self.run = run
        self.section = ""
        self.subgraph = ""
        self._table: benchmark_pb2.StatTable | None = None
        self._columns: list[str] | None = None
        self._type_table = False
        self._title = ""  # of the last banner, until its header arrives

    def start_section(self, section: str) -> None:
        self.section, self.subgraph = section, ""
        self._table = self._columns = None

    def start_subgraph(self, subgraph: str) -> None:
        self.subgraph = subgraph
        self._table = self._columns = None

    def feed(self, text: str) -> bool:
        """Take one line; False when it is not table output."""
        if not text:
            self._columns = None
            return False
        banner = _BANNER.match(text)
        if banner:
            # the table starts at its header: --show_sizes prints a banner over other lines
            self._title, self._table, self._columns = banner.group(1), None, None
            return True
        if self._header(text):
            return True
        if self._columns is not None and self._row(text):
            return True
        return self._short_summary(text)

    def _header(self, text: str) -> bool:
        labels = _LABEL.findall(text)
        if not labels or labels[0] not in ("[node type]", "[Node type]") or _LABEL.sub("", text).strip():
            return False
        self._type_table = labels[0] == "[Node type]"
        known = _TYPE_COLUMNS if self._type_table else _NODE_COLUMNS
        if any(label not in known for label in labels):
            return False
        self._columns = [known[label] for label in labels]
        self._table = self.run.tables.add(title=self._title, section=self.section, subgraph=self.subgraph)
        self._title = ""
        return True

    def _row(self, text: str) -> bool:
        width = len(self._columns)
        if "\t" in text:
            cells = [cell.strip() for cell in text.split("\t")]
            # only the last column (the name) can hold a tab
            cells = cells[:width - 1] + ["\t".join(cells[width - 1:])] if len(cells) > width else cells
        else:  # a paste that turned the tabs into spaces; names may hold spaces
            cells = text.split(None, width - 1)
        if len(cells) != width:
            return False
        row = benchmark_pb2.NodeTypeStat() if self._type_table else benchmark_pb2.NodeStat()
        try:
            for field, cell in zip(self._columns, cells):
                if field in _TEXT_COLUMNS:
                    setattr(row, field, cell)
                elif field in _INT_COLUMNS:
                    setattr(row, field, int(cell))
                else:
                    setattr(row, field, float(cell.rstrip("%")))
        except ValueError:  # a line that only looks like a row
            return False
        (self._table.type_rows if self._type_table else self._table.rows).append(row)
        return True

    def _summary(self) -> benchmark_pb2.ProfileSummary:
        for summary in self.run.profile_summaries:
            if summary.section == self.section and summary.subgraph == self.subgraph:
                return summary
        return self.run.profile_summaries.add(section=self.section, subgraph=self.subgraph)

    def _short_summary(self, text: str) -> bool:
        # TFLite repeats a secondary subgraph's name before its "Timings" line
        text = _SUBGRAPH_PREFIX.sub("", text)
        for pattern, field in ((_NODES_EXECUTED, "nodes_executed"), (_NODES_OBSERVED, "nodes_observed")):
            match = pattern.match(text)
            count = _numbers.integer(match.group(1)) if match else None
            if count is not None:
                setattr(self._summary(), field, count)
                return True
        for prefix, field in ((_TIMINGS, "timings"), (_MEMORY, "memory")):
            if text.startswith(prefix):
                stat = parse_stat(text[len(prefix):])
                if stat is None:
                    return False
                getattr(self._summary(), field).CopyFrom(stat)
                return True
        return False


class Phases:
    """Which benchmark phase each Stat line belongs to.

    A `Running benchmark ...` line announces the phase of the next Stat line;
    logs pasted from the middle have Stat lines with no announcement, which
    `finish` places by matching their average against the summary line.
    """

    def __init__(self, run: benchmark_pb2.BenchmarkRun, order: tuple[str, ...]):
        self.run = run
        self.order = order  # Stat fields of BenchmarkRun in run order
        self.pending: str | None = None
        self.orphans: list[benchmark_pb2.Stat] = []
        self.last: benchmark_pb2.Stat | None = None  # where a percentiles line goes

    def announce(self, phase: str) -> None:
        self.pending = phase

    def next_unannounced(self) -> str:
        """The first phase in run order that has no Stat yet."""
        for phase in self.order:
            if not self.run.HasField(phase):
                return phase
        return self.order[-1]

    def stat(self, stat: benchmark_pb2.Stat) -> None:
        if self.pending is None:
            self.orphans.append(stat)
            self.last = stat
        else:
            self.last = getattr(self.run, self.pending)
            self.last.CopyFrom(stat)
        self.pending = None

    def percentiles(self, text: str) -> bool:
        """tflite-tools' own `Percentiles in us: p50=.. p90=.. p99=..` line
        after a Stat line; False when `text` is not one."""
        match = _PERCENTILES.match(text)
        values = [_numbers.integer(g) for g in match.groups()] if match else [None]
        if self.last is None or None in values:
            return False
        self.last.p50, self.last.p90, self.last.p99 = values
        return True

    def finish(self, summary_avgs: dict[str, float]) -> None:
        """Place orphan Stat lines, then move a Stat whose average contradicts
        the summary line to the phase it matches (a log cut before the warmup
        makes the first announced phase look like the warmup). `summary_avgs`
        maps phase -> the average the summary line printed (TF truncates to
        int, TFLite prints %g)."""
        for stat in self.orphans:
            free = self._free()
            matching = [p for p in free if p in summary_avgs and _close(stat.avg, summary_avgs[p])]
            if matching:
                phase = matching[0]
            elif len(self.orphans) == 1 and len(free) == len(self.order):
                phase = "inference"  # a lone pasted Stat line is the number people quote
            elif free:
                phase = free[0]
            else:
                continue
            getattr(self.run, phase).CopyFrom(stat)
        for phase in self.order:
            stat = getattr(self.run, phase)
            if not self.run.HasField(phase) or phase not in summary_avgs \
                    or _close(stat.avg, summary_avgs[phase]):
                continue
            better = [p for p in self._free() if p in summary_avgs and _close(stat.avg, summary_avgs[p])]
            if better:
                getattr(self.run, better[0]).CopyFrom(stat)
                self.run.ClearField(phase)

    def _free(self) -> list[str]:
        return [p for p in self.order if not self.run.HasField(p)]


def _close(avg: float, printed: float) -> bool:
    return abs(avg - printed) < 1.0 or abs(avg - printed) <= 1e-5 * abs(printed)


def set_parameters(run: benchmark_pb2.BenchmarkRun, logged: dict[str, str],
                   command: dict[str, str]) -> None:
    """Parameters: flags from a pasted command line, overridden by what the log printed."""
    for name, value in {**command, **logged}.items():
        run.parameters[name] = value
    threads = _numbers.integer(run.parameters.get("num_threads", ""), _numbers.INT32)
    if threads is not None:
        run.num_threads = threads


def split_list(value: str) -> list[str]:
    """A logged comma list ("a,b") as names; "" gives none."""
    return [item for item in value.split(",") if item]


def fill_inputs(run: benchmark_pb2.BenchmarkRun) -> None:
    """input_layers/input_shapes/input_types/output_layers from the parameters,
    spelled as the Python engine spells them (types as tf.DType names)."""
    p = run.parameters
    run.input_layers.extend(split_list(p.get("input_layer", "")))
    run.output_layers.extend(split_list(p.get("output_layer", "")))
    if p.get("input_layer_shape"):
        # ":" separates inputs; an empty entry is a scalar (or an unset shape)
        run.input_shapes.extend(p["input_layer_shape"].split(":"))
    for name in split_list(p.get("input_layer_type", "")):
        try:
            run.input_types.append(dtypes.python_name(dtypes.base_enum(dtypes.enum_from_name(name))))
        except KeyError:  # benchmark_model would have refused it; keep what was logged
            run.input_types.append(name)


def finish(run, phases, summary_avgs: dict, logged: dict, command: dict,
           errors: list) -> benchmark_pb2.BenchmarkResult:
    """Close a parsed log: assign the Stat lines to phases, merge logged and
    command-line parameters, and wrap the run. The averages stay what the
    summary line printed (unset without one): nothing is made up."""
    phases.finish(summary_avgs)
    set_parameters(run, logged, command)
    run.model_path = run.parameters.get("graph", run.model_path)
    fill_inputs(run)
    run.error = "\n".join(errors)
    return benchmark_pb2.BenchmarkResult(runs=[run])
