"""TensorFlow DataType enum values and their two spellings, without TensorFlow.

TensorFlow names a dtype two ways: its C++ tools print `DataTypeString`
("float", "half", "float_ref", "INVALID"), while Python and numpy use
`tf.DType.name` ("float32", "float16", "float32_ref"). Example:

    >>> from tflite_tools.core import dtypes
    >>> dtypes.type_string(1), dtypes.type_string(101), dtypes.python_name(19)
    ('float', 'float_ref', 'float16')
    >>> dtypes.enum_from_name("float32"), dtypes.enum_from_name("float")
    (1, 1)
"""

from __future__ import annotations

# Ref types are the base enum plus this offset (types.proto).
REF_OFFSET = 100

# enum -> (DataTypeString name, tf.DType.name); values from types.proto.
_NAMES = {
    0: ("INVALID", "invalid"),
    1: ("float", "float32"),
    2: ("double", "float64"),
    3: ("int32", "int32"),
    4: ("uint8", "uint8"),
    5: ("int16", "int16"),
    6: ("int8", "int8"),
    7: ("string", "string"),
    8: ("complex64", "complex64"),
    9: ("int64", "int64"),
    10: ("bool", "bool"),
    11: ("qint8", "qint8"),
    12: ("quint8", "quint8"),
    13: ("qint32", "qint32"),
    14: ("bfloat16", "bfloat16"),
    15: ("qint16", "qint16"),
    16: ("quint16", "quint16"),
    17: ("uint16", "uint16"),
    18: ("complex128", "complex128"),
    19: ("half", "float16"),
    20: ("resource", "resource"),
    21: ("variant", "variant"),
    22: ("uint32", "uint32"),
    23: ("uint64", "uint64"),
    24: ("float8_e5m2", "float8_e5m2"),
    25: ("float8_e4m3fn", "float8_e4m3fn"),
    26: ("float8_e4m3fnuz", "float8_e4m3fnuz"),
    27: ("float8_e4m3b11fnuz", "float8_e4m3b11fnuz"),
    28: ("float8_e5m2fnuz", "float8_e5m2fnuz"),
    29: ("int4", "int4"),
    30: ("uint4", "uint4"),
    31: ("int2", "int2"),
    32: ("uint2", "uint2"),
    33: ("float4_e2m1fn", "float4_e2m1fn"),
}

_BY_NAME = {}
for _enum, (_tf_name, _py_name) in _NAMES.items():
    if _enum:
        _BY_NAME[_tf_name] = _enum
        _BY_NAME[_py_name] = _enum
        _BY_NAME[_tf_name + "_ref"] = _enum + REF_OFFSET
        _BY_NAME[_py_name + "_ref"] = _enum + REF_OFFSET


def is_ref(enum: int) -> bool:
    return enum > REF_OFFSET


def base_enum(enum: int) -> int:
    """The non-ref enum (float_ref -> float)."""
    return enum - REF_OFFSET if is_ref(enum) else enum


def type_string(enum: int) -> str:
    """TensorFlow's C++ `DataTypeString`: float, int32, half, float_ref, INVALID.

    An enum TensorFlow does not know prints as "unknown dtype enum (<n>)",
    as the C++ function does.
    """
    names = _NAMES.get(base_enum(enum))
    if names is None:
        return f"unknown dtype enum ({enum})"
    return names[0] + ("_ref" if is_ref(enum) else "")


def python_name(enum: int) -> str:
    """`tf.DType.name`: float32, int32, float16, float32_ref; numpy-style names."""
    names = _NAMES.get(base_enum(enum))
    if names is None:
        return f"unknown_dtype_{enum}"
    return names[1] + ("_ref" if is_ref(enum) else "")


def enum_from_name(name: str) -> int:
    """The enum for either spelling ("float" or "float32", "half" or "float16").

    Raises KeyError for a name that is not a TensorFlow dtype.
    """
    return _BY_NAME[name]


def known_names() -> list[str]:
    """Every accepted dtype name, for "did you mean" messages."""
    return sorted(_BY_NAME)
