"""`inspect --check`: will this model convert, and with which non-builtin ops?

Trial conversions (nothing written), builtins only, then with select TF ops,
sort the ops the converter refused into select-TF and custom ones.
"""

from __future__ import annotations

from tflite_tools.convert.conversion import convert
from tflite_tools.convert.graph_plan import NoInputError
from tflite_tools.errors import ConversionError, InputError, UsageError
from tflite_tools.proto import summary_pb2


def check_compatibility(path: str, **options) -> summary_pb2.TfliteCompatibility:
    """Trial conversions of `path` (nothing written): builtins only, then with
    select TF ops, listing the ops that need select TF ops or custom ops.

    `options` go to `convert` (input_arrays, input_shapes, ...). A graph
    with no input Placeholder is tried cut at the tensors `inspect` suggests.
    """
    compatibility = summary_pb2.TfliteCompatibility(checked=True)
    try:
        try:
            convert(path, **options)
        except NoInputError as err:
            if not err.candidates:
                raise
            options = dict(options, input_arrays=err.candidates)
            convert(path, **options)
        compatibility.convertible_with_builtins = True
        return compatibility
    except ConversionError as err:
        first = err
    except (UsageError, InputError) as err:
        compatibility.message = str(err)
        return compatibility
    try:
        convert(path, **dict(options, allow_select_tf_ops=True))
        compatibility.select_tf_ops.extend(first.ops)
    except ConversionError as err:
        custom = [op for op in err.ops if op not in first.ops] or err.ops
        compatibility.select_tf_ops.extend(op for op in first.ops if op not in custom)
        compatibility.custom_ops.extend(custom)
        if not err.ops:
            compatibility.message = str(err)
    return compatibility
