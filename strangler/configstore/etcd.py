"""``EtcdStore``: the config store on etcd, through its v3 JSON gateway (etcd3gw).

Keys, under the prefix (``/strangler`` by default)::

    {prefix}/config/{service}/{NAME}         the value, JSON-encoded
    {prefix}/audit/{service}/{revision:020d}  one audit entry per apply, JSON

etcd keeps every key's history (until it is compacted); the audit entries are the record a
person reads. A service's revision is the etcd revision of its latest change: the greatest
``mod_revision`` under its config and audit prefixes, read together in one read-only
transaction. ``apply`` is one transaction: its puts, deletes and the audit put happen only if
nothing under the service's prefixes changed since the snapshot its old values come from.

The audit key is named after the revision the transaction is expected to get (the current
one plus one) and guarded by "create only": when another write to the same etcd slips in
between, the transaction gets a later revision than its key's name. The names still sort in
the order of the changes, and an entry's ``revision`` is always the ``mod_revision`` etcd gave
it. etcd takes at most ``--max-txn-ops`` operations (128 by default) in a transaction: an
apply changes at most 127 settings of a service (more is refused in etcd's words).

etcd 3.4 serves the gateway under ``/v3/`` (``/v3beta/`` still answers; 3.3 only has that);
etcd3gw finds which from ``/version``. The watch reads the gateway's stream itself
(:mod:`strangler.configstore.etcd_watch`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import requests
from etcd3gw.client import Etcd3Client
from etcd3gw.exceptions import ConnectionFailedError, ConnectionTimeoutError, Etcd3Exception

from strangler.configstore.etcd_watch import StreamEnded, WatchStream, b64, range_end, unb64
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

ATTEMPTS = 20  # apply's retries when another writer got in between (no expected_revision)
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 2.0  # seconds between reconnections, doubling
_UNREACHABLE = (ConnectionFailedError, ConnectionTimeoutError)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "detail_text", None) or str(exc)
    if "refused" in text.lower():
        return "connection refused"
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return "timed out"
    return type(exc).__name__


def _refusal(exc: Etcd3Exception) -> str:
    """etcd's own words for an error it answered (``{"error": ..., "code": ...}``)."""
    text = exc.detail_text or ""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:200] or type(exc).__name__
    return str(body.get("error") or body.get("message") or text)[:200]


class EtcdStore:
    def __init__(self, host: str, port: int, *, prefix: str = "/strangler", timeout: float = 5.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.prefix = "/" + prefix.strip("/")
        self.url = f"etcd://{host}:{port}{self.prefix}"
        self._local = threading.local()  # a client (and its HTTP session) per thread

    def __repr__(self) -> str:
        return f"EtcdStore({self.url!r})"

    @property
    def client(self) -> Etcd3Client:
        client: Etcd3Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Etcd3Client(self.host, self.port, timeout=self.timeout)
        return client

    def _config(self, service: str) -> str:
        return f"{self.prefix}/config/{service}/"

    def _audit(self, service: str) -> str:
        return f"{self.prefix}/audit/{service}/"

    def _unreachable(self, exc: BaseException) -> ConfigStoreError:
        if isinstance(exc, Etcd3Exception) and not isinstance(exc, _UNREACHABLE):
            return ConfigStoreError(f"config store {self.url} refused: {_refusal(exc)}")
        return ConfigStoreError(f"config store {self.url} is out of reach ({_reason(exc)})")

    def _txn(self, txn: dict[str, Any]) -> dict[str, Any]:
        try:
            return dict(self.client.transaction(txn))
        except (Etcd3Exception, requests.RequestException, ValueError) as exc:
            raise self._unreachable(exc) from exc

    def _range(self, prefix: str, **options: Any) -> dict[str, Any]:
        return {
            "request_range": {"key": b64(prefix), "range_end": b64(range_end(prefix))} | options
        }

    def _read(self, service: str) -> tuple[Snapshot, int]:
        """The snapshot and etcd's revision when it was read (the whole store's)."""
        check_service(service)
        config = self._config(service)
        result = self._txn(
            {
                "compare": [],
                "success": [
                    self._range(config),
                    self._range(self._audit(service), sort_order="DESCEND", limit=1),
                ],
                "failure": [],
            }
        )
        ranges = [r.get("response_range", {}) for r in result.get("responses", [])]
        kvs = [kv for r in ranges for kv in r.get("kvs", [])]
        values: dict[str, Scalar] = {}
        for kv in ranges[0].get("kvs", []) if ranges else []:
            name = unb64(kv["key"])[len(config) :]
            try:
                value = json.loads(unb64(kv.get("value", "")))
            except ValueError:
                value = None
            if is_scalar(value):
                values[name] = value
            else:  # written by hand, not through apply
                log.warning("config store %s: %s%s is not a JSON scalar", self.url, config, name)
        revision = max((int(kv["mod_revision"]) for kv in kvs), default=0)
        return Snapshot(revision, values), int(result["header"]["revision"])

    def read(self, service: str) -> Snapshot:
        return self._read(service)[0]

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
        config, audit = self._config(service), self._audit(service)
        for _ in range(ATTEMPTS):
            snapshot, store_revision = self._read(service)
            if expected_revision is not None and snapshot.revision > expected_revision:
                raise ConfigConflict(
                    f"{service}: the config changed since revision {expected_revision} "
                    f"(it is at {snapshot.revision} in {self.url})"
                )
            effective = effective_changes(snapshot.values, changes)
            if not effective:
                return snapshot.revision
            audit_key = f"{audit}{store_revision + 1:020d}"
            entry = AuditEntry(store_revision + 1, now(), author, source, effective)
            unchanged_since = str(snapshot.revision + 1)
            operations: list[dict[str, Any]] = [
                {"request_put": {"key": b64(config + name), "value": b64(json.dumps(new))}}
                if new is not None
                else {"request_delete_range": {"key": b64(config + name)}}
                for name, (_, new) in effective.items()
            ]
            operations.append(
                {
                    "request_put": {
                        "key": b64(audit_key),
                        "value": b64(json.dumps(audit_json(entry))),
                    }
                }
            )
            result = self._txn(
                {
                    "compare": [
                        {
                            "key": b64(prefix),
                            "range_end": b64(range_end(prefix)),
                            "target": "MOD",
                            "result": "LESS",
                            "mod_revision": unchanged_since,
                        }
                        for prefix in (config, audit)
                    ]
                    + [
                        {
                            "key": b64(audit_key),
                            "target": "CREATE",
                            "result": "EQUAL",
                            "create_revision": "0",
                        }
                    ],
                    "success": operations,
                    "failure": [],
                }
            )
            if result.get("succeeded"):
                return int(result["header"]["revision"])
        raise ConfigStoreError(f"{service}: {ATTEMPTS} concurrent writers got in first; try again")

    def history(self, service: str, name: str | None = None) -> list[AuditEntry]:
        check_service(service)
        audit = self._audit(service)
        try:
            items = self.client.get(audit, metadata=True, range_end=range_end(audit))
        except (Etcd3Exception, requests.RequestException, ValueError) as exc:
            raise self._unreachable(exc) from exc
        entries = [
            audit_from_json(json.loads(value), revision=int(kv["mod_revision"]))
            for value, kv in items
        ]
        entries.sort(key=lambda entry: entry.revision, reverse=True)
        return touching(entries, name)

    def _stream(self, prefix: str, start_revision: int) -> WatchStream:
        try:
            return WatchStream(self.client.get_url("/watch"), prefix, start_revision, self.timeout)
        except (Etcd3Exception, requests.RequestException) as exc:
            raise self._unreachable(exc) from exc

    def watch(
        self,
        service: str,
        after_revision: int,
        on_change: Callable[[Snapshot], None],
        stop: threading.Event,
    ) -> None:
        """etcd's watch on the service's config prefix from ``after_revision + 1``; each batch
        of events is followed by one read of the whole snapshot. When the stream ends (etcd
        restarted, the start revision was compacted) the snapshot is re-read and the watch
        opened again from the revision of that read, with backoff while etcd is away."""
        check_service(service)
        delivered = after_revision
        start: int | None = after_revision + 1
        backoff = BACKOFF_FIRST
        away = False
        while not stop.is_set():
            stream: WatchStream | None = None
            try:
                if start is None:  # reconnecting: catch up first
                    snapshot, store_revision = self._read(service)
                    if snapshot.revision > delivered:
                        delivered = snapshot.revision
                        on_change(snapshot)
                    start = store_revision + 1
                stream = self._stream(self._config(service), start)
                for revision in stream.revisions(stop):
                    if away:
                        log.info("config store %s: watching %s again", self.url, service)
                        away, backoff = False, BACKOFF_FIRST
                    if revision is None or revision <= delivered:
                        continue
                    snapshot, _ = self._read(service)
                    if snapshot.revision > delivered:
                        delivered = snapshot.revision
                        on_change(snapshot)
            except (ConfigStoreError, StreamEnded) as exc:
                if not away:
                    log.warning(
                        "config store %s: watch of %s lost (%s); reconnecting",
                        self.url,
                        service,
                        exc,
                    )
                away, start = True, None
                stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                if stream is not None:
                    stream.close()
