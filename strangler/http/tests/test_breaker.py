"""The circuit breaker's states on a clock the tests move, in memory and in a real Redis."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
from prometheus_client import REGISTRY, CollectorRegistry

from strangler.http.breaker import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    Admission,
    BreakerCollector,
    BreakerStorage,
    CircuitBreaker,
    CircuitOpen,
    MemoryStorage,
    RedisStorage,
    breaker_for,
)
from strangler.http.testing import closed_port_url, forget_breakers

RESET = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def breaker(
    clock: Clock, storage: BreakerStorage | None = None, failures: int = 3
) -> CircuitBreaker:
    return CircuitBreaker(
        client="shop",
        upstream="stock",
        instance="127.0.0.1:1",
        failures=failures,
        reset_seconds=RESET,
        storage=storage or MemoryStorage(),
        clock=clock,
    )


def fail(b: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        b.record(b.admit(), ok=False)


def test_failures_in_a_row_open_it_and_an_open_breaker_refuses_at_once() -> None:
    clock = Clock()
    b = breaker(clock)
    fail(b, 2)
    assert b.state() == CLOSED
    fail(b)
    assert b.state() == OPEN
    clock.now += 10
    with pytest.raises(CircuitOpen) as refused:
        b.admit()
    assert refused.value.retry_after == pytest.approx(RESET - 10)


def test_a_success_between_failures_starts_the_count_again() -> None:
    b = breaker(Clock())
    fail(b, 2)
    b.record(b.admit(), ok=True)
    fail(b, 2)
    assert b.state() == CLOSED
    fail(b)
    assert b.state() == OPEN


def test_after_the_reset_time_one_trial_goes_through_and_its_success_closes_it() -> None:
    clock = Clock()
    b = breaker(clock)
    fail(b, 3)
    clock.now += RESET
    assert b.state() == HALF_OPEN
    trial = b.admit()
    assert trial == Admission(failures=3, trial=True)
    with pytest.raises(CircuitOpen):  # the others wait for the trial's outcome
        b.admit()
    b.record(trial, ok=True)
    assert b.state() == CLOSED
    assert b.admit() == Admission(failures=0, trial=False)


def test_a_failed_trial_opens_it_for_another_reset_time() -> None:
    clock = Clock()
    b = breaker(clock)
    fail(b, 3)
    clock.now += RESET
    b.record(b.admit(), ok=False)
    assert b.state() == OPEN
    clock.now += RESET - 1
    with pytest.raises(CircuitOpen):
        b.admit()
    clock.now += 1
    assert b.state() == HALF_OPEN


def test_limits_read_while_it_runs_take_effect_at_the_next_failure() -> None:
    """A threshold lowered while the process runs (the central config store) opens it at the
    next failure; a nonsensical one (0 failures, no reset time) keeps the breaker working."""
    clock, limits = Clock(), [5, RESET]
    b = CircuitBreaker(
        client="shop",
        upstream="stock",
        instance="127.0.0.1:1",
        clock=clock,
        limits=lambda: (int(limits[0]), float(limits[1])),
    )
    fail(b, 2)
    assert b.state() == CLOSED
    limits[:] = [3, 2.0]
    fail(b)
    assert b.state() == OPEN
    clock.now += 2.0
    assert b.state() == HALF_OPEN
    limits[:] = [0, 0.0]
    assert (b.failures, b.reset_seconds) == (1, 10.0)


def test_a_breaker_needs_a_threshold_and_a_reset_time() -> None:
    with pytest.raises(ValueError, match="failures >= 1"):
        CircuitBreaker(client="shop", upstream="stock", instance="x", failures=0)


def test_its_state_is_in_the_metrics_under_the_gateways_metric_name() -> None:
    clock = Clock()
    b = CircuitBreaker(
        client="shop", upstream="metered", instance="127.0.0.1:7", failures=1, clock=clock
    )
    labels = {"client": "shop", "upstream": "metered", "instance": "127.0.0.1:7"}

    # the process's registry holds the collector; a registry of its own reads it without the
    # other collectors of the process (the outbox ones need the database)
    assert isinstance(REGISTRY._names_to_collectors["circuit_breaker_state"], BreakerCollector)
    registry = CollectorRegistry()
    registry.register(BreakerCollector())  # type: ignore[arg-type]

    def sample(state: str) -> float | None:
        return registry.get_sample_value("circuit_breaker_state", {**labels, "state": state})

    assert (sample("closed"), sample("open"), sample("half_open")) == (1.0, 0.0, 0.0)
    fail(b)
    assert (sample("closed"), sample("open"), sample("half_open")) == (0.0, 1.0, 0.0)


# --- shared through Redis: what one process of a service records, the others see


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set (make test sets it)")
    return url


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    name = f"test-breaker-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def shared(redis_url: str, prefix: str) -> RedisStorage:
    return RedisStorage(redis.Redis.from_url(redis_url), prefix=prefix, lifetime_seconds=60)


def test_processes_sharing_redis_share_one_breaker(redis_url: str, prefix: str) -> None:
    clock = Clock()
    worker_1 = breaker(clock, shared(redis_url, prefix))
    worker_2 = breaker(clock, shared(redis_url, prefix))
    fail(worker_1, 2)
    fail(worker_2)  # the third in a row for the service
    with pytest.raises(CircuitOpen):
        worker_1.admit()
    clock.now += RESET
    trial = worker_2.admit()
    with pytest.raises(CircuitOpen):  # one trial for all the processes
        worker_1.admit()
    worker_2.record(trial, ok=True)
    assert worker_1.state() == CLOSED
    assert worker_1.admit() == Admission(failures=0, trial=False)


def test_only_one_of_many_concurrent_callers_is_the_trial(redis_url: str, prefix: str) -> None:
    clock = Clock()
    b = breaker(clock, shared(redis_url, prefix), failures=1)
    fail(b)
    clock.now += RESET
    admitted: list[Admission] = []
    start = threading.Barrier(8)

    def caller() -> None:
        start.wait()
        with contextlib.suppress(CircuitOpen):
            admitted.append(b.admit())

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted == [Admission(failures=1, trial=True)]


def test_a_success_without_failures_before_it_writes_nothing(redis_url: str, prefix: str) -> None:
    b = breaker(Clock(), shared(redis_url, prefix))
    b.record(b.admit(), ok=True)
    assert list(redis.Redis.from_url(redis_url).scan_iter(f"{prefix}:*")) == []


def test_redis_out_of_reach_leaves_the_calls_alone(caplog: pytest.LogCaptureFixture) -> None:
    b = breaker_for(
        client="shop",
        upstream="stock",
        base_url="http://127.0.0.1:1",
        failures=1,
        reset_seconds=RESET,
        redis_url=closed_port_url().replace("http", "redis") + "/0",
    )
    fail(b, 3)  # not recorded: the breaker cannot open
    assert b.admit() == Admission(failures=0, trial=False)
    warnings = [r for r in caplog.records if "out of reach" in r.getMessage()]
    assert len(warnings) == 1, warnings  # seven misses, one line


def test_breaker_for_keeps_state_in_redis_when_redis_url_is_set(redis_url: str) -> None:
    base_url = closed_port_url()

    def build(url: str, redis_url: str) -> CircuitBreaker:
        return breaker_for(
            client="shop",
            upstream="stock",
            base_url=url,
            failures=1,
            reset_seconds=RESET,
            redis_url=redis_url,
        )

    first, second = build(base_url, redis_url), build(base_url, redis_url)
    assert isinstance(first.storage, RedisStorage)
    try:
        fail(first)
        assert second.state() == OPEN
    finally:
        first.storage.closed()
    assert isinstance(build(base_url, "").storage, MemoryStorage)


def test_a_port_a_test_is_handed_starts_with_no_breaker_stored(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a test's scripted server or closed port does first: an earlier test that had the
    same port may have opened circuits on it, whoever called; another port's are left alone."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    reused, other = closed_port_url(), closed_port_url()

    def opened(client: str, url: str) -> CircuitBreaker:
        b = breaker_for(
            client=client, upstream="stock", base_url=url, failures=1, reset_seconds=RESET
        )
        fail(b)
        assert b.state() == OPEN
        return b

    earlier = [opened("shop", reused), opened("payments", reused)]
    elsewhere = opened("shop", other)
    try:
        forget_breakers(reused.removeprefix("http://"))
        assert [b.state() for b in earlier] == [CLOSED, CLOSED]
        assert elsewhere.state() == OPEN
    finally:
        elsewhere.storage.closed()
