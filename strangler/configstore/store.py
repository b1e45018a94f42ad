"""The config store's port: a service's dynamic settings, versioned, with an audit trail.

A store holds, per service, a flat mapping of setting names to scalars and a revision that
grows with every change. Each change is written together with one audit entry (who, from
where, old and new values) in one atomic step. Secrets never go in a store: its values are
read by every process of the service and shown by ``python -m strangler config``.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, TypeGuard

Scalar = int | float | bool | str

NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
SERVICE = re.compile(r"^[a-z][a-z0-9_-]*$")


class ConfigStoreError(Exception):
    """The store is out of reach or answered something unexpected (the message has its URL)."""


class ConfigConflict(ConfigStoreError):
    """The service's config changed after the revision the change was based on."""


@dataclass(frozen=True)
class Snapshot:
    """A service's settings as of ``revision`` (0: nothing was ever written)."""

    revision: int
    values: dict[str, Scalar] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    """One applied change. ``changes`` maps a name to (old, new); None is an absent value."""

    revision: int
    at: str
    author: str
    source: str
    changes: dict[str, tuple[Scalar | None, Scalar | None]]


class ConfigStore(Protocol):
    def read(self, service: str) -> Snapshot: ...

    def apply(
        self,
        service: str,
        changes: Mapping[str, Scalar | None],
        *,
        author: str,
        source: str,
        expected_revision: int | None = None,
    ) -> int:
        """Sets (or, for None, deletes) the names and records one audit entry, atomically;
        returns the service's new revision. Changes that leave a value as it is are dropped;
        when none is left nothing is written and the current revision is returned. With
        ``expected_revision``, raises ``ConfigConflict`` when the service's revision is now
        greater (someone else changed it since it was read)."""
        ...

    def history(self, service: str, name: str | None = None) -> list[AuditEntry]:
        """The audit entries, newest first; only those that touch ``name`` when given."""
        ...

    def watch(
        self,
        service: str,
        after_revision: int,
        on_change: Callable[[Snapshot], None],
        stop: threading.Event,
    ) -> None:
        """Blocks, calling ``on_change`` with the whole snapshot after each change past
        ``after_revision`` (changes in quick succession may arrive as one snapshot), until
        ``stop`` is set; returns within about a second of it. A store that goes away is
        reconnected to with backoff, and the snapshot re-read when it is back."""
        ...


def same(a: Scalar | None, b: Scalar | None) -> bool:
    """Equal values of the same type: ``1``, ``1.0`` and ``True`` are three different values."""
    return type(a) is type(b) and a == b


def is_scalar(value: object) -> TypeGuard[Scalar]:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int | bool | str)


def check_service(service: str) -> None:
    if not SERVICE.match(service):
        raise ValueError(f"bad service name {service!r} (lower case letters, digits, - and _)")


def check_changes(changes: Mapping[str, Scalar | None]) -> None:
    for name, value in changes.items():
        if not NAME.match(name):
            raise ValueError(f"bad setting name {name!r} (upper case letters, digits and _)")
        if value is not None and not is_scalar(value):
            raise ValueError(f"{name}: {value!r} is not an int, a finite float, a bool or a str")


def effective_changes(
    current: Mapping[str, Scalar], changes: Mapping[str, Scalar | None]
) -> dict[str, tuple[Scalar | None, Scalar | None]]:
    """(old, new) for each change that alters ``current``."""
    return {
        name: (current.get(name), value)
        for name, value in sorted(changes.items())
        if not same(current.get(name), value)
    }


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def audit_json(entry: AuditEntry) -> dict[str, object]:
    return {
        "revision": entry.revision,
        "at": entry.at,
        "author": entry.author,
        "source": entry.source,
        "changes": {name: list(pair) for name, pair in entry.changes.items()},
    }


def audit_from_json(data: Mapping[str, object], revision: int | None = None) -> AuditEntry:
    changes = data.get("changes")
    found = data.get("revision") if revision is None else revision
    if not isinstance(changes, dict) or not isinstance(found, int):
        raise ValueError("not an audit entry")
    return AuditEntry(
        revision=found,
        at=str(data.get("at", "")),
        author=str(data.get("author", "")),
        source=str(data.get("source", "")),
        changes={str(name): (pair[0], pair[1]) for name, pair in changes.items()},
    )


def touching(entries: list[AuditEntry], name: str | None) -> list[AuditEntry]:
    return [entry for entry in entries if name is None or name in entry.changes]
