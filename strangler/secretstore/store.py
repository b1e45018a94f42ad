"""The secret store's port: versioned secrets under a path, written with check-and-set.

A path (``shop/jwt-signing``) holds numbered versions, 1 for the first; each version is a flat
``dict[str, str]`` and its creation time, never changed once written. A write names the
version it expects to be the current one (0: the path must not exist yet), so two writers
cannot both think they made version n. Values never appear in a message, a log or a repr.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

PATH = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$")


class SecretStoreError(Exception):
    """The store is out of reach, refused the request, or has nothing at the path; the
    message names the store and the path, never a value."""


class SecretNotFound(SecretStoreError):
    """Nothing at the path (or not that version)."""


class SecretConflict(SecretStoreError):
    """The path's current version is not the one the write expected."""


@dataclass(frozen=True)
class VersionInfo:
    version: int
    created: datetime


@dataclass(frozen=True)
class Secret:
    """One version of a path. ``data`` stays out of the repr."""

    version: int
    created: datetime
    data: dict[str, str] = field(repr=False)


class SecretStore(Protocol):
    url: str

    def read(self, path: str, version: int | None = None) -> Secret:
        """The newest version (or ``version``); raises :class:`SecretNotFound`."""
        ...

    def versions(self, path: str) -> list[VersionInfo]:
        """Every version's metadata, oldest first; [] for a path never written."""
        ...

    def write(self, path: str, data: Mapping[str, str], *, expected_version: int) -> int:
        """Writes version ``expected_version + 1`` and returns it; raises
        :class:`SecretConflict` when the current version is another (0: none yet)."""
        ...


def check_path(path: str) -> None:
    if not PATH.match(path):
        raise ValueError(f"bad secret path {path!r} (lower case words separated by /)")


def check_data(path: str, data: Mapping[str, str]) -> None:
    if not data or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"{path}: a secret is a non-empty mapping of strings to strings")
