"""Turn any tflite-tools result message into text, JSON or pbtxt.

JSON uses proto field names (snake_case) and prints every field, those at
their default value too (`"index": 0`), but for unset messages and unset
`optional`/oneof fields (their absence means "not set"); protobuf's
json_format prints int64 as strings, which this module undoes so scripts get
numbers. Text output is per message type: each result
module registers a formatter in `_TEXT_FORMATTERS` as "module:function".
"""

from __future__ import annotations

import importlib
import json

from google.protobuf import json_format, text_format

FORMATS = ("text", "json", "pbtxt")

# Full message name -> "module:function" returning the text rendering.
_TEXT_FORMATTERS = {
    "tflite_tools.GraphSummary": "tflite_tools.summarize_graph.summarize:format_summary",
    "tflite_tools.ModelSummary": "tflite_tools.inspect.text:format_text",
    "tflite_tools.FreezeResult": "tflite_tools.freeze.text:format_text",
    "tflite_tools.ConversionReport": "tflite_tools.convert.text:format_text",
    "tflite_tools.VerificationReport": "tflite_tools.verify.text:format_text",
    "tflite_tools.BenchmarkResult": "tflite_tools.benchmark.text:format_text",
    "tflite_tools.Doctor": "tflite_tools.doctor:format_text",
    "tflite_tools.ModelReport": "tflite_tools.report.text:format_text",
}


def to_dict(message) -> dict:
    """The message as a JSON-ready dict with proto field names."""
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return _with_defaults(message, _int64_strings_to_numbers(message, data))


def _with_defaults(message, data: dict) -> dict:
    """`data` with the fields json_format leaves out at their default value, in
    field order (its own flag for this has another name in each protobuf)."""
    full = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.name in data:
            if field.message_type is not None and not field.message_type.GetOptions().map_entry:
                full[field.name] = ([_with_defaults(v, d) for v, d in zip(value, data[field.name])]
                                    if _is_repeated(field) else _with_defaults(value, data[field.name]))
            else:
                full[field.name] = data[field.name]
        elif _is_repeated(field):
            full[field.name] = {} if field.message_type and field.message_type.GetOptions().map_entry else []
        elif field.message_type is None and field.containing_oneof is None:
            full[field.name] = field.enum_type.values_by_number[value].name if field.enum_type else value
    return full


def _int64_strings_to_numbers(message, data):
    for field in message.DESCRIPTOR.fields:
        if field.name not in data:
            continue
        value = getattr(message, field.name)
        if field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                continue
            if _is_repeated(field):
                data[field.name] = [_int64_strings_to_numbers(v, d) for v, d in zip(value, data[field.name])]
            else:
                data[field.name] = _int64_strings_to_numbers(value, data[field.name])
        elif field.cpp_type in (field.CPPTYPE_INT64, field.CPPTYPE_UINT64):
            data[field.name] = list(value) if _is_repeated(field) else value
    return data


def _is_repeated(field) -> bool:
    """protobuf 4.25 has only `label`, 7.x only `is_repeated`."""
    return field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED


def render(message, fmt: str = "text") -> str:
    """Render `message` as `fmt` (text, json or pbtxt); ends with a newline
    unless the text form itself does not (summarize_graph's text is exact)."""
    if fmt == "json":
        return json.dumps(to_dict(message), indent=2) + "\n"
    if fmt == "pbtxt":
        return text_format.MessageToString(message)
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    target = _TEXT_FORMATTERS.get(message.DESCRIPTOR.full_name)
    if target is None:
        return text_format.MessageToString(message)
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)(message)
