"""``ConfigAgent``: the client agent in a service process, hot-reloading dynamic settings.

It holds the current values in one immutable mapping, swapped whole after each change the
store's watch delivers, so ``get`` never takes a lock and never sees half a change. A value
is coerced to the type of its default; one that cannot be is refused (logged once for that
revision) and the previous value kept. A name absent from the store has its default.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric

from strangler.configstore.store import ConfigStore, ConfigStoreError, Scalar, Snapshot, same

log = logging.getLogger(__name__)

RETRY_FIRST, RETRY_MAX = 0.2, 5.0  # seconds between attempts while the store is away
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def coerce(value: Scalar, default: Scalar) -> Scalar:
    """``value`` as the type of ``default``; ``ValueError`` when it is not one."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise ValueError("not a bool")
    if isinstance(value, bool) and not isinstance(default, str):
        raise ValueError(f"a bool, not {'an int' if isinstance(default, int) else 'a float'}")
    if isinstance(default, int):
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise ValueError("not an int")
    if isinstance(default, float):
        number = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise ValueError("not a float") from None
        if isinstance(number, int | float) and math.isfinite(number):
            return float(number)
        raise ValueError("not a finite float")
    if isinstance(value, bool):
        raise ValueError("a bool, not a str")
    return str(value)


def _show(value: Scalar) -> str:
    return repr(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class _State:
    revision: int
    values: Mapping[str, Scalar]


class ConfigAgent:
    """The current values of ``service``'s dynamic settings, from ``store`` once ``start``
    has run, else (and for a name the store lacks) from ``defaults``. ``on_change`` is called
    (in the thread that read the store) after each revision's values are published, for a
    process that derives something from them instead of reading them on every use."""

    def __init__(
        self,
        store: ConfigStore,
        service: str,
        defaults: Mapping[str, Scalar],
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.store, self.service = store, service
        self.defaults = dict(defaults)
        self.on_change = on_change
        self._state = _State(0, dict(defaults))
        self._loaded = False
        self._lock = threading.Lock()  # writers only: the watch thread and start()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def loaded(self) -> bool:
        """The store's values were read at least once (False: running on the defaults)."""
        return self._loaded

    @property
    def revision(self) -> int:
        return self._state.revision

    def get(self, name: str) -> Scalar:
        if name not in self.defaults:
            raise KeyError(f"{name} is not a dynamic setting of {self.service}")
        return self._state.values[name]

    def metric_families(self) -> list[Metric]:
        """``strangler_config_revision`` and ``strangler_config_loaded`` for ``/metrics``:
        the same names in every process that reads the store, the gateway's included."""
        revision = GaugeMetricFamily(
            "strangler_config_revision",
            "The config store revision this process's dynamic settings are at (0: defaults).",
            labels=["service"],
        )
        revision.add_metric([self.service], self.revision)
        loaded = GaugeMetricFamily(
            "strangler_config_loaded",
            "1 once this process has read its dynamic settings from the config store.",
            labels=["service"],
        )
        loaded.add_metric([self.service], 1 if self.loaded else 0)
        return [revision, loaded]

    def start(self) -> None:
        """Reads the store (out of reach: a warning, the defaults, and retries in the
        background), then follows its changes in a daemon thread. Once only."""
        if self._thread is not None:
            return
        try:
            self._take(self.store.read(self.service))
        except ConfigStoreError as exc:
            log.warning(
                "config %s: %s; running on the defaults until it answers", self.service, exc
            )
        self._thread = threading.Thread(
            target=self._follow, name=f"config-agent-{self.service}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _follow(self) -> None:
        wait = RETRY_FIRST
        while not self._stop.is_set():
            try:
                if not self._loaded:
                    self._take(self.store.read(self.service))
                    log.info(
                        "config %s: the store answered (revision %d)", self.service, self.revision
                    )
                    wait = RETRY_FIRST
                self.store.watch(self.service, self.revision, self._take, self._stop)
            except ConfigStoreError as exc:
                log.debug("config %s: %s", self.service, exc)
            except Exception:  # a bug must not end hot reload for the life of the process
                log.exception("config %s: the watch failed", self.service)
            self._stop.wait(wait)
            wait = min(wait * 2, RETRY_MAX)

    def _take(self, snapshot: Snapshot) -> None:
        with self._lock:
            if not self._publish(snapshot):
                return
        if self.on_change is not None:
            self.on_change()

    def _publish(self, snapshot: Snapshot) -> bool:
        """The snapshot's values as the current ones (the caller holds the lock); False for a
        revision already taken."""
        previous = self._state
        if self._loaded and snapshot.revision <= previous.revision:
            return False
        values = dict(self.defaults)
        for name, default in self.defaults.items():
            if name not in snapshot.values:
                continue
            try:
                values[name] = coerce(snapshot.values[name], default)
            except ValueError as exc:
                values[name] = previous.values[name]
                log.warning(
                    "config %s: refused %s (revision %d): %s; keeping %s",
                    name,
                    _show(snapshot.values[name]),
                    snapshot.revision,
                    exc,
                    _show(previous.values[name]),
                )
        # Logged before the values are published: a reader who sees a new value finds its
        # line already in the log (a test, an operator watching a reload).
        for name in self.defaults:
            if not same(previous.values[name], values[name]):
                log.info(
                    "config %s: %s -> %s (revision %d)",
                    name,
                    _show(previous.values[name]),
                    _show(values[name]),
                    snapshot.revision,
                )
        self._state = _State(snapshot.revision, values)
        self._loaded = True
        return True
