"""The generated _pb2 modules are current, and our TensorFlow messages are
wire-compatible with TensorFlow's own (same field numbers, names and types)."""

import glob
import importlib
import os
import re
import subprocess
import sys

import pytest

from tflite_tools.proto import tf_checkpoint_pb2, tf_graph_pb2, tf_saved_model_pb2


def test_generated_modules_are_current():
    # In a subprocess: grpc_tools' protoc crashes in a process that already
    # loaded TensorFlow's own protobuf runtime.
    proc = subprocess.run([sys.executable, "-m", "tflite_tools.proto.generate", "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_generator_writes_code_for_protobuf_4_25_and_newer():
    """The pinned protoc's code carries no runtime_version check (that check,
    from protoc >= 26, refuses protobuf 4.25, the newest TF 2.15-2.17 allow)."""
    from tflite_tools.proto import generate

    assert generate.GENERATOR == "grpcio-tools==1.62.3"
    modules = glob.glob(os.path.join(generate.PROTO_DIR, "*_pb2.py"))
    assert len(modules) == len(glob.glob(os.path.join(generate.PROTO_DIR, "*.proto")))
    for path in modules:
        text = open(path, encoding="utf-8").read()
        assert re.search(r"^# Protobuf Python Version: 4\.25\.\d+$", text, re.M), path
        assert "runtime_version" not in text, path


def test_generated_modules_load_on_both_protobuf_implementations():
    # upb (the default) and pure Python, with every warning an error.
    code = ("import glob, importlib, os; [importlib.import_module('tflite_tools.proto.' + "
            "os.path.basename(p)[:-3]) for p in glob.glob('tflite_tools/proto/*_pb2.py')]")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for implementation in ("upb", "python"):
        env = {**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": implementation, "PYTHONPATH": root}
        proc = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=root, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, implementation + proc.stderr


def _repeated(field) -> bool:
    # protobuf >= 5.29 has is_repeated, 7 dropped label; 4.25 has only label.
    return field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED


def _tf_message(full_name):
    tf = importlib.import_module("tensorflow")
    modules = [
        "tensorflow.core.framework.graph_pb2",
        "tensorflow.core.protobuf.meta_graph_pb2",
        "tensorflow.core.protobuf.saved_model_pb2",
        "tensorflow.core.protobuf.saved_object_graph_pb2",
        "tensorflow.core.protobuf.tensor_bundle_pb2",
        "tensorflow.python.training.checkpoint_state_pb2",
    ]
    assert tf is not None
    pool = importlib.import_module(modules[0]).DESCRIPTOR.pool
    for name in modules[1:]:
        importlib.import_module(name)
    return pool.FindMessageTypeByName(full_name)


def _walk(descriptor, seen):
    if descriptor.full_name in seen:
        return
    seen.add(descriptor.full_name)
    yield descriptor
    for field in descriptor.fields:
        if field.message_type is not None and not field.message_type.full_name.startswith("google."):
            yield from _walk(field.message_type, seen)


@pytest.mark.parametrize("ours", [
    tf_graph_pb2.GraphDef, tf_saved_model_pb2.SavedModel, tf_checkpoint_pb2.CheckpointState,
    tf_checkpoint_pb2.BundleHeaderProto, tf_checkpoint_pb2.BundleEntryProto,
])
def test_wire_compatible_with_tensorflow(ours):
    checked = 0
    for desc in _walk(ours.DESCRIPTOR, set()):
        name = desc.full_name.replace("tflite_tools.tf.", "tensorflow.")
        name = name.replace("tensorflow.ObjectReference", "tensorflow.TrackableObjectGraph.TrackableObject.ObjectReference")
        name = name.replace("tensorflow.SlotVariableReference", "tensorflow.TrackableObjectGraph.TrackableObject.SlotVariableReference")
        theirs = _tf_message(name)
        for field in desc.fields:
            other = theirs.fields_by_number.get(field.number)
            assert other is not None, f"{desc.full_name}.{field.name}: no field {field.number} in {name}"
            assert (other.name, other.type, _repeated(other)) == (field.name, field.type, _repeated(field)), \
                f"{desc.full_name}.{field.name} differs from {name}.{other.name}"
            checked += 1
        for enum in desc.enum_types:
            theirs_enum = {v.name: v.number for v in theirs.enum_types_by_name[enum.name].values}
            assert {v.name: v.number for v in enum.values} == theirs_enum
    assert checked > 0


def test_datatype_enum_matches_tensorflow():
    from tensorflow.core.framework import types_pb2

    ours = {v.name: v.number for v in tf_graph_pb2.DataType.DESCRIPTOR.values}
    theirs = {v.name: v.number for v in types_pb2.DataType.DESCRIPTOR.values}
    # Ours has every enum of the newest TF; an older TF (2.15) knows a prefix of them.
    assert {name: ours.get(name) for name in theirs} == theirs
    assert "DT_INT4" in ours and "DT_FLOAT4_E2M1FN" in ours
