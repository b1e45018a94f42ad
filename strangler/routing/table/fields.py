"""Reading one field of the table: the checks every section shares, and the problem list.

:class:`FieldReader` holds the problems found so far and the typed readers (a mapping with
known keys, a positive number, a count, a choice) that record a problem and fall back to a
default instead of raising, so one pass names every mistake. ``path_problem`` says why a
prefix or path template is unusable; the name pattern and scalar helpers live here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

NAME = re.compile(r"[a-z0-9_-]+")
_TEMPLATE_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+|\{[a-z_][a-z0-9_]*(?::int)?\}")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):  # YAML true -> "true", as a JSON claim would print
        return "true" if value else "false"
    return str(value)


def path_problem(text: Any, *, template: bool = False) -> str | None:
    """Why ``text`` is not a usable prefix/path, or None."""
    if not isinstance(text, str) or not text.startswith("/"):
        return "must be a string starting with '/'"
    if text == "/":
        return None
    if "//" in text:
        return "must not contain '//'"
    if text.endswith("/"):
        return "must not end with '/' (except the root '/')"
    segments = text.split("/")[1:]
    if any(segment in (".", "..") for segment in segments):
        return "must not contain '.' or '..' segments"
    if "%" in text or "\\" in text or "?" in text or "#" in text:
        return "must not contain '%', '\\', '?' or '#'"
    if template:
        bad = [s for s in segments if not _TEMPLATE_SEGMENT.fullmatch(s)]
        if bad:
            return f"bad segment {bad[0]!r} (use literals, {{name}} or {{name:int}})"
    elif "{" in text or "}" in text:
        return "a prefix cannot hold '{' or '}' (use path: for templates)"
    return None


class FieldReader:
    """Collects problems; each reader records what is wrong and returns a usable default."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str, allowed: set[str]) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(where, f"must be a mapping, not {type(value).__name__}")
            return {}
        for key in value:
            if key not in allowed:
                self.problem(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        return value

    def positive(self, value: Any, where: str, default: float | None = None) -> float:
        if value is None and default is not None:
            return default
        if not is_number(value) or value <= 0:
            self.problem(where, f"must be a positive number, not {value!r}")
            return default or 1.0
        return float(value)

    def count(self, value: Any, where: str, default: int, minimum: int) -> int:
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(where, f"must be an integer >= {minimum}, not {value!r}")
            return default
        return value

    def choice(self, value: Any, where: str, allowed: Sequence[str], default: str) -> str:
        if value is None:
            return default
        if value not in allowed:
            self.problem(where, f"must be one of {', '.join(allowed)}, not {value!r}")
            return default
        return str(value)
