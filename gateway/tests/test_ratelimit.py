"""Rate limits: GCRA with nginx ``limit_req ... nodelay`` semantics, in memory and in Redis.

The Redis tests run on the real Redis (``REDIS_URL``, db 13 for this suite) under a key prefix
of their own, and delete only their own keys.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from gateway.policy.ratelimit import Decision, MemoryRateLimiter, Policy, RedisRateLimiter
from strangler.stages.processes import free_port

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
# The tests that count a shared budget give Redis time: on a loaded machine the default 0.25 s
# would turn a slow connect into a fail-open (the request allowed), which has its own test.
PATIENT = 5.0
PER_HOUR = 1 / 3600  # slow enough that no refill happens while a test runs


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def hits(limiter: MemoryRateLimiter, key: str, policy: Policy, n: int) -> list[Decision]:
    return [limiter.hit_now(key, policy) for _ in range(n)]


# --- the arithmetic (in memory, on a fake clock) ---------------------------------------------


def test_a_rested_client_gets_burst_plus_one_at_once_like_nginx_nodelay() -> None:
    limiter = MemoryRateLimiter(clock=Clock())
    policy = Policy("default", rate_per_second=1.0, burst=3)

    decisions = hits(limiter, "ip:1", policy, 5)

    assert [d.allowed for d in decisions] == [True, True, True, True, False]
    assert [d.remaining for d in decisions] == [3, 2, 1, 0, 0]
    assert {d.limit for d in decisions} == {4}


def test_a_refused_request_says_when_to_retry_and_costs_nothing() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    policy = Policy("default", rate_per_second=2.0, burst=1)
    hits(limiter, "ip:1", policy, 2)

    refused = [limiter.hit_now("ip:1", policy) for _ in range(10)]

    assert not any(d.allowed for d in refused)
    assert refused[-1].retry_after == pytest.approx(0.5)
    assert refused[-1].reset_after == pytest.approx(1.0)
    clock.now += 0.5
    assert limiter.hit_now("ip:1", policy).allowed


def test_the_bucket_drains_at_the_rate() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    policy = Policy("login", rate_per_second=10 / 60, burst=5)  # 10/m, burst 5
    assert all(d.allowed for d in hits(limiter, "u:7", policy, 6))
    assert not limiter.hit_now("u:7", policy).allowed

    clock.now += 5.9
    assert not limiter.hit_now("u:7", policy).allowed
    clock.now += 0.1
    assert limiter.hit_now("u:7", policy).allowed
    assert not limiter.hit_now("u:7", policy).allowed


def test_a_client_at_rest_is_back_to_a_full_burst() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    policy = Policy("default", rate_per_second=1.0, burst=2)
    first = hits(limiter, "ip:1", policy, 3)

    clock.now += first[-1].reset_after

    assert [d.allowed for d in hits(limiter, "ip:1", policy, 4)] == [True, True, True, False]


def test_burst_zero_allows_one_request_per_interval() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    policy = Policy("strict", rate_per_second=1.0, burst=0)

    assert [d.allowed for d in hits(limiter, "ip:1", policy, 2)] == [True, False]
    clock.now += 1.0
    assert limiter.hit_now("ip:1", policy).allowed


def test_keys_and_policies_have_separate_budgets() -> None:
    limiter = MemoryRateLimiter(clock=Clock())
    login = Policy("login", rate_per_second=PER_HOUR, burst=0)
    default = Policy("default", rate_per_second=PER_HOUR, burst=0)

    assert limiter.hit_now("ip:1", login).allowed
    assert not limiter.hit_now("ip:1", login).allowed
    assert limiter.hit_now("ip:2", login).allowed
    assert limiter.hit_now("ip:1", default).allowed


def test_memory_stays_bounded_under_many_clients() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(max_keys=100, clock=clock)
    policy = Policy("default", rate_per_second=1.0, burst=5)

    sizes = []
    for n in range(1000):
        limiter.hit_now(f"ip:{n}", policy)
        clock.now += 0.001
        sizes.append(len(limiter))

    assert max(sizes) <= 100
    assert min(sizes[100:]) >= 90  # evicts down to 90%, not one key per request


def test_at_rest_keys_are_swept_before_active_ones() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(max_keys=10, clock=clock)
    policy = Policy("default", rate_per_second=PER_HOUR, burst=0)
    busy = [f"busy:{n}" for n in range(8)]
    for key in busy:
        limiter.hit_now(key, policy)
    for key in ("rested:1", "rested:2"):
        limiter.hit_now(key, Policy("fast", rate_per_second=100.0, burst=0))
    clock.now += 1.0

    limiter.hit_now("new", policy)

    assert len(limiter) == 9
    assert not any(limiter.hit_now(key, policy).allowed for key in busy)  # all remembered


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, -1)])
def test_a_policy_with_bad_values_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        Policy("bad", rate_per_second=rate, burst=burst)


def test_the_memory_limiter_is_a_rate_limiter() -> None:
    limiter = MemoryRateLimiter()
    policy = Policy("default", rate_per_second=50, burst=100)

    decision = asyncio.run(limiter.hit("ip:1", policy))

    assert decision.allowed and decision.limit == 101 and decision.remaining == 100


# --- Redis: shared by replicas, atomic, fails open --------------------------------------------


@pytest.fixture
def prefix() -> Iterator[str]:
    prefix = f"test:gw:rl:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_two_replicas_share_one_budget(prefix: str) -> None:
    policy = Policy("login", rate_per_second=PER_HOUR, burst=4)

    async def scenario() -> list[bool]:
        first = RedisRateLimiter(REDIS_URL, prefix=prefix, timeout=PATIENT)
        second = RedisRateLimiter(REDIS_URL, prefix=prefix, timeout=PATIENT)
        try:
            results = []
            for limiter in (first, second, first, second, first, second, first):
                results.append((await limiter.hit("user:7", policy)).allowed)
            return results
        finally:
            await first.close()
            await second.close()

    assert asyncio.run(scenario()) == [True, True, True, True, True, False, False]


def test_concurrent_hits_never_overspend_the_budget(prefix: str) -> None:
    policy = Policy("default", rate_per_second=PER_HOUR, burst=9)

    async def scenario() -> list[Decision]:
        limiters = [RedisRateLimiter(REDIS_URL, prefix=prefix, timeout=PATIENT) for _ in range(3)]
        try:
            return await asyncio.gather(
                *(limiters[n % 3].hit("ip:10.0.0.1", policy) for n in range(30))
            )
        finally:
            for limiter in limiters:
                await limiter.close()

    decisions = asyncio.run(scenario())

    assert sum(d.allowed for d in decisions) == 10
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(10))


def test_redis_decisions_carry_the_same_numbers_as_memory(prefix: str) -> None:
    policy = Policy("default", rate_per_second=PER_HOUR, burst=2)

    async def scenario() -> list[Decision]:
        limiter = RedisRateLimiter(REDIS_URL, prefix=prefix, timeout=PATIENT)
        try:
            return [await limiter.hit("ip:1", policy) for _ in range(4)]
        finally:
            await limiter.close()

    decisions = asyncio.run(scenario())

    assert [(d.allowed, d.limit, d.remaining) for d in decisions] == [
        (True, 3, 2),
        (True, 3, 1),
        (True, 3, 0),
        (False, 3, 0),
    ]
    assert decisions[-1].retry_after == pytest.approx(3600, abs=5)
    assert decisions[-1].reset_after == pytest.approx(3 * 3600, abs=5)


def test_the_redis_key_expires_when_the_bucket_is_full_again(prefix: str) -> None:
    policy = Policy("default", rate_per_second=1.0, burst=5)

    async def scenario() -> str:
        limiter = RedisRateLimiter(REDIS_URL, prefix=prefix, timeout=PATIENT)
        try:
            for _ in range(3):
                await limiter.hit("ip:1", policy)
            return limiter.key("ip:1", policy)
        finally:
            await limiter.close()

    key = asyncio.run(scenario())
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ttl_ms = client.pttl(key)
    finally:
        client.close()
    assert 0 < ttl_ms <= 3000


def test_redis_down_fails_open_and_is_counted() -> None:
    failures: list[int] = []
    limiter = RedisRateLimiter(
        f"redis://127.0.0.1:{free_port()}/13",
        on_fail_open=lambda: failures.append(1),
    )
    policy = Policy("login", rate_per_second=PER_HOUR, burst=0)

    async def scenario() -> list[Decision]:
        try:
            return [await limiter.hit("ip:1", policy) for _ in range(5)]
        finally:
            await limiter.close()

    decisions = asyncio.run(scenario())

    assert all(d.allowed for d in decisions)
    assert limiter.fail_open_count == 5
    assert len(failures) == 5


def test_a_dead_redis_is_not_asked_again_until_the_retry_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/13", retry_after=1.0, clock=clock)
    policy = Policy("default", rate_per_second=PER_HOUR, burst=0)
    calls = 0
    real_script = limiter._script

    async def counting_script(**kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return await real_script(**kwargs)  # type: ignore[arg-type]

    limiter._script = counting_script  # type: ignore[assignment]

    async def scenario() -> None:
        try:
            for _ in range(5):
                await limiter.hit("ip:1", policy)
            clock.now += 1.0
            await limiter.hit("ip:1", policy)
        finally:
            await limiter.close()

    with caplog.at_level("ERROR", logger="gateway.ratelimit"):
        asyncio.run(scenario())

    assert calls == 2
    assert len([r for r in caplog.records if "fail open" in r.getMessage()]) == 1
