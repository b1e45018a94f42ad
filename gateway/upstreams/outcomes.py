"""What a whole-reply request to an upstream ends in: its reply, or why there is none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class UpstreamReply:
    status: int
    headers: Sequence[tuple[bytes, bytes]]  # names lower-case, hop-by-hop removed
    body: bytes


class UpstreamTimeout(Exception):
    """The upstream did not answer within the timeout."""


class UpstreamUnavailable(Exception):
    """No healthy instance, or the connection was refused or reset."""
