"""Turn a pasted log of TensorFlow's tools into clean message lines.

Users paste logs in every shape: with TF's log prefixes of any era, TFLite's
`INFO: ` prefixes, Python logging's `INFO:tensorflow:`, shell prompts and the
command line they typed, indentation, `\\` continuations. `clean(text)` undoes
all of that and returns one `LogLine` per message line, keeping what the
prefix said (severity) so a parser can tell errors from information:

    >>> [l.text for l in clean("2017-11-27 08:56:45.691915: I a.cc:1] Graph: [g.pb]")]
    ['Graph: [g.pb]']

Lines starting with `# ` are comments (the fixtures' `# source:` line, shell
comments) and are dropped, as is absl's "All log messages before
absl::InitializeLog()" banner.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Callable, Iterable

# glog-style TF (TF 1.x .. 2.15): "2017-11-27 08:56:45.691915: I tensorflow/x.cc:324] "
_GLOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: ([IWEF]) [^\]\s]+:\d+\] ?")
# absl (TF >= 2.16 C++, absl-py): "I0000 00:00:1795687126.921125    3034 file.cc:493] " (before
# absl::InitializeLog the clock part is 00:00:<epoch seconds>)
_ABSL_PREFIX = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [^\]\s]+:\d+\] ?")
# Python logging through tf_logging: "INFO:tensorflow:Froze 4 variables."
_PY_LOGGING_PREFIX = re.compile(r"^(INFO|WARNING|ERROR|FATAL|CRITICAL|DEBUG):tensorflow:")
# TFLITE_LOG (TF >= ~2.3): "INFO: ", "WARN: ", "ERROR: ".
# An empty message leaves "INFO: ", which pastes trim to "INFO:".
_TFLITE_PREFIX = re.compile(r"^(INFO|WARN|WARNING|ERROR|FATAL|VERBOSE):(?: |$)")
# Android logcat (the TFLite benchmark app, `adb logcat`), threadtime and brief formats:
# "11-26 10:00:00.123  1234  1234 I tflite  : STARTING!", "I/tflite  ( 1234): STARTING!"
_LOGCAT_PREFIX = re.compile(r"^(?:\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+ ([VDIWEF]) [^:]*|"
                            r"([VDIWEF])/[^(:]*\(\s*\d+\)): ?")
_SEVERITY = {"V": "I", "D": "I", "INFO": "I", "DEBUG": "I", "VERBOSE": "I", "WARN": "W", "WARNING": "W",
             "ERROR": "E", "FATAL": "F", "CRITICAL": "F"}

_ABSL_BANNER = "All log messages before absl::InitializeLog() is called are written to STDERR"

# A pasted shell command running one of TF's tools, after an optional prompt
# ("$ ", "user@host:~$ ", "(venv) ➜ dir git:(x) ✗ ", ">> ").
_PROGRAMS = (r"summarize_graph|tf_benchmark_model|benchmark_model(?:_plus_flex)?|"
             r"freeze_graph(?:\.py)?|tflite_convert|toco|transform_graph|python[23]?(?:\.\d+)?")
_COMMAND = re.compile(r"(?:^|\s)((?:[\w.~:/-]*[/:.])?(?:" + _PROGRAMS + r"))(?=\s|$)")


@dataclass(frozen=True)
class LogLine:
    """One message line.

    text: the message without log prefix, indentation or trailing blanks.
    severity: "I", "W", "E" or "F" from the prefix, "" when there was none.
    prefixed: the line carried a TF/absl/glog/Python/TFLite log prefix.
    indent: the leading whitespace that was removed.
    command: argv when the line is a pasted shell command running a TF tool
        (parsers check their own patterns first: summarize_graph's benchmark
        hint is a `bazel run ... benchmark_model -- ...` line too).
    """

    text: str
    severity: str = ""
    prefixed: bool = False
    indent: str = ""
    command: tuple[str, ...] | None = None


def split_lines(text: str) -> list[str]:
    """Lines of `text` with `\\` continuations joined (and a continuation's `> ` prompt dropped)."""
    out: list[str] = []
    pending = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if pending is not None:
            line = pending + re.sub(r"^\s*(?:>\s+)?", "", line)
            pending = None
        stripped = line.rstrip()
        if stripped.endswith("\\") and not stripped.endswith("\\\\"):
            pending = stripped[:-1].rstrip() + " "
            continue
        out.append(line)
    if pending is not None:
        out.append(pending.rstrip())
    return out


def clean(text: str) -> list[LogLine]:
    """Every message line of a pasted log, see the module docstring."""
    lines = []
    for raw in split_lines(text):
        line = _clean_line(raw)
        if line is not None:
            lines.append(line)
    return lines


def _clean_line(raw: str) -> LogLine | None:
    body = raw.rstrip()
    indent = body[:len(body) - len(body.lstrip())]
    body = body.lstrip()
    if body.startswith("# ") or body == "#":
        return None
    severity, prefixed = "", False
    for pattern in (_GLOG_PREFIX, _ABSL_PREFIX, _LOGCAT_PREFIX, _PY_LOGGING_PREFIX, _TFLITE_PREFIX):
        match = pattern.match(body)
        if match:
            word = next(group for group in match.groups() if group)
            severity = _SEVERITY.get(word, word)
            prefixed = True
            body = body[match.end():]
            break
    if body == _ABSL_BANNER:
        return None
    text = body.strip()
    command = None if prefixed else _command(text)
    return LogLine(text=text, severity=severity, prefixed=prefixed, indent=indent, command=command)


def _command(text: str) -> tuple[str, ...] | None:
    match = _COMMAND.search(text)
    if not match:
        return None
    program, rest = match.group(1), text[match.end():]
    if re.search(r"python[23]?(?:\.\d+)?$", program):
        looks_like_command = bool(rest.strip())  # python <script or -m module> ...
    else:
        looks_like_command = not rest.strip() or rest.lstrip().startswith("-")
    if not looks_like_command:
        return None
    try:
        argv = shlex.split(program + rest)
    except ValueError:  # an unbalanced quote in a hand-edited paste
        argv = (program + rest).split()
    return tuple(argv)


def flag_values(argv: Iterable[str], *, bool_flags: Iterable[str] = ()) -> dict[str, str]:
    """`--name=value` (and argparse's `--name value`) flags of a command line, by name.

    A flag in `bool_flags` given bare maps to "true"; a bare unknown flag too,
    unless a value that does not start with `-` follows it.
    """
    bool_flags = set(bool_flags)
    argv = list(argv)
    flags: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("--") or arg == "--":
            continue
        name, eq, value = arg[2:].partition("=")
        if not eq:
            if name not in bool_flags and i < len(argv) and not argv[i].startswith("-"):
                value = argv[i]
                i += 1
            else:
                value = "true"
        flags[name] = value
    return flags


def join_wrapped(lines: list[LogLine],
                 continues: Callable[[LogLine, LogLine], bool]) -> list[LogLine]:
    """Glue hand-wrapped lines back on: `line` joins the line before it, with
    one space, whenever `continues(previous, line)` says so."""
    out: list[LogLine] = []
    for line in lines:
        if out and not line.prefixed and line.text and continues(out[-1], line):
            prev = out[-1]
            out[-1] = LogLine(text=prev.text.rstrip() + " " + line.text.strip(),
                              severity=prev.severity, prefixed=prev.prefixed,
                              indent=prev.indent, command=prev.command)
        else:
            out.append(line)
    return out


def unwrap_hard_wrapped(text: str, *, min_width: int = 60, min_lines: int = 3) -> str:
    """Undo a console's hard wrap (Windows wraps at 80 columns mid-word).

    When at least `min_lines` lines share the longest length W (W >= min_width),
    every line exactly W long is joined, without a space, to the next line.
    Only for Python tracebacks: stat tables repeat rows of equal length.
    """
    lines = text.split("\n")
    widths = [len(line) for line in lines if not line.startswith("# ")]
    width = max(widths, default=0)
    if width < min_width or widths.count(width) < min_lines:
        return text
    out: list[str] = []
    glue = False
    for line in lines:
        if glue:
            out[-1] += line
        else:
            out.append(line)
        glue = len(line) == width
    return "\n".join(out)
