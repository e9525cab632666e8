"""`tflite-tools summarize` against TensorFlow's real summarize_graph output.

The goldens in shared/fixtures/tf_tools/ are summarize_graph's stdout (TF
2.21), captured inside each case directory; the CLI runs in the same place
and must print the same bytes. Tensor value text is cross-checked against
TensorFlow's own C++ `Tensor::SummarizeValue` (through an Assert op).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest

from tflite_tools.cli import main
from tflite_tools.core import dtypes
from tflite_tools.core.human_number import human_readable_num
from tflite_tools.proto import tf_graph_pb2
from tflite_tools.summarize_graph.libstdcxx_sort import std_sort
from tflite_tools.summarize_graph.tensor_text import tensor_debug_string

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "..", "shared", "fixtures", "tf_tools")


def _cases():
    return sorted(d for d in os.listdir(FIXTURES) if os.path.isdir(os.path.join(FIXTURES, d)))


def _case(name):
    directory = os.path.join(FIXTURES, name)
    with open(os.path.join(directory, "case.json")) as f:
        meta = json.load(f)
    return directory, meta


def _golden(directory, filename):
    with open(os.path.join(directory, filename), "rb") as f:
        return f.read().decode("utf-8")


def _run(argv, cwd, monkeypatch):
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _golden_runs():
    for name in _cases():
        directory, meta = _case(name)
        for key, golden in (("summarize_graph", "summarize_graph.txt"),
                            ("summarize_graph_print_structure", "summarize_graph.print_structure.txt")):
            if key in meta:
                yield pytest.param(name, meta[key]["argv"][1:], golden, meta[key]["exit_code"],
                                   id=f"{name}-{key}")


@pytest.mark.parametrize("case,tool_args,golden,tool_exit", list(_golden_runs()))
def test_stdout_matches_summarize_graph_byte_for_byte(case, tool_args, golden, tool_exit, monkeypatch):
    directory, _ = _case(case)
    code, out, err = _run(["summarize", *tool_args], directory, monkeypatch)
    assert out == _golden(directory, golden)
    if tool_exit == 0:
        assert (code, err) == (0, "")
    else:
        # summarize_graph exits 255 after printing part of the summary; we exit 2
        # with one sentence on stderr.
        assert code == 2
        assert err.count("\n") == 1 and err.startswith("tflite-tools summarize: error: ")
        assert "Traceback" not in err


def test_invalid_input_case_names_the_missing_node(monkeypatch):
    directory, meta = _case("15_invalid_input")
    code, out, err = _run(["summarize", "--in_graph=graph.pb"], directory, monkeypatch)
    assert code == 2
    assert out.endswith("Invalid input missing_node for node output\n")
    assert "'missing_node'" in err and "'output'" in err
    assert meta["summarize_graph"]["errors"] == ["Invalid graph with inputs referring to nonexistent nodes"]


@pytest.mark.parametrize("args", [
    ["--in_graph", "graph.pb", "--print_structure"],
    ["--in_graph=graph.pb", "--print_structure=true"],
    ["--print_structure", "--in_graph=graph.pb"],
])
def test_flag_spellings_with_structure(args, monkeypatch):
    directory, _ = _case("01_small_cnn_frozen")
    code, out, _ = _run(["summarize", *args], directory, monkeypatch)
    assert code == 0
    assert out == _golden(directory, "summarize_graph.print_structure.txt")


@pytest.mark.parametrize("args", [["--in_graph", "graph.pb"], ["--in_graph=graph.pb", "--print_structure=false"]])
def test_flag_spellings_without_structure(args, monkeypatch):
    directory, _ = _case("01_small_cnn_frozen")
    code, out, _ = _run(["summarize", *args], directory, monkeypatch)
    assert code == 0
    assert out == _golden(directory, "summarize_graph.txt")


def test_text_graph_gives_the_same_summary_as_binary(monkeypatch):
    directory, _ = _case("03_resource_variables")
    _, from_text, _ = _run(["summarize", "--in_graph=graph.pbtxt"], directory, monkeypatch)
    assert from_text == _golden(directory, "summarize_graph.txt").replace("--graph=graph.pb ", "--graph=graph.pbtxt ")


def test_json_carries_every_field_in_printed_order(monkeypatch):
    directory, _ = _case("02_unfrozen_variables")
    code, out, _ = _run(["summarize", "--in_graph=graph.pb", "--format", "json"], directory, monkeypatch)
    assert code == 0
    data = json.loads(out)
    assert [v["name"] for v in data["variables"]] == ["conv_w", "conv_b", "fc_w", "fc_b"]
    assert data["variables"][2] == {"name": "fc_w", "type": "float", "type_enum": 1, "shape": "[6272,10]"}
    assert data["const_parameters"] == 47 and data["control_edges"] == 9
    assert data["devices"] == [{"device": "/device:CPU:0", "count": 3}]
    assert data["op_counts"][0] == {"op": "Const", "count": 14}
    assert data["decode_failures"] == ["conv_w", "conv_b", "fc_w", "fc_b"]  # TF's stderr warnings
    assert data["benchmark_hint"]["input_layer_shape"] == "1,28,28,1:3,3,1,8:8:6272,10:10"


@pytest.mark.parametrize("argv,needle", [
    (["summarize"], "--in_graph is required"),
    (["summarize", "--in_graph=missing.pb"], "cannot read graph file 'missing.pb'"),
    (["summarize", "--in_graph=case.json"], "neither a binary nor a text GraphDef"),
    (["summarize", "--in_graph=graph.pb", "--print_structure=maybe"], "expected true or false"),
])
def test_bad_input_is_one_clear_sentence_and_exit_2(argv, needle, monkeypatch):
    directory, _ = _case("01_small_cnn_frozen")
    code, out, err = _run(argv, directory, monkeypatch)
    assert code == 2
    assert out == ""
    assert needle in err and "Traceback" not in err


def test_cycle_fails_print_structure_after_the_summary(tmp_path, monkeypatch):
    graph = tf_graph_pb2.GraphDef()
    graph.node.add(name="x", op="Placeholder")
    graph.node.add(name="a", op="Add", input=["x", "b"])
    graph.node.add(name="b", op="Identity", input=["a"])
    (tmp_path / "cycle.pb").write_bytes(graph.SerializeToString())
    _, plain, _ = _run(["summarize", "--in_graph=cycle.pb"], tmp_path, monkeypatch)
    code, out, err = _run(["summarize", "--in_graph=cycle.pb", "--print_structure"], tmp_path, monkeypatch)
    assert code == 2
    assert out == plain  # summarize_graph prints everything but the structure, then fails
    assert "2 nodes in a cycle" in err


def test_summarize_never_imports_tensorflow(saved_model_tf1, checkpoint_graph):
    directory, _ = _case("12_while_loop")
    paths = ["graph.pb", saved_model_tf1.path, checkpoint_graph.files["meta"]]
    script = ("import io, sys; from tflite_tools.cli import main\n"
              f"for path in {paths!r}:\n"
              "    code = main(['summarize', '--in_graph=' + path, '--print_structure'], stdout=io.StringIO())\n"
              "    assert code == 0, (path, code)\n"
              "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'; print('ok')")
    result = subprocess.run([sys.executable, "-c", script], cwd=directory, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


def test_console_script_prints_the_golden():
    directory, _ = _case("14_device_placement")
    script = os.path.join(os.path.dirname(sys.executable), "tflite-tools")
    result = subprocess.run([script, "summarize", "--in_graph=graph.pb"], cwd=directory,
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == _golden(directory, "summarize_graph.txt")


@pytest.mark.parametrize("value,text", [
    (0, "0"), (999, "999"), (1000, "1.00k"), (1500, "1.50k"), (999994, "999.99k"),
    (999995, "1000.00k"), (1000000, "1.00M"), (4250000, "4.25M"), (23853946, "23.85M"),
    (999999999, "1000.00M"), (1234567890, "1.23B"), (3456789012345, "3.46T"),
    (999999999999999, "1000.00T"), (10**15, "1E+15"), (-1500, "-1.50k"),
])
def test_human_readable_num(value, text):
    assert human_readable_num(value) == text


def test_std_sort_matches_gcc_on_twenty_ops():
    # g++ 12's std::sort output for this input (tf-tools-formats.md §1.6).
    counts = {"BiasAdd": 53, "Softmax": 53, "AvgPool": 27, "Pad": 27, "MatMul": 27, "Mean": 13,
              "Placeholder": 8, "Sub": 4, "MaxPool": 4, "FusedBatchNorm": 4, "Const": 4,
              "DepthwiseConv2dNative": 2, "Concat": 2, "Squeeze": 2, "Identity": 1, "Mul": 1,
              "ConcatV2": 1, "Relu6": 1, "StridedSlice": 1, "Add": 1}
    items = sorted(counts.items())
    std_sort(items, lambda a, b: a[1] > b[1])
    assert ", ".join(f"{c} {op}" for op, c in items) == (
        "53 BiasAdd, 53 Softmax, 27 AvgPool, 27 Pad, 27 MatMul, 13 Mean, 8 Placeholder, 4 Sub, "
        "4 MaxPool, 4 FusedBatchNorm, 4 Const, 2 DepthwiseConv2dNative, 2 Concat, 2 Squeeze, "
        "1 Identity, 1 Mul, 1 ConcatV2, 1 Relu6, 1 StridedSlice, 1 Add")


_GCC_SORT = r"""
#include <algorithm>
#include <iostream>
#include <utility>
#include <vector>
int main() {
  int cases;
  std::cin >> cases;
  while (cases--) {
    int n;
    std::cin >> n;
    std::vector<std::pair<int, int>> v(n);
    for (auto& p : v) std::cin >> p.first >> p.second;
    // summarize_graph's comparator: count descending, no tie-breaker.
    std::sort(v.begin(), v.end(), [](std::pair<int, int> a, std::pair<int, int> b) {
      return a.second > b.second;
    });
    for (auto& p : v) std::cout << p.first << " ";
    std::cout << "\n";
  }
}
"""


def _median_of_three_killer(n: int) -> list[int]:
    """Counts that drive introsort into its heapsort fallback (McIlroy's adversary)."""
    gas = n
    value = [gas] * n
    frozen = [0]
    candidate = [0]

    def less(x, y):
        if value[x] == gas and value[y] == gas:
            value[x if x == candidate[0] else y] = frozen[0]
            frozen[0] += 1
        if value[x] == gas:
            candidate[0] = x
        elif value[y] == gas:
            candidate[0] = y
        return value[x] < value[y]

    std_sort(list(range(n)), less)
    return [-v for v in value]  # the comparator sorts counts descending


def test_std_sort_matches_real_libstdcxx(tmp_path):
    import random
    import shutil

    compiler = shutil.which("g++")
    assert compiler, "g++ is needed for the libstdc++ reference (.ci/install installs it)"
    source = tmp_path / "sort.cc"
    source.write_text(_GCC_SORT)
    binary = tmp_path / "sort"
    subprocess.run([compiler, "-O1", "-o", str(binary), str(source)], check=True, timeout=300)
    rng = random.Random(11)
    cases = [[rng.randint(0, rng.choice([1, 3, 20, 1000])) for _ in range(rng.randint(0, 300))]
             for _ in range(300)]
    cases += [_median_of_three_killer(n) for n in (200, 1000)]
    stdin = f"{len(cases)}\n" + "".join(
        f"{len(c)} " + " ".join(f"{i} {count}" for i, count in enumerate(c)) + "\n" for c in cases)
    lines = subprocess.run([str(binary)], input=stdin, capture_output=True, text=True, check=True,
                           timeout=120).stdout.splitlines()
    for counts, line in zip(cases, lines, strict=True):
        items = list(enumerate(counts))
        std_sort(items, lambda a, b: a[1] > b[1])
        assert [i for i, _ in items] == [int(x) for x in line.split()]


def test_std_sort_small_inputs_are_stable():
    items = [(name, 1) for name in "abcdefghijklmnop"]  # 16: insertion sort only
    std_sort(items, lambda a, b: a[1] > b[1])
    assert [n for n, _ in items] == list("abcdefghijklmnop")


# --- Tensor::DebugString against TensorFlow's C++ ----------------------------

def _tensor_protos():
    """TensorProtos covering dtypes, ranks, splats and defaults, as TF serializes them."""
    import numpy as np
    import tensorflow as tf
    from tensorflow.core.framework import tensor_pb2

    rng = np.random.default_rng(7)
    arrays = [
        np.float32(1.5), rng.standard_normal((2, 3)).astype(np.float32), np.zeros((0,), np.float32),
        np.zeros((2, 0, 3), np.int32), rng.standard_normal((3, 1, 2)).astype(np.float64),
        np.array([1, -2, 3, 4], np.int8), np.array([[True, False], [True, True]]),
        np.array([b"a\nb", b"x'\"\\", b"\x01\x7fz"]), np.array([1.5, -2.25, 6e4], np.float16),
        np.arange(10, dtype=np.uint16).reshape(2, 5), np.array([2**40, -5], np.int64),
        np.array([2**63 + 5], np.uint64), np.array([1 + 2j, 3j], np.complex64),
        np.array([[np.inf, -np.inf, np.nan, 1e-30]], np.float32), np.array([0.1, 1 / 3], np.float64),
    ]
    # Normal (not subnormal) float32s across the exponent range: TF's kernels
    # flush subnormals to zero, so only normal values compare like for like.
    mags = np.float32(10.0) ** rng.integers(-37, 38, 60).astype(np.float32)
    floats = (rng.standard_normal(60).astype(np.float32) * mags).astype(np.float32)
    arrays += [floats[i:i + 3] for i in range(0, 60, 3)]
    protos = [tf.make_tensor_proto(a) for a in arrays]

    def typed(dtype, dims, **values):
        proto = tensor_pb2.TensorProto(dtype=dtype, **values)
        for size in dims:
            proto.tensor_shape.dim.add(size=size)
        return proto

    protos += [
        typed(1, [2, 2], float_val=[1.0, 2.0]),         # splat: the last value repeats
        typed(3, [5]),                                  # no values: T()
        typed(4, [4], int_val=[300, -1]),                # uint8 wrap-around
        typed(14, [2], half_val=[0x3FC0]),               # bfloat16 1.5, splat
        typed(7, [2], string_val=[b"hi"]),
        typed(1, [1024, 2048], float_val=[0.5]),         # big splat, values never expanded
        typed(8, [2, 2], scomplex_val=[1, 2]),            # "?" without brackets at any rank
        typed(13, [2, 3], int_val=[1]),
        typed(29, [4], int_val=[1, -1, 15, 9]),           # int4 sign-extends its low nibble
        typed(30, [4], int_val=[1, 15, 17]),
        typed(29, [3], tensor_content=b"\x0f\x08\xff"),
        typed(31, [4], int_val=[1, -1, 5]),               # int2 / uint2
        typed(32, [3], tensor_content=b"\x01\x07\x02"),
        typed(24, [4], float8_val=b"\x7d\xfc\x80\x01"),  # float8_e5m2: nan -inf -0 ...
        typed(25, [3], float8_val=b"\x38\x7f\xff"),      # float8_e4m3fn
        typed(27, [3], float8_val=b"\x38\x80\x01"),      # float8_e4m3b11fnuz
        typed(26, [2], float8_val=b"\x38"),              # float8_e4m3fnuz prints "?"
        typed(33, [4], float8_val=b"\x01\x02"),          # float4_e2m1fn
        typed(33, [3], tensor_content=b"\x07\x0f\x08"),
        typed(20, [4]),                                   # default resource handles
        typed(21, [4]),                                   # empty variants
    ]
    handle = protos[-2].resource_handle_val.add(device="/cpu:0", container="c", name='v"x',
                                                maybe_type_name="tensorflow::Var")
    entry = handle.dtypes_and_shapes.add(dtype=1)
    entry.shape.dim.add(size=2)
    entry.shape.dim.add(size=-1)
    handle.dtypes_and_shapes.add(dtype=3).shape.unknown_rank = True
    wrapped = protos[-1].variant_val.add(type_name="tensorflow::Tensor")
    wrapped.tensors.add(dtype=1, float_val=[42])
    return protos


def _tf_summarize_value(tf, proto):
    """TensorFlow's SummarizeValue(3) (print_v2 off) of `proto`, via an Assert."""
    graph_def = tf.compat.v1.GraphDef()
    const = graph_def.node.add(name="c", op="Const")
    const.attr["value"].tensor.CopyFrom(proto)
    const.attr["dtype"].type = proto.dtype
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
        # The raw op: tf.debugging.Assert adds a Switch, which int4/float8 lack.
        check = tf.raw_ops.Assert(condition=False, data=[graph.get_tensor_by_name("c:0")], summarize=3)
        with tf.compat.v1.Session() as session:
            with pytest.raises(tf.errors.InvalidArgumentError) as failure:
                session.run(check)
    return re.search(r"assertion failed: \[(.*)\]\n\t \[\[", failure.value.message, re.S).group(1)


def test_tensor_debug_string_matches_tensorflow():
    import tensorflow as tf

    mismatches = []
    for proto in filter(_tf_knows_dtype, _tensor_protos()):
        ours = tensor_debug_string(tf_graph_pb2.TensorProto.FromString(proto.SerializeToString()))
        shape = "[" + ",".join(str(d.size) for d in proto.tensor_shape.dim) + "]"
        head = f"Tensor<type: {dtypes.type_string(proto.dtype)} shape: {shape} values: "
        assert ours.startswith(head) and ours.endswith(">"), ours
        values = ours[len(head):-1]
        expected = _tf_summarize_value(tf, proto)
        if values != expected:
            mismatches.append((str(proto)[:200], values, expected))
    assert not mismatches


def test_dtype_names_match_tensorflow():
    import tensorflow as tf

    for enum in filter(_tf_knows_dtype, range(1, 34)):  # TF 2.15 stops at 24
        dtype = tf.dtypes.as_dtype(enum)
        assert dtypes.python_name(enum) == dtype.name
        assert dtypes.python_name(enum + 100) == dtype._as_ref.name
        assert dtypes.enum_from_name(dtype.name) == enum
    assert [dtypes.type_string(e) for e in (0, 1, 2, 7, 19, 101, 119)] == [
        "INVALID", "float", "double", "string", "half", "float_ref", "half_ref"]


def _tf_const_loads(proto) -> bool:
    """Whether TensorFlow's Const kernel accepts `proto` (its Tensor::FromProto)."""
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    const = graph_def.node.add(name="c", op="Const")
    const.attr["value"].tensor.CopyFrom(proto)
    const.attr["dtype"].type = proto.dtype
    try:
        with tf.Graph().as_default() as graph:
            tf.graph_util.import_graph_def(graph_def, name="")
            with tf.compat.v1.Session() as session:
                session.run(graph.get_tensor_by_name("c:0"))
    except (tf.errors.OpError, ValueError, TypeError):
        return False
    return True


def test_which_tensors_decode_matches_tensorflow():
    from tensorflow.core.framework import tensor_pb2

    def typed(dtype, dims, unknown_rank=False, **values):
        proto = tensor_pb2.TensorProto(dtype=dtype, **values)
        for size in dims:
            proto.tensor_shape.dim.add(size=size)
        proto.tensor_shape.unknown_rank = unknown_rank
        return proto

    protos = [
        typed(1, [2], tensor_content=b"\0" * 7), typed(1, [2], tensor_content=b"\0" * 8),
        typed(10, [2], tensor_content=b"\x01\x02"), typed(10, [2], tensor_content=b"\x01\x00"),
        typed(7, [2], tensor_content=b"\x01\x01ab"), typed(7, [2], tensor_content=b"\x01\x01a"),
        typed(101, [2], float_val=[1]), typed(1, [2], unknown_rank=True, float_val=[1]),
        typed(1, [-1], float_val=[1]), typed(1, [0], tensor_content=b"abc"), typed(31, [2], int_val=[1]),
        typed(26, [2], float8_val=b"\x01"), typed(13, [2], int_val=[5]),
        typed(3, [2, 3], int_val=[1, 2, 3, 4, 5, 6, 7]), typed(7, [3], string_val=[b"a", b"b", b"c", b"d"]),
        typed(17, [3], int_val=[70000]), typed(22, [2], uint32_val=[4000000000]), typed(1, []),
    ]
    for proto in filter(_tf_knows_dtype, protos):
        ours = tensor_debug_string(tf_graph_pb2.TensorProto.FromString(proto.SerializeToString()))
        assert (ours is not None) == _tf_const_loads(proto), str(proto)


def _tf_knows_dtype(proto_or_enum) -> bool:
    """Whether the installed TensorFlow has this DataType (older ones lack the newest
    enums; our text follows the newest, see docs/formats.md)."""
    from tensorflow.core.framework import types_pb2

    enum = getattr(proto_or_enum, "dtype", proto_or_enum)
    return enum % 100 in types_pb2.DataType.values()


def test_float32_text_reads_back_exactly_including_subnormals():
    import random
    import struct

    from tflite_tools.summarize_graph.tensor_text import _strtof, float32_text

    rng = random.Random(3)
    patterns = [rng.getrandbits(32) for _ in range(3000)] + [1, 0x007FFFFF, 0x00800000, 0x7F7FFFFF]
    for bits in patterns:
        value = struct.unpack("<f", struct.pack("<I", bits))[0]
        if value != value or value in (float("inf"), float("-inf")):
            continue
        assert _strtof(float32_text(value)) == value, hex(bits)
    assert float32_text(struct.unpack("<f", struct.pack("<I", 1))[0]) == "1.4013e-45"


# --- SortByExecutionOrder against TensorFlow's C++ ----------------------------

def _tf_execution_order(graph_bytes: bytes):
    """TensorFlow's own SortByExecutionOrder (graph_transforms' transform of that name)."""
    import tensorflow as tf
    from tensorflow.python.util import _pywrap_transform_graph

    try:
        out = _pywrap_transform_graph.TransformGraphWithStringInputs(
            graph_bytes, "", "", "sort_by_execution_order")
    except ValueError as exc:
        return str(exc)
    return [n.name for n in tf.compat.v1.GraphDef.FromString(out).node]


def _our_execution_order(graph_bytes: bytes):
    from tflite_tools.graph.order import GraphOrderError, sort_by_execution_order

    nodes = list(tf_graph_pb2.GraphDef.FromString(graph_bytes).node)
    try:
        return [nodes[i].name for i in sort_by_execution_order(nodes)]
    except GraphOrderError as exc:
        return str(exc)


def _random_graph(seed: int) -> bytes:
    """A random graph with Merge nodes, control inputs, back edges and duplicates."""
    import random

    rng = random.Random(seed)
    graph = tf_graph_pb2.GraphDef()
    count = rng.randint(5, 40)
    for i in range(count):
        op = rng.choice(["Const", "Add", "Identity", "Merge", "NoOp"])
        inputs = []
        if op != "Const":
            for _ in range(rng.randint(0, 3)):
                source = rng.randrange(count if rng.random() < 0.1 else max(i, 1))
                inputs.append(rng.choice(["", "^"]) + f"n{source}" + rng.choice(["", ":1"]))
        graph.node.add(name=f"n{i}", op=op, input=inputs)
    return graph.SerializeToString()


def test_execution_order_matches_tensorflow(frozen_graph):
    graphs = [open(os.path.join(FIXTURES, case, "graph.pb"), "rb").read()
              for case in _cases() if os.path.exists(os.path.join(FIXTURES, case, "graph.pb"))]
    with open(frozen_graph.files["pb"], "rb") as f:
        graphs.append(f.read())
    graphs += [_random_graph(seed) for seed in range(150)]
    outcomes = set()
    for graph in graphs:
        expected = _tf_execution_order(graph)
        assert _our_execution_order(graph) == expected
        outcomes.add(type(expected))
    assert outcomes == {list, str}  # both orders and TF's error messages were compared


# --- inputs summarize_graph cannot read: SavedModel directories, .meta files ---

def _write_graph_of(tmp_path, graph_def) -> str:
    path = tmp_path / "extracted.pb"
    path.write_bytes(graph_def.SerializeToString())
    return str(path)


def test_saved_model_directory_summarizes_its_serving_graph(saved_model_tf1, tmp_path, monkeypatch):
    from tensorflow.core.protobuf import saved_model_pb2

    with open(saved_model_tf1.files["saved_model_pb"], "rb") as f:
        saved_model = saved_model_pb2.SavedModel.FromString(f.read())
    (meta,) = [m for m in saved_model.meta_graphs if "serve" in m.meta_info_def.tags]
    extracted = _write_graph_of(tmp_path, meta.graph_def)
    _, expected, _ = _run(["summarize", f"--in_graph={extracted}", "--print_structure"], tmp_path, monkeypatch)
    for path in (saved_model_tf1.path, saved_model_tf1.files["saved_model_pb"]):
        code, out, err = _run(["summarize", f"--in_graph={path}", "--print_structure"], tmp_path, monkeypatch)
        assert (code, err) == (0, "")
        assert out == expected.replace(f"--graph={extracted} ", f"--graph={path} ")
        assert "Found 1 possible inputs: (name=x, type=float(1), shape=[?,4]) " in out


def test_meta_graph_file_summarizes_its_graph(checkpoint_graph, tmp_path, monkeypatch):
    from tensorflow.core.protobuf import meta_graph_pb2

    meta_path = checkpoint_graph.files["meta"]
    with open(meta_path, "rb") as f:
        meta = meta_graph_pb2.MetaGraphDef.FromString(f.read())
    extracted = _write_graph_of(tmp_path, meta.graph_def)
    _, expected, _ = _run(["summarize", f"--in_graph={extracted}"], tmp_path, monkeypatch)
    code, out, err = _run(["summarize", f"--in_graph={meta_path}"], tmp_path, monkeypatch)
    assert (code, err) == (0, "")
    assert out == expected.replace(f"--graph={extracted} ", f"--graph={meta_path} ")
    assert "Found 4 variables: " in out


def test_directory_that_is_not_a_saved_model_is_refused(checkpoint_graph, monkeypatch):
    code, out, err = _run(["summarize", f"--in_graph={checkpoint_graph.directory}"],
                          checkpoint_graph.directory, monkeypatch)
    assert (code, out) == (2, "")
    assert "is a directory but not a SavedModel" in err and err.count("\n") == 1


def test_tflite_file_is_refused_with_a_pointer_to_inspect(tflite_model, monkeypatch):
    code, out, err = _run(["summarize", f"--in_graph={tflite_model.path}"], tflite_model.directory, monkeypatch)
    assert (code, out) == (2, "")
    assert "tflite-tools inspect" in err
