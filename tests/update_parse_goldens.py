"""Regenerate the `parse` goldens: tests/testdata/parse/<tool>/<case>.pbtxt.

    .venv/bin/python tests/update_parse_goldens.py

Every input is a real log: the outputs users pasted publicly
(shared/fixtures/real_outputs/) and the outputs of TensorFlow's own tools run on
the shared graphs (shared/fixtures/tf_tools/). Each golden is the parser's
message for its input; review the diff by eye before committing (spot-check
the numbers against the input), since tests/test_parsers.py takes the goldens
as the truth. Also rewrites tests/testdata/parse/README.md, a line per case.
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
            name = prefix + os.path.splitext(os.path.basename(path))[0]
            found.append(Case(tool, name, path, source))
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


def main() -> int:
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
    sys.exit(main())
