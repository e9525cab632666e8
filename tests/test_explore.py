"""`tflite-tools explore`: Google's Model Explorer on the model with our
overlays, looked at in headless chromium; `--overlay_only`'s node data.

The server runs as a user starts it (`--no_browser --port N`, loopback) in
a subprocess; chromium loads the URL it prints and must show the graph and
both overlays. Set TFLITE_TOOLS_SCREENSHOTS=DIR to keep the screenshot
(docs/explore.png).
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from browser import page_in_chromium
from tflite_tools import cli, demo

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO_FLAGS = ["--input_arrays=IteratorGetNext:0", "--input_shapes=1,32,32,3"]
# Model Explorer's page asks for its web font; the test aborts every request leaving the machine.
MODEL_EXPLORER_FONT_HOST = "https://fonts.gstatic.com/"


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url_when_served(proc, deadline: float) -> str:
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("http://127.0.0.1:"):
            return line.strip()
        if not line and proc.poll() is not None:
            raise AssertionError(f"explore exited {proc.returncode}: {proc.stderr.read()}")
    raise AssertionError("explore printed no URL in time")


@pytest.fixture(scope="module")
def demo_train(tmp_path_factory):
    return demo.build_training_run(str(tmp_path_factory.mktemp("explore_demo") / "train"))


def test_explore_serves_the_demo_with_overlays_in_chromium(demo_train, tmp_path):
    port = _free_port()
    tflite = tmp_path / "demo.tflite"
    proc = subprocess.Popen([sys.executable, "-u", "-m", "tflite_tools", "explore", demo_train, *DEMO_FLAGS,
                             "--tflite", str(tflite), "--no_browser", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        url = _url_when_served(proc, time.monotonic() + 120)
        assert url.startswith(f"http://127.0.0.1:{port}/")
        assert tflite.stat().st_size > 1000  # the trial conversion, kept where asked
        shot = os.path.join(os.environ.get("TFLITE_TOOLS_SCREENSHOTS") or str(tmp_path), "explore.png")
        with page_in_chromium(width=1400, height=900) as (page, seen):
            page.goto(url)
            page.get_by_text("8 nodes", exact=True).wait_for(timeout=60_000)  # the graph: 6 ops + inputs + outputs
            page.get_by_text("op support").first.wait_for(timeout=30_000)
            page.get_by_text("builtin").first.wait_for(timeout=30_000)  # the overlay's values
            canvas = page.query_selector("canvas")
            assert canvas is not None and canvas.bounding_box()["width"] > 300
            table = page.inner_text("body")
            for expected in ("op support", "parameters", "conv_2d", "depthwise_conv_2d", "224"):
                assert expected in table
            page.screenshot(path=shot)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    outside = [u for u in seen.requests if not u.startswith(f"http://127.0.0.1:{port}/")]
    assert all(u.startswith(MODEL_EXPLORER_FONT_HOST) for u in outside), outside
    assert [e for e in seen.errors if "Failed to load resource" not in e] == []
    assert os.path.getsize(shot) > 20_000


def test_overlay_only_marks_select_tf_and_unsupported_ops(tmp_path):
    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 4], name="input")
        y = tf.math.cumprod(tf.nn.relu(x * 0.5 + 1.0), axis=1)  # select TF
        tf.identity(tf.math.erfinv(y * 0.1), name="output")  # neither builtin nor select TF
    tf.io.write_graph(graph.as_graph_def(), str(tmp_path), "g.pb", as_text=False)
    out = tmp_path / "overlay.json"
    code, stdout, err = run_cli("explore", str(tmp_path / "g.pb"), "--overlay_only", str(out))
    assert code == 0, err
    support = json.loads(out.read_text())["main"]
    values = {result["value"] for result in support["results"].values()}
    assert values == {"builtin", "select_tf", "unsupported"}
    assert support["name"] == "op support"
    parameters = json.loads((tmp_path / "overlay.parameters.json").read_text())["main"]
    assert set(parameters["results"]) == set(support["results"])  # one entry per op node, same keys
    assert f"Wrote {out}" in err


def test_explore_without_model_explorer_says_how_to_get_it(tflite_model, monkeypatch):
    monkeypatch.setitem(sys.modules, "model_explorer", None)  # as if the extra were not installed
    code, out, err = run_cli("explore", tflite_model.path, "--no_browser")
    assert code == 2
    assert "pip install 'tflite-tools[explore]'" in err
    assert "Traceback" not in err
