"""Regenerate the `parse` goldens: tests/testdata/parse/<tool>/<case>.pbtxt.

    .venv/bin/python tests/update_parse_goldens.py

Every input is a real log: the outputs users pasted publicly
(shared/fixtures/real_outputs/) and the outputs of TensorFlow's own tools run on
the shared graphs (shared/fixtures/tf_tools/). Each golden is the parser's
message for its input; review the diff by eye before committing (spot-check
the numbers against the input), since tests/test_parsers.py takes the goldens
as the truth. Also rewrites tests/testdata/parse/README.md, a line per case.

    .venv/bin/python tests/update_parse_goldens.py --unknown

prints every line the parsers keep in `unknown_lines`, per case.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared")
REAL = os.path.join(SHARED, "fixtures", "real_outputs")
TF_TOOLS = os.path.join(SHARED, "fixtures", "tf_tools")
GOLDEN_DIR = os.path.join(ROOT, "tests", "testdata", "parse")
COMMAND = ".venv/bin/python tests/update_parse_goldens.py"

# real_outputs/<dir> -> parser. Converter logs go through the freeze_graph
# parser, which reads Python tracebacks: it extracts their exception.
_REAL_DIRS = {
    "summarize_graph": "summarize_graph",
    "benchmark_model_tf": "benchmark_model",
    "benchmark_model_tflite": "tflite_benchmark_model",
    "freeze_graph_errors": "freeze_graph",
    "tflite_converter_errors": "freeze_graph",
}
# What each real log exercises, by real_outputs/<dir>/<number>.
_NOTES = {
    ("summarize_graph", "01"): "indented paste with its command line; string input `[?]`; 64 op types; no hint",
    ("summarize_graph", "03"): "`$ ` prompt; `shape=None` of older builds",
    ("summarize_graph", "05"): "zsh prompt; `shape=[]`; old hint with `--logtostderr`, empty shape",
    ("summarize_graph", "07"): "47 possible outputs of a training graph; trailing spaces",
    ("summarize_graph", "09"): "`--print_structure`: 37 lines with `value=`; `half(19)` input",
    ("summarize_graph", "11"): "tab-indented paste with `>>` prompt; no inputs; op list hand-wrapped on 4 lines",
    ("summarize_graph", "13"): "Object Detection graph: uint8 `[?,?,?,3]`, 4 outputs, 1536 control edges",
    ("summarize_graph", "15"): "outputs, op list and hint hand-wrapped without `\\`",
    ("summarize_graph", "17"): "queue-fed graph: no inputs, empty `--input_layer=` values",
    ("benchmark_model_tf", "01"): "2017 glog prefixes; command line with stat flags; warmup 2; node-type table only",
    ("benchmark_model_tf", "03"): "pasted from the Average line on: node-type table, short summary, FLOPs",
    ("benchmark_model_tf", "05"): "2018 log behind a shell prompt, cut after the Average line",
    ("benchmark_model_tf", "07"): "middle of a TF 1.3 log, cut inside the node-type table",
    ("benchmark_model_tflite", "01"): "op profiling: exponent avg `2.95034e+06`, memory delta line, two sections",
    ("benchmark_model_tflite", "03"): "op profiling output only; NNAPI delegate rows, names with commas",
    ("benchmark_model_tflite", "05"): "tail: a Stat line without its heading; `Peak memory footprint` line",
    ("benchmark_model_tflite", "07"): "TF ~2.3 full parameter list (`Allow fp16 : [0]`), 65-node profile",
    ("benchmark_model_tflite", "09"): "tail: `Inference timings` and memory delta lines",
    ("benchmark_model_tflite", "11"): "command glued to `STARTING!`; `INFO:` XNNPACK delegate line",
    ("benchmark_model_tflite", "13"): "failure: `ERROR:` op version mismatch, `Benchmarking failed.`",
    ("freeze_graph_errors", "01"): "traceback tail: `AssertionError: logits/BiasAdd:0 is not in graph`",
    ("freeze_graph_errors", "03"): "`DataLossError`: the `checkpoint` file given as the checkpoint",
    ("freeze_graph_errors", "05"): "Windows traceback hard-wrapped at 80 columns: `OSError`",
    ("freeze_graph_errors", "07"): "a lone `DecodeError` line",
    ("tflite_converter_errors", "01"): "TOCO unsupported-ops message (all unknown here)",
    ("tflite_converter_errors", "03"): "TOCO unsupported-ops message, IdentityN (all unknown here)",
    ("tflite_converter_errors", "05"): "MLIR `loc(callsite(...))` errors (all unknown here)",
    ("tflite_converter_errors", "07"): "MLIR flex-ops error line (unknown here)",
    ("tflite_converter_errors", "09"): "toco command with `\\` + `> ` continuations; glog F line -> error",
    ("tflite_converter_errors", "11"): "Keras converter traceback -> `ValueError`; deprecation warnings unknown",
    ("tflite_converter_errors", "13"): "Colab traceback -> `ValueError: Invalid tensors`",
}
# tf_tools/<case>/<file> -> (parser, case-name suffix)
_TF_TOOL_FILES = {
    "summarize_graph.txt": ("summarize_graph", ""),
    "summarize_graph.print_structure.txt": ("summarize_graph", ".print_structure"),
    "summarize_graph.stderr.txt": ("summarize_graph", ".stderr"),
    "summarize_graph.error.txt": ("summarize_graph", ".error"),
    "benchmark_model.stderr.txt": ("benchmark_model", ""),
}


@dataclass(frozen=True)
class Case:
    tool: str
    name: str
    input_path: str
    description: str

    @property
    def golden_path(self) -> str:
        return os.path.join(GOLDEN_DIR, self.tool, self.name + ".pbtxt")

    @property
    def input_label(self) -> str:
        return os.path.relpath(self.input_path, os.path.join(SHARED, "fixtures"))


def cases() -> list[Case]:
    """Every golden case, in a stable order."""
    found = []
    for directory, tool in _REAL_DIRS.items():
        prefix = "converter_" if directory == "tflite_converter_errors" else "real_"
        for path in sorted(glob.glob(os.path.join(REAL, directory, "*.txt"))):
            with open(path, encoding="utf-8") as f:
                first = f.readline().strip()
            source = first[len("# source: "):] if first.startswith("# source: ") else ""
            number = os.path.splitext(os.path.basename(path))[0]
            note = _NOTES.get((directory, number), "")
            found.append(Case(tool, prefix + number, path, f"{note} (source: {source})" if note else source))
    for case_dir in sorted(glob.glob(os.path.join(TF_TOOLS, "*", ""))):
        case = os.path.basename(os.path.dirname(case_dir))
        with open(os.path.join(case_dir, "case.json"), encoding="utf-8") as f:
            description = json.load(f)["description"]
        for file_name, (tool, suffix) in _TF_TOOL_FILES.items():
            path = os.path.join(case_dir, file_name)
            if os.path.exists(path):
                found.append(Case(tool, case + suffix, path, f"{file_name}: {description}"))
    return found


def parse_case(case: Case):
    from tflite_tools import parsers

    with open(case.input_path, encoding="utf-8") as f:
        return parsers.parse(case.tool, f.read())


def render(message) -> str:
    from google.protobuf import text_format

    return text_format.MessageToString(message)


def _readme(all_cases: list[Case]) -> str:
    lines = [
        "# `parse` goldens",
        "",
        "`<tool>/<case>.pbtxt` is the message `tflite-tools parse <tool>` returns for one real log.",
        f"Regenerate all of them with `{COMMAND}` and review the diff by eye.",
        "Inputs are under `shared/fixtures/` (beside the clone): `real_outputs/` holds outputs users",
        "pasted publicly (`real_*` cases; `converter_*` are tflite_convert logs read by the",
        "freeze_graph parser, which extracts a Python traceback's exception), `tf_tools/` the",
        "outputs of TensorFlow 2.21's own summarize_graph and benchmark_model.",
        "",
        "| tool | case | input | what it is |",
        "| --- | --- | --- | --- |",
    ]
    for case in all_cases:
        what = case.description.replace("|", "\\|")
        lines.append(f"| {case.tool} | `{case.name}` | `{case.input_label}` | {what} |")
    return "\n".join(lines) + "\n"


def print_unknown_lines() -> None:
    """Every line the parsers keep as unknown, per case (the issue's "done when" list)."""
    for case in cases():
        message = parse_case(case)
        holders = [message, *getattr(message, "runs", [])]
        unknown = [line for h in holders if "unknown_lines" in h.DESCRIPTOR.fields_by_name
                   for line in h.unknown_lines]
        for line in unknown:
            print(f"{case.tool}/{case.name}: {line}")


def main(argv: list[str]) -> int:
    if argv == ["--unknown"]:
        print_unknown_lines()
        return 0
    all_cases = cases()
    for case in all_cases:
        os.makedirs(os.path.dirname(case.golden_path), exist_ok=True)
        with open(case.golden_path, "w", encoding="utf-8") as f:
            f.write(render(parse_case(case)))
    with open(os.path.join(GOLDEN_DIR, "README.md"), "w", encoding="utf-8") as f:
        f.write(_readme(all_cases))
    print(f"wrote {len(all_cases)} goldens under {os.path.relpath(GOLDEN_DIR, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    sys.exit(main(sys.argv[1:]))
