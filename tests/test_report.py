"""`tflite-tools report` and `convert --html`, looked at in headless chromium.

The README demo's training directory gets the full report (every section);
chromium opens it offline, and every section, table and chart must be drawn,
with no console error and no request but the file itself. Set
TFLITE_TOOLS_SCREENSHOTS=DIR to keep the screenshot (docs/report.png).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from browser import page_in_chromium
from tflite_tools import cli, demo

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO_FLAGS = ["--input_arrays=IteratorGetNext:0", "--input_shapes=1,32,32,3"]
SECTIONS = ["model", "conversion", "verification", "quantize_sweep", "benchmark"]


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The README demo's training run, reported with every section by the CLI in a subprocess."""
    directory = tmp_path_factory.mktemp("demo_report")
    train = demo.build_training_run(str(directory / "train"))
    page = directory / "report.html"
    proc = subprocess.run([sys.executable, "-m", "tflite_tools", "report", train, "-o", str(page), *DEMO_FLAGS,
                           "--verify", "--quantize_sweep", "--benchmark"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return page, proc.stdout


def test_demo_report_draws_every_section_in_chromium(demo_report, tmp_path):
    page_path, stdout = demo_report
    assert f"sections: {', '.join(SECTIONS)}" in stdout
    shot = os.path.join(os.environ.get("TFLITE_TOOLS_SCREENSHOTS") or str(tmp_path), "report.png")
    with page_in_chromium(width=1000, height=1300) as (page, seen):
        page.goto(page_path.as_uri())
        assert [s.get_attribute("id") for s in page.query_selector_all("section.report-section")] == SECTIONS
        for name in SECTIONS:
            section = page.query_selector(f"section#{name}")
            assert section.is_visible() and section.query_selector("h2").inner_text()
            charts = section.query_selector_all(".chart svg")
            assert charts, f"section {name} has no chart"
            for svg in charts:
                box = svg.bounding_box()
                assert box["width"] > 200 and box["height"] > 80, (name, box)
                assert len(svg.query_selector_all("path")) > 5  # bars, axes, points were drawn
        assert page.inner_text("#verification-status") == "PASSED"
        assert page.query_selector_all("#verification .error-histogram svg")
        sweep_rows = page.query_selector_all("table.sweep tr")[1:]
        assert [r.query_selector("td").inner_text() for r in sweep_rows] == [
            "none", "dynamic", "float16", "int8", "int16x8"]
        assert "CONV_2D" in page.inner_text("#conversion table.ops")
        assert "IteratorGetNext:0" in page.inner_text("#model table.io")
        page.screenshot(path=shot)
    assert seen.errors == []
    assert seen.requests == [page_path.as_uri()]  # nothing but the page itself
    assert os.path.getsize(shot) > 20_000


def test_page_is_one_file_that_fetches_nothing(demo_report):
    html = demo_report[0].read_text(encoding="utf-8")
    for needle in ("<script", "<link", "src=\"http", "url(http", "@import"):
        assert needle not in html
    assert html.count("<svg") == 5  # op histogram, TFLite ops, error histogram, sweep, latency
    assert len(html.encode()) < 400_000


def test_report_of_a_tflite_loads_no_tensorflow_and_leaves_conversion_out(flex_tflite, tmp_path):
    page = tmp_path / "flex.html"
    script = ("import sys; from tflite_tools import cli; "
              f"code = cli.main(['report', {flex_tflite!r}, '-o', {str(page)!r}]); "
              "assert code == 0, code; assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO, timeout=120)
    html = page.read_text(encoding="utf-8")
    assert 'id="model"' in html
    for left_out in SECTIONS[1:]:
        assert f'id="{left_out}"' not in html
    # The select TF op is called out beside the op histogram.
    assert '<tr class="kind-select_tf"><td><code>FlexCumprod</code></td><td>select_tf</td></tr>' in html


def test_report_of_a_big_model_holds_no_weights(tmp_path):
    import numpy as np

    from tflite_tools.core.lazy_tf import tensorflow

    tf = tensorflow()
    weights = np.random.default_rng(0).standard_normal((1024, 4096)).astype(np.float32)  # 16 MiB
    module = tf.Module()
    module.f = tf.function(lambda x: tf.matmul(x, tf.constant(weights)),
                           input_signature=[tf.TensorSpec([1, 1024], tf.float32)])
    model = tf.lite.TFLiteConverter.from_concrete_functions([module.f.get_concrete_function()], module).convert()
    path = tmp_path / "big.tflite"
    path.write_bytes(model)
    code, out, err = run_cli("report", str(path), "-o", str(tmp_path / "big.html"))
    assert code == 0, err
    assert len(model) > 16_000_000
    assert os.path.getsize(tmp_path / "big.html") < 100_000
    assert "4,194,304 in constants" in (tmp_path / "big.html").read_text(encoding="utf-8")


def test_convert_html_draws_model_conversion_and_verification(frozen_graph, tmp_path):
    page = tmp_path / "convert.html"
    code, out, err = run_cli("convert", frozen_graph.path, "-o", str(tmp_path / "m.tflite"), "--verify",
                             "--html", str(page))
    assert code == 0, err
    assert "PASSED" in out  # convert prints its own report as before
    html = page.read_text(encoding="utf-8")
    for drawn in ("model", "conversion", "verification"):
        assert f'id="{drawn}"' in html
    for left_out in ("quantize_sweep", "benchmark"):
        assert f'id="{left_out}"' not in html
    assert 'class="chart error-histogram"' in html


def test_report_of_a_missing_model_is_one_sentence_and_no_file(tmp_path):
    code, out, err = run_cli("report", str(tmp_path / "nothing.pb"), "-o", str(tmp_path / "r.html"))
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_report_refuses_a_sweep_of_a_tflite(tflite_model, tmp_path):
    code, _, err = run_cli("report", tflite_model.path, "--quantize_sweep", "-o", str(tmp_path / "r.html"))
    assert code == 2
    assert "already a .tflite" in err
    assert not (tmp_path / "r.html").exists()
