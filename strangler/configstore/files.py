"""``FileStore``: the embedded default config store, files in a folder, no server.

Per service, in the folder::

    {service}.json         {"revision": n, "values": {...}}, replaced whole (temp + os.replace)
    {service}.audit.jsonl  one audit entry per line, appended
    {service}.lock         taken exclusively (flock) by each apply, so processes can share it

An apply appends its audit line first and then replaces the values file: the replace is the
commit. An audit line whose revision the values file never reached (a crash in between) is
not part of the history, and a later apply's line for the same revision replaces it there.
Readers take no lock: the values file is always whole. ``watch`` polls the revision.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from strangler.configstore.store import (
    AuditEntry,
    ConfigConflict,
    ConfigStoreError,
    Scalar,
    Snapshot,
    audit_from_json,
    audit_json,
    check_changes,
    check_service,
    effective_changes,
    is_scalar,
    now,
    touching,
)

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class FileStore:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.url = f"file://{self.directory}"

    def __repr__(self) -> str:
        return f"FileStore({str(self.directory)!r})"

    def _path(self, service: str, suffix: str) -> Path:
        check_service(service)
        return self.directory / f"{service}{suffix}"

    def _failed(self, what: str, exc: BaseException) -> ConfigStoreError:
        return ConfigStoreError(f"config store {self.url}: cannot {what} ({exc})")

    def read(self, service: str) -> Snapshot:
        path = self._path(service, ".json")
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return Snapshot(0, {})
        except (OSError, ValueError) as exc:
            raise self._failed(f"read {path.name}", exc) from exc
        values = data.get("values") if isinstance(data, dict) else None
        revision = data.get("revision") if isinstance(data, dict) else None
        if not isinstance(values, dict) or not all(map(is_scalar, values.values())):
            raise ConfigStoreError(f"config store {self.url}: {path.name} is not a snapshot")
        if not isinstance(revision, int):
            raise ConfigStoreError(f"config store {self.url}: {path.name} has no revision")
        return Snapshot(revision, values)

    @contextlib.contextmanager
    def _locked(self, service: str) -> Iterator[None]:
        path = self._path(service, ".lock")
        self.directory.mkdir(parents=True, exist_ok=True)
        with path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            yield

    def apply(
        self,
        service: str,
        changes: Mapping[str, Scalar | None],
        *,
        author: str,
        source: str,
        expected_revision: int | None = None,
    ) -> int:
        check_changes(changes)
        try:
            with self._locked(service):
                snapshot = self.read(service)
                if expected_revision is not None and snapshot.revision > expected_revision:
                    raise ConfigConflict(
                        f"{service}: the config changed since revision {expected_revision} "
                        f"(it is at {snapshot.revision} in {self.url})"
                    )
                effective = effective_changes(snapshot.values, changes)
                if not effective:
                    return snapshot.revision
                revision = snapshot.revision + 1
                values = dict(snapshot.values)
                for name, (_, new) in effective.items():
                    if new is None:
                        values.pop(name, None)
                    else:
                        values[name] = new
                entry = AuditEntry(revision, now(), author, source, effective)
                self._append(service, entry)
                self._replace(
                    service, {"revision": revision, "values": dict(sorted(values.items()))}
                )
                return revision
        except OSError as exc:
            raise self._failed(f"write {service}'s config", exc) from exc

    def _append(self, service: str, entry: AuditEntry) -> None:
        with self._path(service, ".audit.jsonl").open("a") as audit:
            audit.write(json.dumps(audit_json(entry)) + "\n")
            audit.flush()
            os.fsync(audit.fileno())

    def _replace(self, service: str, data: dict[str, object]) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{service}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as file:
                json.dump(data, file, indent=2)
                file.write("\n")
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._path(service, ".json"))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def history(self, service: str, name: str | None = None) -> list[AuditEntry]:
        revision = self.read(service).revision
        path = self._path(service, ".audit.jsonl")
        try:
            lines = path.read_text().splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._failed(f"read {path.name}", exc) from exc
        by_revision: dict[int, AuditEntry] = {}
        for line in lines:
            try:
                entry = audit_from_json(json.loads(line))
            except (ValueError, KeyError, TypeError, IndexError):
                continue  # a line a crash cut short
            if entry.revision <= revision:
                by_revision[entry.revision] = entry  # the last line of a revision wins
        return touching(sorted(by_revision.values(), key=lambda e: e.revision, reverse=True), name)

    def watch(
        self,
        service: str,
        after_revision: int,
        on_change: Callable[[Snapshot], None],
        stop: threading.Event,
    ) -> None:
        """Reads the values file every half second; a change of revision is delivered."""
        check_service(service)
        delivered = after_revision
        failing = False
        while True:
            try:
                snapshot = self.read(service)
            except ConfigStoreError as exc:
                if not failing:
                    log.warning("%s; still watching", exc)
                failing = True
            else:
                failing = False
                if snapshot.revision > delivered:
                    delivered = snapshot.revision
                    on_change(snapshot)
            if stop.wait(POLL_SECONDS):
                return
