"""Regenerate the `*_pb2.py` modules from the `.proto` files beside this one.

    python -m tflite_tools.proto.generate          # rewrite the _pb2 modules
    python -m tflite_tools.proto.generate --check  # exit 1 when any is stale

The generator is pinned (GENERATOR): grpcio-tools 1.62 bundles protoc 25, whose
Python code runs on protobuf 4.25 (the newest runtime TensorFlow 2.15-2.17
allow) and on every newer runtime (checked up to 7.x). Code from a newer protoc
starts with a runtime_version check that refuses any runtime older than itself.
When this interpreter has another grpcio-tools, the compile runs in a venv of
its own holding GENERATOR (made on first use, under GENERATOR_VENV).
The runtime only needs protobuf.
"""

from __future__ import annotations

import argparse
import filecmp
import glob
import importlib.metadata
import os
import subprocess
import sys
import tempfile

PROTO_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(PROTO_DIR))
GENERATOR = "grpcio-tools==1.62.3"
GENERATOR_VENV = os.environ.get(
    "TFLITE_TOOLS_PROTOC_VENV", os.path.expanduser("~/.cache/tflite-tools-ci/venv-protoc"))


def _has_generator() -> bool:
    try:
        return importlib.metadata.version("grpcio-tools") == GENERATOR.split("==")[1]
    except importlib.metadata.PackageNotFoundError:
        return False


def generator_python() -> str:
    """An interpreter with GENERATOR installed: this one, or the generator venv (made here)."""
    if _has_generator():
        return sys.executable
    python = os.path.join(GENERATOR_VENV, "bin", "python")
    name, version = GENERATOR.split("==")
    if not glob.glob(os.path.join(GENERATOR_VENV, "lib", "python*", "site-packages",
                                  f"{name.replace('-', '_')}-{version}.dist-info")):
        subprocess.run([sys.executable, "-m", "venv", GENERATOR_VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", GENERATOR],
                       check=True)
    return python


def generate(out_dir: str) -> list[str]:
    """Compile every .proto into `out_dir` (mirroring the package path)."""
    python = generator_python()
    if python != sys.executable:
        subprocess.run([python, "-m", "tflite_tools.proto.generate", "--out", out_dir],
                       check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT}, stdout=subprocess.DEVNULL)
        return _outputs()
    import grpc_tools
    from grpc_tools import protoc

    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    rel = [os.path.splitext(r)[0] + ".proto" for r in _outputs(".proto")]
    code = protoc.main(["protoc", f"-I{ROOT}", f"-I{include}", f"--python_out={out_dir}", *rel])
    if code != 0:
        raise RuntimeError(f"protoc failed with exit code {code}")
    return _outputs()


def _outputs(suffix: str = "_pb2.py") -> list[str]:
    protos = sorted(glob.glob(os.path.join(PROTO_DIR, "*.proto")))
    return [os.path.splitext(os.path.relpath(p, ROOT))[0] + suffix for p in protos]


def stale_modules() -> list[str]:
    """The committed _pb2 modules that differ from a fresh compile."""
    with tempfile.TemporaryDirectory() as tmp:
        return [rel for rel in generate(tmp)
                if not os.path.exists(os.path.join(ROOT, rel))
                or not filecmp.cmp(os.path.join(tmp, rel), os.path.join(ROOT, rel), shallow=False)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale modules")
    parser.add_argument("--out", default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_modules()
        for rel in stale:
            print(f"stale: {rel} (run: python -m tflite_tools.proto.generate)")
        return 1 if stale else 0
    for rel in generate(args.out):
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
