"""The port to the card processor, and the deterministic fake used by every stage.

The real processor is selected by the setting ``PAYMENTS_CARD_PROCESSOR`` (a dotted path to a
class implementing :class:`CardProcessor`, built by the composition root, see ``wiring.py``); the
default is :class:`FakeCardProcessor`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class CardDetails:
    brand: str
    last4: str


@dataclass(frozen=True)
class ChargeOutcome:
    approved: bool
    processor_reference: str
    decline_reason: str | None = None


class CardProcessor(Protocol):
    def describe(self, card_token: str) -> CardDetails | None:
        """The card behind a token, or None when the token is unknown (an invalid request)."""
        ...

    def charge(
        self, *, card_token: str, amount: Decimal, currency: str, reference: str
    ) -> ChargeOutcome:
        """Charge the card. A decline is an outcome, not an exception."""
        ...

    def refund(self, *, processor_reference: str, amount: Decimal, currency: str) -> str:
        """Refund (or void) an approved charge; returns the refund's reference."""
        ...


# token -> (card, decline reason or None): Stripe's well-known test cards.
_FAKE_CARDS: dict[str, tuple[CardDetails, str | None]] = {
    "tok_visa": (CardDetails(brand="visa", last4="4242"), None),
    "tok_declined": (CardDetails(brand="visa", last4="0002"), "card_declined"),
    "tok_insufficient_funds": (CardDetails(brand="visa", last4="9995"), "insufficient_funds"),
}


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


class FakeCardProcessor:
    """Deterministic: the outcome depends on the token only; references derive from the input."""

    def describe(self, card_token: str) -> CardDetails | None:
        known = _FAKE_CARDS.get(card_token)
        return known[0] if known else None

    def charge(
        self, *, card_token: str, amount: Decimal, currency: str, reference: str
    ) -> ChargeOutcome:
        _card, decline_reason = _FAKE_CARDS[card_token]
        processor_reference = "fake_ch_" + _digest(reference, card_token, str(amount), currency)
        if decline_reason is not None:
            return ChargeOutcome(
                approved=False,
                processor_reference=processor_reference,
                decline_reason=decline_reason,
            )
        return ChargeOutcome(approved=True, processor_reference=processor_reference)

    def refund(self, *, processor_reference: str, amount: Decimal, currency: str) -> str:
        return "fake_re_" + _digest(processor_reference, str(amount), currency)
