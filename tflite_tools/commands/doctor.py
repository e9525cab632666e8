"""`tflite-tools doctor`: TensorFlow, converter APIs, raw calls per artifact kind, native tools."""

from __future__ import annotations

import argparse

from tflite_tools.native import engine


def configure(parser: argparse.ArgumentParser) -> None:
    # Where to look for native tools; doctor itself has no engine to choose.
    engine.add_engine_flags(parser, choose=False)


def run(args):
    from tflite_tools.doctor import doctor

    return doctor(engine.native_tools(args))
