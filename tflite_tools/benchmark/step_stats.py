"""TF benchmark_model's StatSummarizer: per-node tables from FULL_TRACE step stats.

`summarize(step_stats_list)` turns the StepStats of the with-stats runs into
`benchmark_pb2.StatTable`s ("Run Order", "Top by Computation Time", "Top by
Memory Use", "Summary by node type") and a `ProfileSummary`, following
StatSummarizer::ProcessStepStats and StatsCalculator (xla/tsl/util); the
`format_*` functions print them in the current tools' layout (node-type
column 40 wide, no [start] column). Only numbers TF derives from the same
samples are reproduced; row order among equal values may differ from TF's,
which breaks ties by pointer.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from tflite_tools.benchmark.stat import Stat, format_stat
from tflite_tools.proto import benchmark_pb2

NODE_TYPE_WIDTH = 40


@dataclasses.dataclass
class Options:
    """StatSummarizerOptions as benchmark_model's --show_* / --*_limit flags set
    them (same defaults); a limit of 0 means every row."""

    show_run_order: bool = True
    run_order_limit: int = 0
    show_time: bool = True
    time_limit: int = 10
    show_memory: bool = True
    memory_limit: int = 10
    show_type: bool = True
    show_summary: bool = True


@dataclasses.dataclass
class _Node:
    name: str
    type: str
    run_order: int
    elapsed: Stat = dataclasses.field(default_factory=Stat)
    memory: Stat = dataclasses.field(default_factory=Stat)
    times_called: int = 0


def _op_type(device: str, label: str) -> str:
    """The op from a timeline label "name = Op(inputs)"; "<>" when there is none."""
    if "/stream" in device or "/memcpy" in device:
        return "<>"
    _, sep, rest = label.partition(" = ")
    if not sep or "(" not in rest:
        return "<>"
    return rest[:rest.index("(")]


def summarize(step_stats_list, options: Options = Options()
              ) -> tuple[list, list[benchmark_pb2.ProfileSummary]]:
    """(StatTables, [ProfileSummary] or []) for the StepStats of every traced
    run, with the tables and summary `options` ask for."""
    nodes: dict[str, _Node] = {}
    run_totals, run_memory = Stat(), Stat()
    for step_stats in step_stats_list:
        total_us = memory_total = order = 0
        for device in step_stats.dev_stats:
            if ("/stream" in device.device and "/stream:all" not in device.device) \
                    or "/host:CPU" in device.device:
                continue
            for stats in device.node_stats:
                order += 1
                elapsed = stats.all_end_rel_micros
                node_memory = sum(m.total_bytes for m in stats.memory)
                node = nodes.setdefault(stats.node_name, _Node(
                    stats.node_name, _op_type(device.device, stats.timeline_label), order))
                node.elapsed.update(elapsed)
                node.memory.update(node_memory)
                node.times_called += 1
                total_us += elapsed
                memory_total += node_memory
        run_totals.update(total_us)
        run_memory.update(memory_total)
    runs = max(run_totals.count, 1)
    total = run_totals.sum or 1
    tables = []
    if options.show_run_order:
        tables.append(_node_table("Run Order", sorted(nodes.values(), key=lambda n: n.run_order),
                                  options.run_order_limit, runs, total))
    if options.show_time:
        tables.append(_node_table("Top by Computation Time",
                                  sorted(nodes.values(), key=lambda n: n.elapsed.avg, reverse=True),
                                  options.time_limit, runs, total))
    if options.show_memory:
        tables.append(_node_table("Top by Memory Use",
                                  sorted(nodes.values(), key=lambda n: n.memory.avg, reverse=True),
                                  options.memory_limit, runs, total))
    if options.show_type:
        tables.append(_type_table(nodes.values(), runs))
    summaries = [benchmark_pb2.ProfileSummary(
        timings=run_totals.to_proto(), memory=run_memory.to_proto(), nodes_observed=len(nodes),
        nodes_executed=len(nodes))] if options.show_summary else []
    return tables, summaries


def _node_table(title: str, ordered, limit: int, runs: int, total: int) -> benchmark_pb2.StatTable:
    table = benchmark_pb2.StatTable(title=title)
    cumulative = 0
    for node in ordered[:limit or None]:
        cumulative += node.elapsed.sum
        table.rows.add(node_type=node.type, first_ms=node.elapsed.samples[0] / 1000.0,
                       avg_ms=node.elapsed.avg / 1000.0, percent=node.elapsed.sum * 100.0 / total,
                       cdf_percent=cumulative * 100.0 / total,
                       mem_kb=node.memory.samples[-1] / 1000.0,
                       times_called=node.times_called // runs, name=node.name)
    return table


def _type_table(nodes, runs: int) -> benchmark_pb2.StatTable:
    count, time_us, memory, called = {}, {}, {}, {}
    for node in nodes:
        per_run = node.elapsed.sum // runs
        count[node.type] = count.get(node.type, 0) + 1
        time_us[node.type] = time_us.get(node.type, 0) + per_run
        memory[node.type] = memory.get(node.type, 0) + node.memory.samples[-1]
        called[node.type] = called.get(node.type, 0) + node.times_called // runs
    accumulated = np.float32(sum(time_us.values()) or 1)
    table = benchmark_pb2.StatTable(title="Summary by node type")
    cdf = np.float32(0)
    # Descending time, ties by descending type name then memory (a max-heap of pairs).
    for node_type in sorted(time_us, key=lambda t: (time_us[t], t, memory[t]), reverse=True):
        # TF computes these in float32; so do we, to print the same digits.
        percent = np.float32(time_us[node_type]) / accumulated * np.float32(100)
        cdf = np.float32(cdf + percent)
        table.type_rows.add(node_type=node_type, count=count[node_type],
                            avg_ms=float(np.float32(time_us[node_type]) / np.float32(1000)),
                            avg_percent=float(percent), cdf_percent=float(cdf),
                            mem_kb=float(np.float32(memory[node_type]) / np.float32(1000)),
                            times_called=called[node_type])
    return table


def _field(value, width: int) -> str:
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    return "\t" + text.rjust(width)


def format_table(table: benchmark_pb2.StatTable) -> list[str]:
    """A table as StatsCalculator prints it (tab-separated, right-justified)."""
    lines = [f"============================== {table.title} =============================="]
    if table.type_rows or table.title == "Summary by node type":
        lines.append(_field("[Node type]", NODE_TYPE_WIDTH) + _field("[count]", 9)
                     + _field("[avg ms]", 10) + _field("[avg %]", 11) + _field("[cdf %]", 11)
                     + _field("[mem KB]", 10) + _field("[times called]", 10))
        for row in table.type_rows:
            lines.append(_field(row.node_type, NODE_TYPE_WIDTH) + _field(row.count, 9)
                         + _field(row.avg_ms, 10) + _field(row.avg_percent, 10) + "%"
                         + _field(row.cdf_percent, 10) + "%" + _field(row.mem_kb, 10)
                         + _field(row.times_called, 9))
        return lines + [""]
    lines.append(_field("[node type]", NODE_TYPE_WIDTH) + _field("[first]", 9) + _field("[avg ms]", 9)
                 + _field("[%]", 8) + _field("[cdf%]", 8) + _field("[mem KB]", 10)
                 + _field("[times called]", 9) + "\t[Name]")
    for row in table.rows:
        lines.append(_field(row.node_type, NODE_TYPE_WIDTH) + _field(row.first_ms, 9)
                     + _field(row.avg_ms, 9) + _field(row.percent, 7) + "%"
                     + _field(row.cdf_percent, 7) + "%" + _field(row.mem_kb, 10)
                     + _field(row.times_called, 9) + "\t" + row.name)
    return lines + [""]


def format_summary(summary: benchmark_pb2.ProfileSummary) -> list[str]:
    """The short summary after the tables, then its blank line."""
    return [f"Timings (microseconds): {format_stat(summary.timings)}",
            f"Memory (bytes): {format_stat(summary.memory)}",
            f"{summary.nodes_observed} nodes observed", ""]
