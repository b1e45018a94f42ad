"""Rate limits: GCRA, with the semantics of nginx ``limit_req zone=... burst=B nodelay``.

A policy of rate R and burst B lets B + 1 requests through at once, then one per 1/R seconds;
a refused request costs nothing. GCRA keeps one number per key, the theoretical arrival time
(TAT): a request at ``now`` is allowed when ``max(TAT, now) - now <= B / R`` and then moves the
TAT on by ``1 / R``. nginx's "excess" is the same quantity counted in requests.

:class:`MemoryRateLimiter` is the embedded default (one process). :class:`RedisRateLimiter`
runs the same arithmetic in one Lua script on Redis's own clock, so gateway replicas share one
budget per key; when Redis cannot be reached it fails open: rate limiting must never take the
shop down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as redis_asyncio
from redis.exceptions import RedisError

logger = logging.getLogger("gateway.ratelimit")  # its name before the module moved


@dataclass(frozen=True)
class Policy:
    name: str
    rate_per_second: float
    burst: int
    # Derived once: the hot path reads them on every request.
    interval: float = field(init=False, repr=False, compare=False)
    """Seconds one request occupies in the bucket (the emission interval ``1 / R``)."""
    tolerance: float = field(init=False, repr=False, compare=False)
    """How far ahead of now the TAT may be for a request to pass (``B / R``)."""
    limit: int = field(init=False, repr=False, compare=False)
    """Requests a rested client may send at once (what ``RateLimit-Limit`` shows)."""

    def __post_init__(self) -> None:
        if not self.rate_per_second > 0 or self.burst < 0:
            raise ValueError(f"rate limit {self.name!r}: rate must be > 0 and burst >= 0")
        interval = 1.0 / self.rate_per_second
        object.__setattr__(self, "interval", interval)
        object.__setattr__(self, "tolerance", self.burst * interval)
        object.__setattr__(self, "limit", self.burst + 1)


@dataclass(frozen=True)
class Decision:
    """``reset_after``: seconds until the key's bucket is full again; ``retry_after``: seconds
    until the next request would pass (0 when allowed)."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: float


class RateLimiter(Protocol):
    async def hit(self, key: str, policy: Policy) -> Decision: ...


def remaining_after(policy: Policy, ahead: float) -> int:
    """Requests still allowed at once after an allowed one; ``ahead`` = new TAT - now."""
    remaining = int(policy.limit - ahead / policy.interval + 1e-9)  # ahead >= 0: int is floor
    if remaining > policy.burst:
        return policy.burst
    return remaining if remaining > 0 else 0


def allowed_decision(policy: Policy, ahead: float) -> Decision:
    """An allowed request; ``ahead`` = new TAT - now, in seconds."""
    return Decision(True, policy.limit, remaining_after(policy, ahead), ahead, 0.0)


def refused_decision(policy: Policy, ahead: float) -> Decision:
    """A refused request; ``ahead`` = TAT - now, in seconds (more than the burst allows)."""
    return Decision(
        allowed=False,
        limit=policy.limit,
        remaining=0,
        reset_after=max(0.0, ahead),
        retry_after=max(0.0, ahead - policy.tolerance),
    )


class MemoryRateLimiter:
    """GCRA in a dict, for one gateway process.

    Keys at rest (TAT in the past) carry no information and are swept once the table passes
    ``max_keys``; if it is still full after a sweep the keys seen first are forgotten (they get
    a fresh budget), which bounds memory under a flood of distinct clients.
    """

    def __init__(
        self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._tat: dict[tuple[str, str], float] = {}
        self._max_keys = max_keys
        self._clock = clock

    def __len__(self) -> int:
        return len(self._tat)

    async def hit(self, key: str, policy: Policy) -> Decision:
        return self.hit_now(key, policy)

    def hit_now(self, key: str, policy: Policy) -> Decision:
        ahead = self.take(key, policy)
        if ahead < 0:
            return refused_decision(policy, -ahead)
        return allowed_decision(policy, ahead)

    def take(self, key: str, policy: Policy) -> float:
        """:meth:`hit_now` without building a :class:`Decision` (the gateway's hot path).

        Allowed: the new TAT - now (> 0). Refused: -(TAT - now) (< 0), and nothing counted.
        """
        now = self._clock()
        slot = (policy.name, key)
        tat = self._tat.get(slot, now)
        if tat < now:
            tat = now
        if tat - now > policy.tolerance + 1e-9:
            return now - tat
        new_tat = tat + policy.interval
        self._tat[slot] = new_tat
        if len(self._tat) > self._max_keys:
            self._sweep(now)
        return new_tat - now

    def _sweep(self, now: float) -> None:
        self._tat = {slot: tat for slot, tat in self._tat.items() if tat > now}
        # Down to 90%, so a flood pays for a sweep once per max_keys / 10 new keys, not each.
        excess = len(self._tat) - self._max_keys * 9 // 10
        if excess > 0:
            for slot in list(self._tat)[:excess]:
                del self._tat[slot]


# Times in microseconds on Redis's clock, so every replica agrees on "now". The key expires
# when its bucket is full again: a key at rest and a missing key mean the same thing.
_GCRA_LUA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - now > tolerance then
  return {0, tostring(tat - now)}
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',
           math.max(1, math.ceil((new_tat - now) / 1000)))
return {1, tostring(new_tat - now)}
"""


class RedisRateLimiter:
    """GCRA in Redis: one atomic script per request, one budget per key across replicas.

    Redis down or slow (``timeout`` seconds) -> the request is allowed, the failure is logged
    once, counted in ``fail_open_count`` and reported to ``on_fail_open``; Redis is not asked
    again for ``retry_after`` seconds, so a dead Redis costs the hot path nothing.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "gw:rl:",
        timeout: float = 0.25,
        retry_after: float = 1.0,
        on_fail_open: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = redis_asyncio.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._script = self._client.register_script(_GCRA_LUA)
        self._prefix = prefix
        self._retry_after = retry_after
        self._on_fail_open = on_fail_open
        self._clock = clock
        self._down_until = 0.0
        self._down_logged = False
        self.fail_open_count = 0

    def key(self, key: str, policy: Policy) -> str:
        return f"{self._prefix}{policy.name}:{key}"

    async def hit(self, key: str, policy: Policy) -> Decision:
        if self._down_until and self._clock() < self._down_until:
            return self._fail_open(policy, None)
        interval_us = policy.interval * 1_000_000
        try:
            allowed, ahead_us = await self._script(
                keys=[self.key(key, policy)],
                args=[repr(interval_us), repr(policy.tolerance * 1_000_000 + 1e-3)],
            )
        except (RedisError, OSError) as exc:
            self._down_until = self._clock() + self._retry_after
            return self._fail_open(policy, exc)
        if self._down_logged:
            logger.warning("Redis rate limiter reachable again; limits apply")
            self._down_logged = False
        self._down_until = 0.0
        ahead = float(ahead_us) / 1_000_000
        if int(allowed):
            return allowed_decision(policy, ahead)
        return refused_decision(policy, ahead)

    def _fail_open(self, policy: Policy, exc: Exception | None) -> Decision:
        self.fail_open_count += 1
        if self._on_fail_open is not None:
            self._on_fail_open()
        if not self._down_logged:
            logger.error("Redis rate limiter unreachable, allowing requests (fail open): %s", exc)
            self._down_logged = True
        return Decision(
            allowed=True,
            limit=policy.limit,
            remaining=policy.burst,
            reset_after=0.0,
            retry_after=0.0,
        )

    async def close(self) -> None:
        await self._client.aclose()
