from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from rest_framework.test import APIClient

from monolith.customers.interface import CustomerNotFound
from monolith.notifications import services
from monolith.notifications.tests.doubles import FakeRecipient, FlakyBackend
from strangler.testing import client_for

CUSTOMER_ID = 42
OTHER_CUSTOMER_ID = 43


@pytest.fixture(autouse=True)
def recipients(monkeypatch: pytest.MonkeyPatch) -> dict[int, FakeRecipient]:
    """Customers 42 and 43 exist for the notifications tests; any other id does not."""
    known = {
        CUSTOMER_ID: FakeRecipient(CUSTOMER_ID, "ada@example.com", "Ada Lovelace"),
        OTHER_CUSTOMER_ID: FakeRecipient(OTHER_CUSTOMER_ID, "alan@example.com", "Alan Turing"),
    }

    def get_recipient(customer_id: int) -> FakeRecipient:
        if customer_id not in known:
            raise CustomerNotFound("Customer not found.", customer_id=customer_id)
        return known[customer_id]

    monkeypatch.setattr(services, "get_recipient", get_recipient)
    return known


@pytest.fixture
def flaky_smtp(settings: pytest.FixtureRequest) -> Iterator[Callable[[int], None]]:
    settings.EMAIL_BACKEND = "monolith.notifications.tests.doubles.FlakyBackend"  # type: ignore[attr-defined]

    def fail_next(times: int) -> None:
        FlakyBackend.failures = times

    FlakyBackend.failures = FlakyBackend.calls = 0
    yield fail_next
    FlakyBackend.failures = FlakyBackend.calls = 0


@pytest.fixture
def api() -> APIClient:
    return client_for(CUSTOMER_ID)


@pytest.fixture
def other_api() -> APIClient:
    return client_for(OTHER_CUSTOMER_ID)
