"""Release numbers of version strings ("2.17.1", "2.19.0-rc0", "2.23.0.dev20261026", "2.16.1+local")."""

from __future__ import annotations

from typing import Optional


def release(version: str) -> Optional[tuple[int, int]]:
    """(major, minor) of `version`, or None when it does not start with two numbers."""
    parts = version.split("+")[0].split(".")[:2]
    if len(parts) < 2 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]), int(parts[1])
