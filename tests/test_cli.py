"""The CLI shell: help, usage errors, exit codes, renderers."""

import io
import json
import os
import subprocess
import sys

from tflite_tools import cli, render
from tflite_tools.proto import common_pb2, summary_pb2

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_help_lists_every_command_and_exits_0():
    code, out, _ = run_cli("--help")
    assert code == 0
    for name in cli.COMMANDS:
        assert name in out


def test_no_command_is_a_usage_error():
    code, out, _ = run_cli()
    assert code == 2
    assert "COMMAND" in out


def test_unknown_command_is_one_line_and_exit_2():
    code, out, err = run_cli("frobnicate")
    assert code == 2
    assert out == ""
    assert "invalid choice" in err and "Traceback" not in err


def test_help_does_not_import_tensorflow():
    script = ("import sys, io; from tflite_tools import cli; "
              "cli.main(['--help'], stdout=io.StringIO()); "
              "cli.main(['summarize', '--help'], stdout=io.StringIO()); "
              "cli.main(['inspect', '--help'], stdout=io.StringIO()); "
              "assert 'tensorflow' not in sys.modules, 'tensorflow imported'")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)


def test_console_script_runs_as_module_and_script():
    for argv in ([sys.executable, "-m", "tflite_tools", "--help"],
                 [os.path.join(os.path.dirname(sys.executable), "tflite-tools"), "--help"]):
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        assert "summarize" in proc.stdout


def test_json_uses_proto_field_names_and_real_numbers():
    summary = summary_pb2.ModelSummary(
        format=summary_pb2.FROZEN_GRAPH, const_parameters=62812,
        inputs=[common_pb2.TensorSpec(name="input", dtype="float32", shape=[-1, 28, 28, 1], op="Placeholder")],
        op_counts=[common_pb2.OpCount(op="Const", count=5)])
    data = json.loads(render.render(summary, "json"))
    assert data["format"] == "FROZEN_GRAPH"
    assert data["const_parameters"] == 62812
    assert data["inputs"][0] == {"name": "input", "dtype": "float32", "shape": [-1, 28, 28, 1], "op": "Placeholder",
                                 "unknown_rank": False, "tensor_name": "", "index": 0}  # defaults printed too
    assert data["outputs"] == [] and data["producer"] == ""
    assert data["op_counts"] == [{"op": "Const", "count": 5}]


def test_pbtxt_round_trips():
    from google.protobuf import text_format

    summary = summary_pb2.GraphSummary(in_graph="g.pb", const_parameters=3)
    parsed = text_format.Parse(render.render(summary, "pbtxt"), summary_pb2.GraphSummary())
    assert parsed == summary


def test_public_api_names_stay_functions_after_their_modules_load():
    # Each job's subpackage (tflite_tools/convert/, ...) has the public function's name.
    script = ("import tflite_tools, tflite_tools.summarize_graph, tflite_tools.inspect.model_summary; "
              "import tflite_tools.freeze, tflite_tools.convert, tflite_tools.verify, tflite_tools.benchmark; "
              "assert callable(tflite_tools.summarize) and tflite_tools.summarize.__name__ == 'summarize'; "
              "assert tflite_tools.inspect.__module__ == 'tflite_tools.inspect.model_summary'; "
              "assert all(callable(getattr(tflite_tools, name)) for name in "
              "('freeze', 'convert', 'verify', 'benchmark', 'detect'))")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)


def test_an_internal_error_is_one_line_exit_1(monkeypatch):
    from tflite_tools.commands import doctor

    def broken(args):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.delenv("TFLITE_TOOLS_DEBUG", raising=False)
    monkeypatch.setattr(doctor, "run", broken)
    code, out, err = run_cli("doctor")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "RuntimeError: boom" in err and "TFLITE_TOOLS_DEBUG" in err
