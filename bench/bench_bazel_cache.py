"""Cold versus cached `bazel build //...` of examples/monorepo (5 conversions, a freeze, 2 summaries).

    .venv/bin/python bench/bench_bazel_cache.py [--repeat N] [--no-remote]

Each round, on its own output base:
  cold    bazel clean, build with an empty disk cache (every action runs)
  disk    bazel clean, build with the disk cache the cold build filled
  remote  a fresh output base, build from a BuildGrid remote cache on loopback
          (filled by the cold build of that round); includes Bazel's start-up
  null    build again with nothing changed
and prints each time with its ratio to the cold build. Times are wall clock
on a shared machine: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
import bazel_helpers as bh  # noqa: E402


def _timed(bazel, *args) -> float:
    start = time.perf_counter()
    bazel(*args)
    return time.perf_counter() - start


def _round(example, scratch: str, remote: bool) -> dict[str, float]:
    disk_cache = os.path.join(scratch, "disk_cache")
    times = {}
    if remote:
        with bh.buildgrid_server(scratch) as (url, _):
            example("clean")
            times["cold"] = _timed(example, "build", "//...", f"--disk_cache={disk_cache}",
                                   f"--remote_cache={url}")
            second = bh.Bazel(example.workspace, os.path.join(scratch, "second_output_base"))
            try:
                times["remote"] = _timed(second, "build", "//...", f"--remote_cache={url}",
                                         "--symlink_prefix=/")
            finally:
                second.shutdown()
    else:
        example("clean")
        times["cold"] = _timed(example, "build", "//...", f"--disk_cache={disk_cache}")
    example("clean")
    times["disk"] = _timed(example, "build", "//...", f"--disk_cache={disk_cache}")
    times["null"] = _timed(example, "build", "//...", f"--disk_cache={disk_cache}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds to run (median is shown)")
    parser.add_argument("--no-remote", dest="remote", action="store_false",
                        help="skip the BuildGrid remote cache round")
    args = parser.parse_args(argv)
    remote = args.remote and os.path.exists(bh.BUILDGRID)

    snapshot = bh.snapshot_checkout()
    bh.make_example_models(snapshot)
    example = bh.Bazel(os.path.join(snapshot, "examples", "monorepo"),
                       os.path.join(bh.cache_root(), "output_base_bench"))
    try:
        example("build", "//...")  # start the server, load and analyse once
        rounds = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="bench_bazel_cache_") as scratch:
                rounds.append(_round(example, scratch, remote))
    finally:
        example.shutdown()

    print(f"bazel build //... of examples/monorepo, {os.cpu_count()} cores, "
          f"median of {args.repeat} round(s)")
    cold = statistics.median(r["cold"] for r in rounds)
    labels = {"cold": "cold (clean, empty cache)", "disk": "clean, --disk_cache hit",
              "remote": "new output base, --remote_cache", "null": "nothing changed"}
    for key, label in labels.items():
        if key not in rounds[0]:
            continue
        seconds = statistics.median(r[key] for r in rounds)
        ratio = "" if key == "cold" else f"  {cold / seconds:6.1f}x faster than cold"
        print(f"  {label:34s} {seconds:7.2f} s{ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
