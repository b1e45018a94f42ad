from __future__ import annotations

from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from monolith.payments.tests.fakes import FakeOrderBook, SpyCardProcessor
from monolith.payments.wiring import CARD_PROCESSOR, ORDER_BOOK
from strangler.composition import root
from strangler.testing import client_for

CUSTOMER_ID = 42
OTHER_CUSTOMER_ID = 43


@pytest.fixture
def order_book() -> Iterator[FakeOrderBook]:
    """A FakeOrderBook behind the order book port for the test; the real adapter after."""
    fake = FakeOrderBook()
    with root.replaced(ORDER_BOOK, fake):
        yield fake


@pytest.fixture
def processor() -> Iterator[SpyCardProcessor]:
    spy = SpyCardProcessor()
    with root.replaced(CARD_PROCESSOR, spy):
        yield spy


@pytest.fixture
def api() -> APIClient:
    return client_for(CUSTOMER_ID)


@pytest.fixture
def other_api() -> APIClient:
    return client_for(OTHER_CUSTOMER_ID)
