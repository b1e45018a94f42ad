"""``FileSecretStore``: the embedded default secret store, files in a folder, no server.

Each path is a folder (mode 0700) holding one file per version, ``{n}.json`` (mode 0600)::

    {"version": n, "created": "2026-01-01T00:00:00.000000+00:00", "data": {...}}

A version file is written whole to a temporary file and then linked into place, so readers
never see half a file and a version, once there, is never replaced. A write takes the path's
``.lock`` (flock) for its check-and-set, so processes of one machine can share the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from strangler.secretstore.store import (
    Secret,
    SecretConflict,
    SecretNotFound,
    SecretStoreError,
    VersionInfo,
    check_data,
    check_path,
)


class FileSecretStore:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.url = f"file://{self.directory}"

    def __repr__(self) -> str:
        return f"FileSecretStore({str(self.directory)!r})"

    def _folder(self, path: str) -> Path:
        check_path(path)
        return self.directory / path

    def _failed(self, what: str, path: str, exc: BaseException) -> SecretStoreError:
        # the OS error's text names a file and a reason, never a value
        return SecretStoreError(f"secret store {self.url}: cannot {what} {path} ({exc})")

    def _numbers(self, path: str) -> list[int]:
        try:
            names = os.listdir(self._folder(path))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._failed("list", path, exc) from exc
        return sorted(int(n[:-5]) for n in names if n.endswith(".json") and n[:-5].isdigit())

    def _load(self, path: str, version: int) -> Secret:
        file = self._folder(path) / f"{version}.json"
        try:
            raw = json.loads(file.read_text())
            return Secret(
                version=int(raw["version"]),
                created=datetime.fromisoformat(raw["created"]),
                data={str(k): str(v) for k, v in raw["data"].items()},
            )
        except FileNotFoundError:
            raise SecretNotFound(
                f"secret store {self.url}: no version {version} of {path}"
            ) from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SecretStoreError(
                f"secret store {self.url}: cannot read version {version} of {path} "
                f"({type(exc).__name__})"
            ) from None

    def read(self, path: str, version: int | None = None) -> Secret:
        if version is None:
            numbers = self._numbers(path)
            if not numbers:
                raise SecretNotFound(f"secret store {self.url}: nothing at {path}")
            version = numbers[-1]
        return self._load(path, version)

    def versions(self, path: str) -> list[VersionInfo]:
        return [
            VersionInfo(secret.version, secret.created)
            for secret in (self._load(path, n) for n in self._numbers(path))
        ]

    @contextlib.contextmanager
    def _locked(self, path: str) -> Iterator[Path]:
        folder = self._folder(path)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with (folder / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            yield folder

    def write(self, path: str, data: Mapping[str, str], *, expected_version: int) -> int:
        check_data(path, data)
        try:
            with self._locked(path) as folder:
                numbers = self._numbers(path)
                current = numbers[-1] if numbers else 0
                if current != expected_version:
                    raise SecretConflict(
                        f"secret store {self.url}: {path} is at version {current}, "
                        f"not {expected_version} as expected"
                    )
                version = current + 1
                record = {
                    "version": version,
                    "created": datetime.now(UTC).isoformat(),
                    "data": dict(data),
                }
                self._place(folder, version, json.dumps(record, indent=2))
                return version
        except OSError as exc:
            raise self._failed("write", path, exc) from exc

    @staticmethod
    def _place(folder: Path, version: int, text: str) -> None:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(fd, "w") as file:
                file.write(text + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, folder / f"{version}.json")  # never replaces a version
        finally:
            os.unlink(temporary)
