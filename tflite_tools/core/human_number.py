"""TensorFlow's `strings::HumanReadableNum(int64)`, as summarize_graph prints it.

    >>> human_readable_num(4250000)
    '4.25M'
    >>> human_readable_num(999995)   # TF's own rounding quirk, kept on purpose
    '1000.00k'
"""

from __future__ import annotations

_UNITS = "kMBT"  # B is billion, not G: TF's spelling.


def human_readable_num(value: int) -> str:
    """Format `value` like TensorFlow: 999, 1.50k, 4.25M, 1.23B, 3.46T, 1E+15."""
    sign = ""
    if value < 0:
        sign, value = "-", -value
    if value < 1000:
        return f"{sign}{value}"
    if value >= 10**15:
        # C's "%0.3G" of the double; Python's %-formatting rounds the same way.
        return sign + "%0.3G" % float(value)
    unit = 0
    # TF truncates by 1000 while the value has 7+ digits, then prints one
    # division by 1000.0 with two decimals; 999995 thus becomes "1000.00k".
    while value >= 1_000_000:
        value //= 1000
        unit += 1
    return sign + "%.2f%s" % (value / 1000.0, _UNITS[unit])
