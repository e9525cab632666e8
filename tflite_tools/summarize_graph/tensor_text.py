"""TensorFlow's text for shapes and tensors, computed from the protos alone.

Mirrors, without TensorFlow:
  * `PartialTensorShape` validation and `DebugString` ("[?,224,224,3]",
    "<unknown>", or the validation error), as summarize_graph prints shapes;
  * `Tensor::FromProto` acceptance and `NumElements()` (counted from the
    shape, never by decoding the content, so 100 MB of weights cost nothing);
  * `Tensor::DebugString()` with `SummarizeValue(3)`, e.g.
    "Tensor<type: float shape: [6272,10] values: [-0.116514981 0.0900826529 0.0465662442...]...>".

    >>> from tflite_tools.proto import tf_graph_pb2
    >>> t = tf_graph_pb2.TensorProto(dtype=1, float_val=[1, 2])
    >>> _ = t.tensor_shape.dim.add(size=3)
    >>> tensor_debug_string(t)
    'Tensor<type: float shape: [3] values: 1 2 2>'
"""

from __future__ import annotations

import math
import struct

from tflite_tools.core import dtypes

_MAX_DIMS = 254  # TensorShape::MaxDimensions()
_INT64_MAX = 2**63 - 1
_SUMMARY_VALUES = 3  # Tensor::DebugString() shows SummarizeValue(3)

# dtype enum -> how FromProto reads it: (struct code of one element in
# tensor_content, or None for length-prefixed string lists; TensorProto typed
# field). Only the dtypes TensorFlow's Tensor can hold are listed.
_STRING_LIST = None
_LAYOUT = {
    1: ("<f", "float_val"),
    2: ("<d", "double_val"),
    3: ("<i", "int_val"),
    4: ("<B", "int_val"),
    5: ("<h", "int_val"),
    6: ("<b", "int_val"),
    7: (_STRING_LIST, "string_val"),
    8: ("<8s", "scomplex_val"),
    9: ("<q", "int64_val"),
    10: ("<B", "bool_val"),
    11: ("<b", "int_val"),
    12: ("<B", "int_val"),
    13: ("<i", "int_val"),
    14: ("<H", "half_val"),
    15: ("<h", "int_val"),
    16: ("<H", "int_val"),
    17: ("<H", "int_val"),
    18: ("<16s", "dcomplex_val"),
    19: ("<H", "half_val"),
    20: (_STRING_LIST, "resource_handle_val"),
    21: (_STRING_LIST, "variant_val"),
    22: ("<I", "uint32_val"),
    23: ("<Q", "uint64_val"),
    24: ("<B", "float8_val"),
    25: ("<B", "float8_val"),
    26: ("<B", "float8_val"),
    27: ("<B", "float8_val"),
    28: ("<B", "float8_val"),
    29: ("<b", "int_val"),
    30: ("<B", "int_val"),
    31: ("<b", "int_val"),
    32: ("<B", "int_val"),
    33: ("<B", "float8_val"),
}

# Integer dtypes narrower than their TensorProto field: (bits, signed). TF
# stores typed values by truncation, and int4/int2 sign-extend their low bits.
_INT_BITS = {4: (8, False), 5: (16, True), 6: (8, True), 11: (8, True), 12: (8, False),
             15: (16, True), 16: (16, False), 17: (16, False), 29: (4, True), 30: (4, False),
             31: (2, True), 32: (2, False)}

# Small floats SummarizeValue prints as numbers: (exponent bits, mantissa
# bits, bias, special values). "ieee": top exponent is inf/NaN; "fn": no inf,
# all ones is NaN; "fnuz": only 0x80 is NaN (printed -nan); "finite": none.
# float8_e4m3fnuz and float8_e5m2fnuz are not among them: TF prints "?".
_SMALL_FLOATS = {24: (5, 2, 15, "ieee"), 25: (4, 3, 7, "fn"), 27: (4, 3, 11, "fnuz"),
                 33: (2, 1, 1, "finite")}

# dtypes SummarizeValue handles in its "irregular" branch: no brackets, "?"
# for complex, qint32 and two float8s, "<...>" for resources and variants.
_IRREGULAR = frozenset({8, 13, 18, 20, 21, 26, 28})
_RESOURCE, _VARIANT = 20, 21


# --- shapes ---------------------------------------------------------------

def shape_proto_text(shape) -> str:
    """`TensorShapeRep::DebugString(const TensorShapeProto&)`, used in errors."""
    text = ""
    if shape.unknown_rank:
        text = "<unknown>"
        if not shape.dim:
            return text
    dims = ",".join("?" if d.size == -1 else str(d.size) for d in shape.dim)
    return f"{text}[{dims}]"


def partial_shape_error(shape) -> str | None:
    """PartialTensorShape::IsValidShape's error message, or None when valid."""
    if shape.unknown_rank:
        return "An unknown shape must not have any dimensions set." if shape.dim else None
    if len(shape.dim) > _MAX_DIMS:
        return f"Shape {shape_proto_text(shape)} has too many dimensions"
    elements = 1
    for d in shape.dim:
        if d.size < -1:
            return (f"Shape {shape_proto_text(shape)} has dimensions with values below -1 "
                    "(where -1 means unknown)")
        if d.size == -1:
            elements = -1
        elif elements >= 0:
            elements *= d.size
            if elements > _INT64_MAX:
                return f"Shape {shape_proto_text(shape)} is too large (more than 2**63 - 1 entries)"
    return None


def partial_shape_text(shape) -> str:
    """How summarize_graph prints a `shape` attr: [1,?,3], [], <unknown>, or the error."""
    error = partial_shape_error(shape)
    if error is not None:
        return error
    if shape.unknown_rank:
        return "<unknown>"
    return "[" + ",".join("?" if d.size < 0 else str(d.size) for d in shape.dim) + "]"


def partial_shape_dims(shape) -> list[int] | None:
    """The dims of a valid, known-rank shape (-1 for unknown); None otherwise."""
    if shape.unknown_rank or partial_shape_error(shape) is not None:
        return None
    return [d.size for d in shape.dim]


def _tensor_dims(shape) -> list[int] | None:
    """TensorShape::IsValid: every dim >= 0, at most 254, no int64 overflow.

    TensorShape (unlike PartialTensorShape) ignores `unknown_rank`.
    """
    if len(shape.dim) > _MAX_DIMS:
        return None
    dims = [d.size for d in shape.dim]
    elements = 1
    for size in dims:
        if size < 0:
            return None
        elements *= size
        if elements > _INT64_MAX:
            return None
    return dims


# --- Tensor::FromProto ----------------------------------------------------

def tensor_num_elements(tensor) -> int | None:
    """`NumElements()` of the Tensor `Tensor::FromProto(tensor)` builds, or
    None when FromProto fails (bad shape, unsupported dtype, content of the
    wrong size). Only sizes are checked: numeric values are never decoded.
    """
    decoded = _from_proto(tensor)
    return None if decoded is None else decoded[0]


def _from_proto(tensor):
    """(element count, raw elements) as FromProto accepts them, or None.

    The raw elements are the tensor_content bytes (a list of byte strings for
    string-list dtypes), or [] when the values sit in the typed fields.
    Resources and variants are decoded here already, since decoding them is
    part of what FromProto checks.
    """
    dims = _tensor_dims(tensor.tensor_shape)
    layout = _LAYOUT.get(tensor.dtype)
    if dims is None or layout is None:
        return None
    count = math.prod(dims)
    if count == 0:
        return 0, []
    content = tensor.tensor_content  # a copy: read it once
    code = layout[0]
    if not content:
        raw = []
    elif code is _STRING_LIST:
        raw = _decode_string_list(content, count)
    elif len(content) != struct.calcsize(code) * count:
        raw = None
    elif tensor.dtype == 10 and content.strip(b"\x00\x01"):
        raw = None  # bools must be 0 or 1 bytes
    else:
        raw = content
    if raw is None:
        return None
    if tensor.dtype in (_RESOURCE, _VARIANT):
        raw = _opaque_texts(tensor, raw, count)
        if raw is None:
            return None
    return count, raw


def _decode_string_list(data: bytes, count: int) -> list[bytes] | None:
    """port::DecodeStringList: `count` varint32 lengths, then the bytes."""
    sizes, pos = [], 0
    for _ in range(count):
        size, shift = 0, 0
        while True:
            if pos >= len(data) or shift > 28:
                return None
            byte = data[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if size > 0xFFFFFFFF:
            return None
        sizes.append(size)
    if sum(sizes) != len(data) - pos:
        return None
    out = []
    for size in sizes:
        out.append(data[pos:pos + size])
        pos += size
    return out


def _opaque_texts(tensor, raw: list, count: int) -> list[str] | None:
    """SummarizeValue's "<...>" text of every resource or variant element.

    Typed fields fill the elements past the last given one with default
    values (not copies of the last one, unlike numbers). None when TF could
    not decode an element; of the variants, only empty ones and plain
    tensors ("tensorflow::Tensor") are understood here.
    """
    from tflite_tools.proto import tf_graph_pb2

    if tensor.dtype == _RESOURCE:
        message, render = tf_graph_pb2.ResourceHandleProto, _resource_text
        given = raw or tensor.resource_handle_val
    else:
        message, render = tf_graph_pb2.VariantTensorDataProto, _variant_text
        given = raw or tensor.variant_val
    texts = []
    for item in list(given[:count]) + [message()] * (count - len(given)):
        if isinstance(item, bytes):
            try:
                item = message.FromString(item)
            except Exception:  # noqa: BLE001 - any parse failure means FromProto fails
                return None
        text = render(item)
        if text is None:
            return None
        texts.append(f"<{text}>")
    return texts


def _resource_text(handle) -> str | None:
    """ResourceHandle::SummarizeValue (type names are shown as stored)."""
    parts = []
    for entry in handle.dtypes_and_shapes:
        if partial_shape_error(entry.shape) is not None:
            return None
        parts.append(f"DType enum: {entry.dtype}, Shape: {partial_shape_text(entry.shape)}")
    return (f'ResourceHandle(name="{handle.name}", device="{handle.device}", '
            f'container="{handle.container}", type="{handle.maybe_type_name}", '
            f'dtype and shapes : "[ {",".join(parts)} ]")')


def _variant_text(data) -> str | None:
    if not data.type_name and not data.tensors and not data.metadata:
        return "[empty]"
    if data.type_name == "tensorflow::Tensor" and len(data.tensors) == 1:
        return tensor_debug_string(data.tensors[0])
    return None


# --- Tensor::DebugString --------------------------------------------------

def tensor_debug_string(tensor) -> str | None:
    """`Tensor::DebugString()` of FromProto(tensor), or None when FromProto fails."""
    decoded = _from_proto(tensor)
    if decoded is None:
        return None
    count, raw = decoded
    dims = [d.size for d in tensor.tensor_shape.dim]
    limit = min(_SUMMARY_VALUES, count)
    if tensor.dtype in _IRREGULAR:
        # No brackets whatever the rank; "..." when there are more than 3.
        texts = raw[:limit] if tensor.dtype in (_RESOURCE, _VARIANT) else ["?"] * limit
        values = " ".join(texts) + ("..." if count > limit else "")
    else:
        texts = [_element_text(tensor.dtype, v) for v in _first_values(tensor, raw, limit)]
        values = _summarize(texts, dims, count)
    shape = "[" + ",".join(str(d) for d in dims) + "]"
    return f"Tensor<type: {dtypes.type_string(tensor.dtype)} shape: {shape} values: {values}>"


def _first_values(tensor, raw, limit: int) -> list:
    """The first `limit` elements, as Python numbers/bytes in storage form."""
    if limit == 0:
        return []
    code, field_name = _LAYOUT[tensor.dtype]
    if raw:
        if code is _STRING_LIST:
            values = raw[:limit]
        else:
            values = [v[0] for v in struct.iter_unpack(code, raw[:struct.calcsize(code) * limit])]
    else:
        values = list(getattr(tensor, field_name)[:limit])
        # FromProtoField: missing values repeat the last one; none at all are T().
        fill = values[-1] if values else (b"" if code is _STRING_LIST else 0)
        values += [fill] * (limit - len(values))
    if tensor.dtype in _INT_BITS:
        values = [_wrap(v, *_INT_BITS[tensor.dtype]) for v in values]
    return values


def _wrap(value: int, bits: int, signed: bool) -> int:
    value &= (1 << bits) - 1
    if signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def _element_text(dtype: int, value) -> str:
    """PrintOneElement(value, print_v2=false) through strings::StrAppend."""
    if dtype == 1:
        return float32_text(value)
    if dtype == 2:
        return float64_text(value)
    if dtype == 19:
        return float32_text(struct.unpack("<e", struct.pack("<H", value & 0xFFFF))[0])
    if dtype == 14:
        return float32_text(struct.unpack("<f", struct.pack("<I", (value & 0xFFFF) << 16))[0])
    if dtype in _SMALL_FLOATS:
        return float32_text(_small_float_value(dtype, value))
    if dtype == 7:
        return utf8_safe_c_escape(value)
    if dtype == 10:
        return "1" if value else "0"
    return str(value)


def _small_float_value(dtype: int, bits: int) -> float:
    """The value of a float8 / float4 bit pattern (ml_dtypes semantics)."""
    exp_bits, man_bits, bias, special = _SMALL_FLOATS[dtype]
    bits &= (1 << (1 + exp_bits + man_bits)) - 1
    negative = bits >> (exp_bits + man_bits)
    exponent = (bits >> man_bits) & ((1 << exp_bits) - 1)
    mantissa = bits & ((1 << man_bits) - 1)
    top = (1 << exp_bits) - 1
    if special == "fnuz" and negative and exponent == 0 and mantissa == 0:
        return -math.nan
    if special == "ieee" and exponent == top:
        magnitude = math.inf if mantissa == 0 else math.nan
    elif special == "fn" and exponent == top and mantissa == (1 << man_bits) - 1:
        magnitude = math.nan
    elif exponent == 0:
        magnitude = math.ldexp(mantissa, 1 - bias - man_bits)
    else:
        magnitude = math.ldexp(mantissa + (1 << man_bits), exponent - bias - man_bits)
    return -magnitude if negative else magnitude


def _summarize(values: list[str], dims: list[int], count: int) -> str:
    """SummarizeValue's layout (PrintOneDim, print_v2=false) of the first values."""
    limit = len(values)
    if not dims:
        return " ".join(values) + ("..." if count > limit else "")
    out: list[str] = []
    printed = 0

    def walk(axis: int) -> None:
        nonlocal printed
        if printed >= limit:
            return
        if axis == len(dims) - 1:
            for i in range(dims[axis]):
                if printed >= limit:
                    if axis != 0:
                        out.append("...")
                    return
                if i > 0:
                    out.append(" ")
                out.append(values[printed])
                printed += 1
            return
        for _ in range(dims[axis]):
            opened = printed < limit
            if opened:
                out.append("[")
            walk(axis + 1)
            if opened or printed < limit:
                out.append("]")
            if printed >= limit:
                break  # TF keeps looping but prints nothing more at this depth
    walk(0)
    return "".join(out) + ("..." if count > limit else "")


# --- number and string text -----------------------------------------------

def float32_text(value: float) -> str:
    """tsl FloatToBuffer: %.6g if it reads back as the same float32, else %.9g."""
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    short = "%.6g" % value
    if math.isinf(value) or _strtof(short) == value:
        return short
    return "%.9g" % value


def float64_text(value: float) -> str:
    """tsl DoubleToBuffer: %.15g if it reads back as the same double, else %.17g."""
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    short = "%.15g" % value
    if math.isinf(value) or float(short) == value:
        return short
    return "%.17g" % value


def _strtof(text: str) -> float:
    """The float32 nearest to the decimal `text` (ties to even), as strtof reads it.

    Rounding through a double first could round twice, so this works on the
    exact rational value.
    """
    from fractions import (
        Fraction,  # only value printing needs it; keeps plain summaries fast
    )

    exact = Fraction(text)
    if exact == 0:
        return 0.0
    sign = -1 if exact < 0 else 1
    magnitude = abs(exact)
    exponent = max(math.floor(math.log2(magnitude)), -126)
    # Correct log2's floating-point estimate so 2**exponent <= magnitude.
    while Fraction(2) ** exponent > magnitude and exponent > -126:
        exponent -= 1
    while Fraction(2) ** (exponent + 1) <= magnitude:
        exponent += 1
    scaled = magnitude / Fraction(2) ** (exponent - 23)  # 24 significant bits
    mantissa = math.floor(scaled)
    remainder = scaled - mantissa
    if remainder > Fraction(1, 2) or (remainder == Fraction(1, 2) and mantissa % 2):
        mantissa += 1
    if mantissa * Fraction(2) ** (exponent - 23) > Fraction(2) ** 128 - Fraction(2) ** 103:
        return sign * math.inf
    return sign * float(mantissa * Fraction(2) ** (exponent - 23))


def utf8_safe_c_escape(data: bytes) -> str:
    """absl::Utf8SafeCEscape: C escapes for control and quote characters,
    octal for other non-printable ASCII, bytes >= 0x80 passed through."""
    out = bytearray()
    for byte in data:
        escape = _ESCAPES.get(byte)
        if escape is not None:
            out += escape
        elif byte < 0x80 and not 0x20 <= byte < 0x7F:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return out.decode("utf-8", errors="replace")


_ESCAPES = {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x22: b'\\"', 0x27: b"\\'", 0x5C: b"\\\\"}
