"""`tflite-tools doctor`: TensorFlow version, converter APIs, raw calls per artifact kind."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    del parser  # no options yet


def run(args):
    del args
    from tflite_tools.doctor import doctor

    return doctor()
