"""The fake card processor every stage uses: deterministic outcomes by token."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extracted.payments.charges.processor import FakeCardProcessor
from extracted.payments.charges.tests.fakes import SpyCardProcessor
from extracted.payments.charges.wiring import CARD_PROCESSOR
from strangler.composition import CompositionRoot, root


def _charge(token: str, reference: str = "order-1-attempt-1"):  # type: ignore[no-untyped-def]
    return FakeCardProcessor().charge(
        card_token=token, amount=Decimal("10.00"), currency="EUR", reference=reference
    )


def test_tok_visa_is_approved_with_a_deterministic_reference() -> None:
    outcome = _charge("tok_visa")
    assert outcome.approved
    assert outcome.decline_reason is None
    assert outcome.processor_reference.startswith("fake_ch_")
    assert outcome.processor_reference == _charge("tok_visa").processor_reference
    other_attempt = _charge("tok_visa", "order-1-attempt-2")
    assert outcome.processor_reference != other_attempt.processor_reference


@pytest.mark.parametrize(
    ("token", "reason"),
    [("tok_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
def test_decline_tokens_are_declined_with_their_reason(token: str, reason: str) -> None:
    outcome = _charge(token)
    assert not outcome.approved
    assert outcome.decline_reason == reason


def test_unknown_tokens_are_not_described() -> None:
    assert FakeCardProcessor().describe("tok_mastercard") is None
    card = FakeCardProcessor().describe("tok_visa")
    assert card is not None and card.last4 == "4242"


def test_the_processor_is_chosen_by_setting(settings: pytest.FixtureRequest) -> None:
    assert isinstance(root.get(CARD_PROCESSOR), FakeCardProcessor)
    settings.PAYMENTS_CARD_PROCESSOR = (  # type: ignore[attr-defined]
        "extracted.payments.charges.tests.fakes.SpyCardProcessor"
    )
    started_again = CompositionRoot()
    started_again.compose([CARD_PROCESSOR], settings)
    assert isinstance(started_again.get(CARD_PROCESSOR), SpyCardProcessor)
