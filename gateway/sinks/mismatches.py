"""Shadow mismatches logged with both bodies, sampled when they are many.

At most ``burst`` mismatches per route are logged in full per ``window`` seconds (10 a
minute by default); above that they are only counted (``gateway_shadow_comparisons``), and the
next one logged says how many were not. Each body is cut to :data:`LOGGED_BODY` bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger("gateway.shadow")

LOGGED_BODY = 4096


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class MismatchLog:
    """Logs mismatches in full, at most ``burst`` per route per ``window`` seconds."""

    def __init__(self, burst: int = 10, window: float = 60.0) -> None:
        self.burst, self.window = burst, window
        self._windows: dict[str, tuple[float, int, int]] = {}  # route: (start, logged, skipped)

    def mismatch(
        self, now: float, route: str, target: str, primary: Answer, candidate: Answer
    ) -> None:
        start, logged, skipped = self._windows.get(route, (now, 0, 0))
        if now - start >= self.window:
            start, logged = now, 0
        if logged >= self.burst:
            self._windows[route] = (start, logged, skipped + 1)
            return
        self._windows[route] = (start, logged + 1, 0)
        logger.warning(
            "shadow mismatch route=%s target=%s primary=%d %s candidate=%d %s%s",
            route,
            target,
            primary.status,
            primary.body[:LOGGED_BODY].decode("utf-8", "replace"),
            candidate.status,
            candidate.body[:LOGGED_BODY].decode("utf-8", "replace"),
            f" ({skipped} earlier mismatches not logged)" if skipped else "",
        )
