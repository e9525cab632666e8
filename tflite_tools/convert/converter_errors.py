"""What the TFLite converter's failures say: the ops it could not take, read
from its structured errors or from the text of every converter generation
(TOCO's op lists, MLIR's "neither a custom op nor a flex op" and "flex
runtime" lists), turned into one ConversionError naming them and the flag
that helps.

    >>> parse_converter_text("TF Select ops: Cumprod")
    (['Cumprod'], [])
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from tflite_tools.errors import ConversionError


def conversion_error(select_ops: Sequence[str], custom_ops: Sequence[str], text: str) -> ConversionError:
    """A ConversionError naming the ops and the flag that helps."""
    if select_ops and not custom_ops:
        return ConversionError(
            f"TFLite builtins lack {', '.join(select_ops)}; pass --allow_select_tf_ops to keep "
            "them as select TF ops (the runtime then needs the Flex delegate).", ops=select_ops)
    if custom_ops:
        ops = list(select_ops) + list(custom_ops)
        return ConversionError(
            f"neither TFLite builtins nor select TF ops implement {', '.join(custom_ops)}"
            f"{' (and ' + ', '.join(select_ops) + ' need --allow_select_tf_ops)' if select_ops else ''}; "
            "pass --allow_custom_ops and provide a custom kernel, or change the model.", ops=ops)
    return ConversionError(f"the TFLite converter failed: {_summary_line(text)}.")


_MLIR_OP = re.compile(r"'(tf\.\w+)' op is neither a custom op nor a flex op")
_FLEX_LIST = re.compile(r"(?:TF Select ops|Ops that can be supported by the flex runtime[^:]*):\s*(.*)")
_CUSTOM_LIST = re.compile(r"(?:Custom ops|Ops that need custom implementation[^:]*):\s*(.*)")
_TOCO_CUSTOM = re.compile(r"Here is a list of operators for which you will need custom implementations: "
                          r"([^.]*)")
_DETAIL_OP = re.compile(r"^\s+(tf\.\w+)")


def unsupported_ops(exc, text: str) -> tuple[list[str], list[str]]:
    """(ops needing select TF ops, ops needing custom implementations).

    Reads the structured `errors` of TF 2.x's ConverterError first, then the
    message shapes of every converter generation (TOCO's op lists, MLIR's
    "neither a custom op nor a flex op" and "flex runtime" lists).
    """
    select, custom = [], []
    for error in getattr(exc, "errors", None) or []:
        code = _error_code_name(error)
        name = _strip_tf(error.operator.name) if error.HasField("operator") else ""
        if not name:
            continue
        if code == "ERROR_NEEDS_FLEX_OPS":
            select.append(name)
        elif code == "ERROR_NEEDS_CUSTOM_OPS":
            custom.append(name)
    if not select and not custom:
        select, custom = parse_converter_text(text)
    return _unique(select), _unique(custom)


def parse_converter_text(text: str) -> tuple[list[str], list[str]]:
    """(select TF ops, custom ops) named in a converter's error text."""
    select, custom = [], []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = _FLEX_LIST.search(line)
        target = select
        if not match:
            match = _CUSTOM_LIST.search(line)
            target = custom
        if match:
            listed = [_strip_tf(op.strip(".;")) for op in re.split(r"[,\s]+", match.group(1)) if op.strip()]
            if not listed:  # MLIR lists them one per indented line below
                for detail in lines[i + 1:]:
                    op = _DETAIL_OP.match(detail)
                    if not op:
                        break
                    listed.append(_strip_tf(op.group(1)))
            target.extend(op for op in listed if re.fullmatch(r"\w+", op))
            continue
        toco = _TOCO_CUSTOM.search(line)
        if toco:
            custom.extend(op.strip() for op in toco.group(1).split(",") if op.strip())
    if not select and not custom:
        select.extend(_strip_tf(op) for op in _MLIR_OP.findall(text))
    return _unique(select), _unique(custom)


def _error_code_name(error) -> str:
    try:
        return error.ErrorCode.Name(error.error_code)
    except (AttributeError, ValueError):
        return str(error.error_code)


def _strip_tf(op: str) -> str:
    return op[3:] if op.startswith("tf.") else op


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _summary_line(text: str) -> str:
    for line in text.splitlines():
        line = re.sub(r"^(<unknown>:0: )?(error: )?", "", line.strip())
        if line and not line.startswith(("loc(", "note:", "WARNING", "W0000", "I0000")):
            return line.rstrip(".")
    return "no message"
