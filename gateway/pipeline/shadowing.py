"""Shadow traffic: a copy of each request goes to a route's candidate upstream.

The candidate's reply to an unsafe request is dropped. A safe one (GET/HEAD) is compared with
the primary's: status, and the JSON bodies with the route's ``shadow_ignore`` fields left out
at any depth (raw bytes when either body is not JSON). On the client's path the only extra
work is keeping the primary's body as it is relayed (:class:`CapturingRelay`, up to
:data:`CAPTURE_LIMIT`); the comparison runs in the task that waited for the candidate.

Each result is counted per route (``gateway_shadow_comparisons``); a mismatch is logged with
both bodies, sampled above a volume (:class:`~gateway.sinks.mismatches.MismatchLog`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from gateway.handlers import UpstreamTimeout, UpstreamUnavailable
from gateway.pipeline.context import Pipeline
from gateway.pipeline.relay import RelayExchange
from gateway.sinks import Answer
from strangler.routing.model import SAFE_METHODS, Route

CAPTURE_LIMIT = 1 << 20  # a larger primary body is not compared ("not_compared")


class CapturingRelay(RelayExchange):
    """Relays like its parent and keeps a copy of the body for the shadow comparison."""

    __slots__ = ("captured", "captured_size")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.captured: list[bytes] | None = []
        self.captured_size = 0

    def response_body(self, data: bytes) -> None:
        super().response_body(data)
        if self.captured is not None:
            self.captured_size += len(data)
            if self.captured_size > CAPTURE_LIMIT:
                self.captured = None
            else:
                self.captured.append(data)


def answer_of(relay: RelayExchange, outcome: str) -> Answer | None:
    """The primary's answer as the client got it, or None when it cannot be compared."""
    if outcome != "ok" or not isinstance(relay, CapturingRelay) or relay.captured is None:
        return None
    return Answer(relay.status, b"".join(relay.captured))


def _without(value: Any, ignore: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without(v, ignore) for k, v in value.items() if k not in ignore}
    if isinstance(value, list):
        return [_without(item, ignore) for item in value]
    return value


def same(primary: Answer, candidate: Answer, ignore: frozenset[str]) -> bool:
    """True when the candidate answered as the primary did (ignored fields left out)."""
    if primary.status != candidate.status:
        return False
    if primary.body == candidate.body:
        return True
    try:
        ours, theirs = json.loads(primary.body), json.loads(candidate.body)
    except ValueError:
        return False
    return bool(_without(ours, ignore) == _without(theirs, ignore))


def shadow(
    pipeline: Pipeline,
    route: Route,
    method: str,
    target: str,
    headers: Sequence[tuple[bytes, bytes]],
    body: bytes,
) -> asyncio.Future[Answer | None] | None:
    """Send a copy of the request to the route's shadow upstream.

    For a safe method, returns the future the caller resolves with the primary's answer (None
    when there is none to compare); the comparison waits for it. Otherwise None.
    """
    mirror_to = route.shadow
    assert mirror_to is not None
    primary: asyncio.Future[Answer | None] | None = None
    if method in SAFE_METHODS:
        primary = pipeline.loop.create_future()

    async def mirror() -> None:
        try:
            reply = await pipeline.registry.request(
                mirror_to, method, target, headers=headers, body=body, timeout=route.timeout
            )
        except (UpstreamTimeout, UpstreamUnavailable) as exc:
            kind = "timeout" if isinstance(exc, UpstreamTimeout) else "unavailable"
            pipeline.upstream_failed(mirror_to, f"shadow_{kind}")
            if primary is not None:
                pipeline.metrics.shadow_compared(route.name, "candidate_failed")
            return
        if primary is None:
            return
        answer = await primary
        if answer is None:
            pipeline.metrics.shadow_compared(route.name, "not_compared")
            return
        candidate = Answer(reply.status, reply.body)
        if same(answer, candidate, route.shadow_ignore):
            pipeline.metrics.shadow_compared(route.name, "match")
            return
        pipeline.metrics.shadow_compared(route.name, "mismatch")
        pipeline.mismatches.mismatch(pipeline.loop.time(), route.name, target, answer, candidate)

    pipeline.loop.create_task(mirror())
    return primary
