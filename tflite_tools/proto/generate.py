"""Regenerate the `*_pb2.py` modules from the `.proto` files beside this one.

    python -m tflite_tools.proto.generate          # rewrite the _pb2 modules
    python -m tflite_tools.proto.generate --check  # exit 1 when any is stale

Needs grpcio-tools (a dev dependency); the runtime only needs protobuf.
"""

from __future__ import annotations

import argparse
import filecmp
import glob
import os
import sys
import tempfile

PROTO_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(PROTO_DIR))


def generate(out_dir: str) -> list[str]:
    """Compile every .proto into `out_dir` (mirroring the package path)."""
    from grpc_tools import protoc
    import grpc_tools

    protos = sorted(glob.glob(os.path.join(PROTO_DIR, "*.proto")))
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    rel = [os.path.relpath(p, ROOT) for p in protos]
    code = protoc.main(["protoc", f"-I{ROOT}", f"-I{include}", f"--python_out={out_dir}", *rel])
    if code != 0:
        raise RuntimeError(f"protoc failed with exit code {code}")
    return [os.path.splitext(r)[0] + "_pb2.py" for r in rel]


def stale_modules() -> list[str]:
    """The committed _pb2 modules that differ from a fresh compile."""
    with tempfile.TemporaryDirectory() as tmp:
        return [rel for rel in generate(tmp)
                if not os.path.exists(os.path.join(ROOT, rel))
                or not filecmp.cmp(os.path.join(tmp, rel), os.path.join(ROOT, rel), shallow=False)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale modules")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_modules()
        for rel in stale:
            print(f"stale: {rel} (run: python -m tflite_tools.proto.generate)")
        return 1 if stale else 0
    for rel in generate(ROOT):
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
