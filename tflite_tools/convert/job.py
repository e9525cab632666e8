"""One conversion's state, shared by the plans: the options and the report
being filled, the names and shapes the user gave, and what the plans learn
of the model's inputs for verify and the representative dataset."""

from __future__ import annotations

from typing import Optional, Sequence

from tflite_tools.errors import UsageError

DEFAULT_TAGS = ("serve",)


class Job:
    """One conversion: `report` (its `options`) is filled as the plans go."""

    def __init__(self, report, input_arrays, output_arrays, input_shapes, checkpoint: Optional[str] = None):
        self.report = report
        self.options = report.options
        self.input_arrays = input_arrays
        self.output_arrays = output_arrays
        self.input_shapes = input_shapes
        self.checkpoint = checkpoint        # a graph's checkpoint given apart from it
        self.tf_inputs: list[str] = []      # what verify feeds in TensorFlow
        self.tf_outputs: list[str] = []
        self.rep_names: list[str] = []      # representative data keys, in converter order
        self.rep_shapes: list[list[int]] = []
        self.rep_dtypes: list[str] = []
        self.rep_as_dict = False

    def shapes_for(self, inputs: Sequence[str]) -> list:
        """The --input_shapes for `inputs` (None each when none were given).

        Raises UsageError when the count does not match.
        """
        if self.input_shapes and len(self.input_shapes) != len(inputs):
            raise UsageError(f"--input_shapes has {len(self.input_shapes)} shapes for {len(inputs)} inputs "
                             f"({', '.join(inputs)}); give one shape per input, separated by ':'.")
        return self.input_shapes or [None] * len(inputs)


def display_name(item) -> str:
    """A name, or a live tensor's name, as the report shows it."""
    return item if isinstance(item, str) else getattr(item, "name", str(item))
