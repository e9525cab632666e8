"""Numbers read from a log, or None when the text cannot be one our messages hold.

A pasted log can hold anything where a number belongs ("16.-19008", a count
past int64): the parsers treat such a line as unknown instead of raising.

    >>> integer("42"), integer("9" * 25), real("16.-19008"), scaled("0.5", 1e3)
    (42, None, None, 500)
"""

from __future__ import annotations

import math

INT32 = 32
INT64 = 64


def integer(text: str, bits: int = INT64) -> int | None:
    """A decimal integer that fits a signed `bits`-bit field, else None."""
    try:
        return _fits(int(text), bits)
    except ValueError:
        return None


def real(text: str) -> float | None:
    """A printed double ("1041.15", "3.51239e+06", "nan", "inf"), else None."""
    try:
        return float(text)
    except ValueError:
        return None


def scaled(text: str, factor: float) -> int | None:
    """`text` as a double times `factor`, rounded to an int64 ("17.187" ms -> 17187 us), else None."""
    value = real(text)
    if value is None or not math.isfinite(value * factor):
        return None
    return _fits(round(value * factor), INT64)


def _fits(value: int, bits: int) -> int | None:
    limit = 1 << (bits - 1)
    return value if -limit <= value < limit else None
