from __future__ import annotations

from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from monolith.payments.tests.fakes import FakeOrderBook, SpyCardProcessor
from strangler.testing import client_for

CUSTOMER_ID = 42
OTHER_CUSTOMER_ID = 43


@pytest.fixture
def order_book(settings: pytest.FixtureRequest) -> Iterator[type[FakeOrderBook]]:
    settings.PAYMENTS_ORDER_BOOK = "monolith.payments.tests.fakes.FakeOrderBook"  # type: ignore[attr-defined]
    FakeOrderBook.reset()
    yield FakeOrderBook
    FakeOrderBook.reset()


@pytest.fixture
def processor(settings: pytest.FixtureRequest) -> Iterator[type[SpyCardProcessor]]:
    settings.PAYMENTS_CARD_PROCESSOR = "monolith.payments.tests.fakes.SpyCardProcessor"  # type: ignore[attr-defined]
    SpyCardProcessor.charges.clear()
    yield SpyCardProcessor
    SpyCardProcessor.charges.clear()


@pytest.fixture
def api() -> APIClient:
    return client_for(CUSTOMER_ID)


@pytest.fixture
def other_api() -> APIClient:
    return client_for(OTHER_CUSTOMER_ID)
