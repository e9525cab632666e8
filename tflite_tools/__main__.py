"""`python -m tflite_tools` runs the CLI."""

from tflite_tools.cli import entry_point

entry_point()
