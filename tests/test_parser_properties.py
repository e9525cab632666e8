"""Property tests (hypothesis): the log parsers and the model-file readers
never raise on odd input.

Every real log in shared/fixtures (real_outputs/ and tf_tools/) is mutated the
ways pastes and corrupt files go wrong: numbers changed (past int64, `1e400`,
`16.-19008`, nan), cuts, repeated and shuffled lines, random bytes. Every
parser (and `auto`) must return its message, which must render as text, JSON
and pbtxt; a value no field holds is an unknown line. The GraphDef and
.tflite readers behind `inspect` get corrupted real files and must answer
with a result or a typed TfliteToolsError (one sentence, exit 2), never
another exception.

Bounded for CI: TFLITE_TOOLS_HYPOTHESIS_EXAMPLES (default 10) examples per
input file; set it higher for a deeper local run.
"""

from __future__ import annotations

import glob
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tflite_tools import parsers
from tflite_tools.errors import TfliteToolsError
from tflite_tools.inspect import inspect
from tflite_tools.parsers import _benchmark_common, _numbers
from tflite_tools.render import FORMATS, render

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "fixtures")
LOGS = sorted(glob.glob(os.path.join(FIXTURES, "real_outputs", "*", "*.txt")) +
              glob.glob(os.path.join(FIXTURES, "tf_tools", "*", "*.txt")))
# GraphDefs (binary and text) small enough to inspect many times.
GRAPHS = sorted(path for path in glob.glob(os.path.join(FIXTURES, "tf_tools", "*", "graph.pb*"))
                if os.path.getsize(path) < 64_000)
EXAMPLES = int(os.environ.get("TFLITE_TOOLS_HYPOTHESIS_EXAMPLES", "10"))
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# What pastes put where a number belongs.
ODD_NUMBERS = ["0", "-1", "9" * 25, "-" + "9" * 20, "1e400", "-1e400", "1e-400", "16.-19008", "nan",
               "-nan", "inf", "-inf", "1.2.3", "-", "", "2e+", ".", "0x1f", str(2 ** 63), str(-2 ** 63 - 1)]
numbers = st.one_of(st.sampled_from(ODD_NUMBERS), st.integers(-2 ** 80, 2 ** 80).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr))


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


@st.composite
def mutated(draw, text: str) -> str:
    """`text` after one to three mutations."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(("digits", "cut", "repeat", "shuffle", "bytes")))
        lines = text.split("\n")
        if kind == "digits":
            for _ in range(draw(st.integers(1, 6))):
                runs = list(re.finditer(r"\d+(?:\.\d+)?", text))
                if not runs:
                    break
                run = runs[draw(st.integers(0, len(runs) - 1))]
                text = text[:run.start()] + draw(numbers) + text[run.end():]
        elif kind == "cut":
            start = draw(st.integers(0, len(text)))
            text = text[:start] + text[draw(st.integers(start, len(text))):]
        elif kind == "repeat":
            at = draw(st.integers(0, len(lines) - 1))
            lines[at:at] = [lines[at]] * draw(st.integers(1, 5))
            text = "\n".join(lines)
        elif kind == "shuffle":
            text = "\n".join(draw(st.permutations(lines)))
        else:
            at = draw(st.integers(0, len(text)))
            noise = draw(st.binary(min_size=1, max_size=40)).decode("utf-8", "replace")
            text = text[:at] + noise + text[at:]
    return text


def _parse_everyhow(text: str) -> None:
    for tool in (*parsers.TOOLS, parsers.AUTO):
        result = parsers.parse(tool, text)
        for fmt in FORMATS:
            assert render(result, fmt) is not None
        assert parsers.known_count(text, result) >= 0
    for tool in parsers.TOOLS:
        parsers.misfit(tool, text)


@pytest.mark.parametrize("path", LOGS, ids=lambda p: os.path.relpath(p, FIXTURES))
@BOUNDED
@given(data=st.data())
def test_parsers_never_raise_on_mutated_real_logs(path, data):
    _parse_everyhow(data.draw(mutated(_read(path))))


@BOUNDED
@given(st.text(max_size=400))
def test_parsers_never_raise_on_any_text(text):
    _parse_everyhow(text)


@BOUNDED
@given(numbers, numbers, numbers)
def test_a_number_no_field_holds_makes_an_unknown_line(a, b, c):
    line = f"Found {a} ({b}) const parameters, 0 (0) variable parameters, and {c} control_edges"
    summary = parsers.parse("summarize_graph", line)
    fits = all(n.isdigit() and _numbers.integer(n) is not None for n in (a, c)) and ")" not in b
    assert bool(summary.unknown_lines) != fits
    stat = _benchmark_common.parse_stat(f"count={a} first={b} curr=1 min=1 max=2 avg={c} std=0")
    assert stat is None or stat.count == int(a)


# ---------------------------------------------------------------- model-file readers

@st.composite
def corrupted(draw, data: bytes) -> bytes:
    """`data` cut, overwritten or with bytes inserted."""
    kind = draw(st.sampled_from(("cut", "overwrite", "insert")))
    at = draw(st.integers(0, len(data)))
    if kind == "cut":
        return data[:at]
    noise = draw(st.binary(min_size=1, max_size=16))
    return data[:at] + noise + data[at + (len(noise) if kind == "overwrite" else 0):]


def _bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _inspect_bytes(data: bytes, directory, name: str) -> None:
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    try:
        summary = inspect(path)
    except TfliteToolsError as err:
        assert str(err) and "\n" not in str(err).strip()
    else:
        for fmt in FORMATS:
            render(summary, fmt)


@pytest.mark.parametrize("path", GRAPHS, ids=lambda p: os.path.relpath(p, FIXTURES))
@BOUNDED
@given(data=st.data())
def test_inspect_of_a_corrupt_graph_def_never_raises_another_error(path, data, tmp_path_factory):
    _inspect_bytes(data.draw(corrupted(_bytes(path))), tmp_path_factory.mktemp("graph"), os.path.basename(path))


@settings(max_examples=EXAMPLES * 10, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_inspect_of_a_corrupt_tflite_never_raises_another_error(tflite_model, data, tmp_path_factory):
    _inspect_bytes(data.draw(corrupted(_bytes(tflite_model.path))), tmp_path_factory.mktemp("tflite"),
                   "model.tflite")


@settings(max_examples=EXAMPLES * 10, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_convert_of_a_corrupt_tflite_never_raises_another_error(tflite_model, data, tmp_path_factory):
    # A .tflite is copied as is; its ops and I/O are read for the report first.
    from tflite_tools.convert import convert

    directory = tmp_path_factory.mktemp("tflite")
    path, out = os.path.join(directory, "model.tflite"), os.path.join(directory, "out.tflite")
    with open(path, "wb") as f:
        f.write(data.draw(corrupted(_bytes(tflite_model.path))))
    try:
        convert(path, out)
    except TfliteToolsError as err:
        assert str(err) and "\n" not in str(err).strip()
        assert not os.path.exists(out)
    else:
        assert _bytes(out) == _bytes(path)
