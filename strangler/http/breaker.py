"""A circuit breaker per upstream for the kit's service client: closed, open, half-open.

- **closed**: calls go through; ``failures`` failed calls in a row (the upstream could not be
  reached, did not answer in time, or answered 5xx after the client's retries) open it;
- **open**: calls fail at once, without touching the network, for ``reset_seconds``, so a
  failing upstream costs its callers nothing but a refusal and gets room to recover;
- **half-open**: after that, one call (the trial) goes through while the others are still
  refused; its success closes the breaker, its failure opens it for another ``reset_seconds``.

The state lives in a storage: :class:`MemoryStorage` (one process) or :class:`RedisStorage`
(every process of a service, gunicorn and Celery workers alike, sees one breaker per upstream;
a call costs one Redis round trip, a ``MGET``, and writes only when something changes).
:func:`breaker_for` picks Redis when ``REDIS_URL`` is set, as the kit's cache does.

Hand-written, not pybreaker: pybreaker's ``call`` holds one lock for the whole wrapped call, so
a threaded worker's calls to an upstream would go one at a time (danielfm/pybreaker#55), and
its Redis storage writes on every success; ``circuitbreaker`` keeps its state per process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import redis
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
WARN_EVERY_SECONDS = 60.0
STATES = (CLOSED, OPEN, HALF_OPEN)


@dataclass(frozen=True)
class Reading:
    """A breaker's stored state: failures in a row, and until when it is open (epoch seconds;
    ``None`` when closed). Past ``open_until`` the breaker is half-open."""

    failures: int = 0
    open_until: float | None = None


class BreakerStorage(Protocol):
    def read(self) -> Reading: ...

    def claim_trial(self, hold_seconds: float) -> bool:
        """Whether this caller is the half-open breaker's one trial (held ``hold_seconds`` at
        most: a trial whose caller died does not keep the breaker half-open forever)."""
        ...

    def failed(self, *, threshold: int, open_until: float, trial: bool) -> bool:
        """Count a failure; open the breaker until ``open_until`` when it is the
        ``threshold``-th in a row or the trial's. Whether this failure opened it."""
        ...

    def closed(self) -> None:
        """Forget the failures and close the breaker (a success after failures, or the trial's)."""
        ...


class MemoryStorage:
    """A breaker's state in this process only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reading = Reading()
        self._trial_until = 0.0

    def read(self) -> Reading:
        return self._reading

    def claim_trial(self, hold_seconds: float) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._trial_until:
                return False
            self._trial_until = now + hold_seconds
            return True

    def failed(self, *, threshold: int, open_until: float, trial: bool) -> bool:
        with self._lock:
            failures = self._reading.failures + 1
            opens = trial or failures >= threshold
            self._reading = Reading(failures, open_until if opens else self._reading.open_until)
            self._trial_until = 0.0 if trial else self._trial_until
            return opens

    def closed(self) -> None:
        with self._lock:
            self._reading = Reading()
            self._trial_until = 0.0


class RedisStorage:
    """A breaker's state in Redis under ``<prefix>:failures``, ``:open_until`` and ``:trial``.

    Redis unreachable, the breaker stays out of the way: it reads closed and records nothing
    (a protection must not become a dependency), logged once a minute at most. The keys expire
    ``lifetime_seconds`` after their last change: a breaker nobody calls is forgotten (closed).
    """

    def __init__(self, client: redis.Redis, prefix: str, lifetime_seconds: int) -> None:
        self.redis = client
        self.lifetime = lifetime_seconds
        self.keys = tuple(f"{prefix}:{name}" for name in ("failures", "open_until", "trial"))
        self._warned_at = -WARN_EVERY_SECONDS

    def _unreachable(self, what: str, exc: redis.RedisError) -> None:
        """Logged once per ``WARN_EVERY_SECONDS``: an outage must not write a line per call."""
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning("circuit breaker state in Redis out of reach (%s): %s", what, exc)

    def read(self) -> Reading:
        try:
            failures, open_until = self.redis.mget(self.keys[:2])
        except redis.RedisError as exc:
            self._unreachable("read as closed", exc)
            return Reading()
        return Reading(
            failures=int(failures or 0), open_until=float(open_until) if open_until else None
        )

    def claim_trial(self, hold_seconds: float) -> bool:
        hold = max(int(hold_seconds * 1000), 1)
        try:
            return bool(self.redis.set(self.keys[2], "1", nx=True, px=hold))
        except redis.RedisError as exc:
            self._unreachable("the trial let through", exc)
            return True

    def failed(self, *, threshold: int, open_until: float, trial: bool) -> bool:
        failures_key, open_key, trial_key = self.keys
        try:
            pipe = self.redis.pipeline()
            pipe.incr(failures_key)
            pipe.expire(failures_key, self.lifetime)
            failures = int(pipe.execute()[0])
            if not (trial or failures >= threshold):
                return False
            pipe = self.redis.pipeline()
            pipe.set(open_key, repr(open_until), ex=self.lifetime)
            pipe.delete(trial_key)
            pipe.execute()
        except redis.RedisError as exc:
            self._unreachable("a failure not counted", exc)
            return False
        return True

    def closed(self) -> None:
        try:
            self.redis.delete(*self.keys)
        except redis.RedisError as exc:
            self._unreachable("not closed", exc)


def storage_prefix(client: str, upstream: str, instance: str) -> str:
    """Where :class:`RedisStorage` keeps the breaker of ``client``'s calls to ``upstream`` at
    ``instance`` (host:port); with ``*`` in a part, a pattern for Redis's ``SCAN``."""
    return f"strangler:breaker:{client}:{upstream}:{instance}"


def redis_for_breakers(url: str) -> redis.Redis:
    """A client of the Redis at ``url`` that gives up fast: a breaker must not wait on it."""
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def breaker_for(
    *,
    client: str,
    upstream: str,
    base_url: str,
    failures: int,
    reset_seconds: float,
    redis_url: str | None = None,
    limits: Limits | None = None,
) -> CircuitBreaker:
    """The breaker of the calls from ``client`` to ``upstream`` at ``base_url``: in Redis,
    shared by the service's processes, when ``redis_url`` (default ``REDIS_URL``) is set, else
    in this process's memory. ``limits``: see :class:`CircuitBreaker`."""
    instance = urlsplit(base_url).netloc
    url = redis_url if redis_url is not None else os.environ.get("REDIS_URL", "")
    storage: BreakerStorage = MemoryStorage()
    if url:
        storage = RedisStorage(
            redis_for_breakers(url),
            prefix=storage_prefix(client, upstream, instance),
            lifetime_seconds=max(60, round(4 * reset_seconds)),
        )
    return CircuitBreaker(
        client=client,
        upstream=upstream,
        instance=instance,
        failures=failures,
        reset_seconds=reset_seconds,
        storage=storage,
        limits=limits,
    )


Limits = Callable[[], tuple[int, float]]  # (failures, reset_seconds), read when needed


class CircuitOpen(Exception):
    """The breaker refused the call: the upstream failed ``failures`` times in a row."""

    def __init__(self, breaker: CircuitBreaker, retry_after: float) -> None:
        super().__init__(f"the circuit to {breaker.upstream} is open")
        self.breaker = breaker
        self.retry_after = retry_after


@dataclass(frozen=True)
class Admission:
    """What :meth:`CircuitBreaker.admit` saw, for :meth:`CircuitBreaker.record`."""

    failures: int
    trial: bool


class CircuitBreaker:
    """The breaker in front of the calls from ``client`` to ``upstream`` at ``instance``.

    Use: ``admitted = breaker.admit()`` (raises :class:`CircuitOpen`), make the call, then
    ``breaker.record(admitted, ok=...)``.
    """

    def __init__(
        self,
        *,
        client: str,
        upstream: str,
        instance: str,
        failures: int = 5,
        reset_seconds: float = 10.0,
        storage: BreakerStorage | None = None,
        clock: Callable[[], float] = time.time,
        limits: Limits | None = None,
    ) -> None:
        """``limits``: where ``(failures, reset_seconds)`` are read each time they are needed,
        for settings that change while the process runs (the central config store, stage 5);
        ``failures`` and ``reset_seconds`` are the fixed ones otherwise."""
        if failures < 1 or reset_seconds <= 0:
            raise ValueError("a breaker needs failures >= 1 and reset_seconds > 0")
        self.client, self.upstream, self.instance = client, upstream, instance
        self._fixed = (failures, reset_seconds)
        self._limits = limits
        self.storage = storage or MemoryStorage()
        self.clock = clock
        _register(self)

    @property
    def failures(self) -> int:
        return max(int(self._current()[0]), 1)

    @property
    def reset_seconds(self) -> float:
        seconds = float(self._current()[1])
        return seconds if seconds > 0 else self._fixed[1]

    def _current(self) -> tuple[int, float]:
        return self._limits() if self._limits is not None else self._fixed

    def state(self) -> str:
        reading = self.storage.read()
        if reading.open_until is None:
            return CLOSED
        return OPEN if self.clock() < reading.open_until else HALF_OPEN

    def admit(self) -> Admission:
        reading = self.storage.read()
        if reading.open_until is None:
            return Admission(reading.failures, trial=False)
        wait = reading.open_until - self.clock()
        if wait > 0 or not self.storage.claim_trial(self.reset_seconds):
            raise CircuitOpen(self, retry_after=max(wait, 0.0))
        logger.info("circuit to %s half-open: one trial call", self.upstream)
        return Admission(reading.failures, trial=True)

    def record(self, admitted: Admission, *, ok: bool) -> None:
        if ok:
            if admitted.trial or admitted.failures:
                self.storage.closed()
                if admitted.trial:
                    logger.warning("circuit to %s closed: the trial call succeeded", self.upstream)
            return
        threshold, reset_seconds = self.failures, self.reset_seconds
        opened = self.storage.failed(
            threshold=threshold, open_until=self.clock() + reset_seconds, trial=admitted.trial
        )
        if opened:
            logger.warning(
                "circuit to %s opened for %.0f s: %s",
                self.upstream,
                reset_seconds,
                "the trial call failed" if admitted.trial else f"{threshold} failures in a row",
            )


_breakers: weakref.WeakSet[CircuitBreaker] = weakref.WeakSet()
_registering = threading.Lock()


class BreakerCollector:
    """``circuit_breaker_state{client, upstream, instance, state}``: 1 for the state each
    breaker of this process is in, read at scrape time (from Redis: the service's shared
    state), the metric the gateway reports its upstream instances under."""

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "circuit_breaker_state",
            "1 for the state the circuit breaker is in (closed, open, half_open)",
            labels=["client", "upstream", "instance", "state"],
        )
        seen: set[tuple[str, str, str]] = set()
        for breaker in list(_breakers):
            labels = (breaker.client, breaker.upstream, breaker.instance)
            if labels in seen:
                continue
            seen.add(labels)
            current = breaker.state()
            for state in STATES:
                family.add_metric([*labels, state], 1.0 if state == current else 0.0)
        yield family


_collector: list[BreakerCollector] = []  # registered with the first breaker, once


def _register(breaker: CircuitBreaker) -> None:
    with _registering:
        if not _collector:
            _collector.append(BreakerCollector())
            REGISTRY.register(_collector[0])  # type: ignore[arg-type]
        _breakers.add(breaker)
