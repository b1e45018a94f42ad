"""The integration event envelope: what travels between services, and its JSON form.

``{id, type, version, occurred_at, source, traceparent, data}``. Integration events are
past-tense facts (``order.paid``), frozen once written; they are kept apart from any
in-process domain event. ``data`` holds JSON values only (amounts as strings).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from strangler.events.errors import InvalidEvent

ENVELOPE_FIELDS = ("id", "type", "version", "occurred_at", "source", "traceparent", "data")


def _now() -> datetime:
    return datetime.now(UTC)


def wire_time(moment: datetime | None = None) -> str:
    """A moment (default: now) as events carry it: ISO 8601, UTC written ``Z``."""
    return (moment or _now()).isoformat().replace("+00:00", "Z")


def wire_money(amount: Decimal) -> str:
    """An amount as events carry it: a decimal string with two places (never a float)."""
    return str(amount.quantize(Decimal("0.01")))


@dataclass(frozen=True)
class Event:
    type: str
    data: Mapping[str, Any]
    source: str
    version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=_now)
    traceparent: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "occurred_at": wire_time(self.occurred_at),
            "source": self.source,
            "traceparent": self.traceparent,
            "data": dict(self.data),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, raw: Any) -> Event:
        """The event in ``raw``; InvalidEvent (never a KeyError) when it is not an envelope."""
        if not isinstance(raw, Mapping):
            raise InvalidEvent(f"an event envelope is a JSON object, got {type(raw).__name__}")
        missing = [name for name in ENVELOPE_FIELDS if name not in raw]
        if missing:
            raise InvalidEvent(f"the envelope lacks {', '.join(missing)}", event_id=raw.get("id"))
        try:
            occurred_at = datetime.fromisoformat(str(raw["occurred_at"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidEvent(
                f"occurred_at is not an ISO 8601 date-time: {raw['occurred_at']!r}",
                event_id=raw.get("id"),
            ) from exc
        return cls(
            id=str(raw["id"]),
            type=str(raw["type"]),
            version=raw["version"],
            occurred_at=occurred_at,
            source=str(raw["source"]),
            traceparent=str(raw["traceparent"] or ""),
            data=raw["data"],
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Event:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise InvalidEvent(f"the event is not JSON: {exc}") from exc
        return cls.from_dict(raw)


def current_traceparent() -> str:
    """The W3C traceparent of the current span, when OpenTelemetry is installed and active."""
    try:
        from opentelemetry.propagate import inject
    except ImportError:
        return ""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent", "")


@dataclass(frozen=True)
class Delivery:
    """An envelope as a consumer received it (not validated yet), its retry count and the
    message's ``traceparent`` header (the sender's span)."""

    envelope: Any
    retries: int = 0
    traceparent: str = ""
