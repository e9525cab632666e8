"""Stand-in for tensorflow/lite/tools/benchmark:benchmark_model (see BUILD).

Flags as TFLite's tool spells them (--name=value only): --graph,
--num_runs (50), --warmup_runs (1), --num_threads (-1), --run_delay (-1:
seconds slept between runs). Logs to stdout with TFLite's "INFO: " prefix in
the current format (STARTING!, the parameters, the Stat lines, "Inference
timings in us: ..."). Exit status 1 after "Benchmarking failed.".
"""

import os
import sys
import time

_DEFAULTS = {"graph": "", "num_runs": "50", "warmup_runs": "1", "num_threads": "-1", "run_delay": "-1"}


def _log(message):
    print("INFO: " + message, flush=True)


def _stat(samples):
    """Stat<int64>::OutputToStream."""
    if not samples:
        return "count=0"
    newest = samples[-1]
    if min(samples) == max(samples):
        return f"count={len(samples)} curr={newest}" + ("(all same)" if len(samples) > 1 else "")
    avg = sum(samples) / len(samples)
    std = int((sum((s - avg) ** 2 for s in samples) / len(samples)) ** 0.5)
    return (f"count={len(samples)} first={samples[0]} curr={newest} min={min(samples)} "
            f"max={max(samples)} avg={avg:g} std={std}")


def _parse(argv):
    flags = dict(_DEFAULTS)
    for arg in argv:
        name, eq, value = arg[2:].partition("=")
        if not arg.startswith("--") or not eq or name not in flags:
            print(f"ERROR: Failed to parse flag '{name}' against argv '{arg}'", flush=True)
            return None
        flags[name] = value
    return flags


def _time_runs(interpreter, runs, delay):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        interpreter.invoke()
        samples.append(int((time.perf_counter() - start) * 1e6))
        if delay > 0:
            time.sleep(delay)
    return samples


def main(argv):
    print("INFO: STARTING!", flush=True)
    flags = _parse(argv)
    if flags is None:
        print("ERROR: Benchmarking failed.", flush=True)
        return 1
    _log("Log parameter values verbosely: [0]")
    _log(f"Num threads: [{flags['num_threads']}]")
    _log(f"Graph: [{flags['graph']}]")
    if not os.path.isfile(flags["graph"]):
        print(f"ERROR: Could not open '{flags['graph']}'.", flush=True)
        print("ERROR: Benchmarking failed.", flush=True)
        return 1
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    _log(f"Loaded model {flags['graph']}")
    _log(f"The input model file size (MB): {os.path.getsize(flags['graph']) / 1e6:g}")
    start = time.perf_counter()
    threads = int(flags["num_threads"])
    interpreter = Interpreter(model_path=flags["graph"], num_threads=threads if threads > 0 else None)
    interpreter.allocate_tensors()
    init_us = int((time.perf_counter() - start) * 1e6)
    _log(f"Initialized session in {init_us / 1000:g}ms.")
    delay = float(flags["run_delay"])
    warmup_runs, num_runs = int(flags["warmup_runs"]), int(flags["num_runs"])
    _log(f"Running benchmark for at least {warmup_runs} iterations and at least 0.5 seconds "
         "but terminate if exceeding 150 seconds.")
    warmup = _time_runs(interpreter, warmup_runs, delay)
    _log(_stat(warmup) + "\n")
    _log(f"Running benchmark for at least {num_runs} iterations and at least 1 seconds "
         "but terminate if exceeding 150 seconds.")
    inference = _time_runs(interpreter, num_runs, delay)
    _log(_stat(inference) + "\n")
    first = warmup[0] if warmup else (inference[0] if inference else 0)
    warmup_avg = sum(warmup) / len(warmup) if warmup else float("nan")
    inference_avg = sum(inference) / len(inference) if inference else float("nan")
    _log(f"Inference timings in us: Init: {init_us}, First inference: {first}, "
         f"Warmup (avg): {warmup_avg:g}, Inference (avg): {inference_avg:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
