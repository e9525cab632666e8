"""The README demo end to end: training dir -> inspect -> verified .tflite."""

import io
import json
import os

from tflite_tools import cli


def test_demo_ends_in_a_verified_tflite_with_a_report(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["demo", str(tmp_path / "demo")], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    train = tmp_path / "demo" / "train"
    assert sorted(os.listdir(train)) == [
        "checkpoint", "graph.pbtxt", "model.ckpt-3.data-00000-of-00001",
        "model.ckpt-3.index", "model.ckpt-3.meta"]
    assert "IteratorGetNext:0" in err.getvalue()  # inspect proposed the cut
    report = json.loads((tmp_path / "demo" / "report.json").read_text())
    assert report["verification"]["status"] == "PASSED"
    assert report["source"]["format"] == "CHECKPOINT"
    assert [i["name"] for i in report["inputs"]] == ["IteratorGetNext"]
    assert [o["name"] for o in report["outputs"]] == ["predictions"]
    assert (tmp_path / "demo" / "model.tflite").stat().st_size == report["output_size_bytes"]
    assert "PASSED" in out.getvalue()
