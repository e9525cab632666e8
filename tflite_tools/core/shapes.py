"""tflite_convert's --input_shapes flag: "1,224,224,3:1,10", one shape per input.

    >>> parse_input_shapes("1,8,8,3:1,4")
    [[1, 8, 8, 3], [1, 4]]
    >>> parse_input_shapes([(1, 4)])
    [[1, 4]]
"""

from __future__ import annotations

from tflite_tools.errors import UsageError


def parse_input_shapes(text) -> list[list[int]]:
    """The shapes as lists of ints; lists of shapes pass through (as ints).

    Raises UsageError for a dimension that is not an integer.
    """
    if text is None or text == "":
        return []
    if not isinstance(text, str):
        return [[int(d) for d in shape] for shape in text]
    shapes = []
    for part in text.split(":"):
        try:
            shapes.append([int(d) for d in part.split(",") if d.strip()] if part.strip() else [])
        except ValueError as exc:
            raise UsageError(f"--input_shapes '{text}' is not a list of shapes; write it as "
                             "1,224,224,3:1,10 (',' between dims, ':' between inputs).") from exc
    return shapes
