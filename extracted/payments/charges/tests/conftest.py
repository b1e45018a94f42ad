"""Every test of the service runs with fakes behind the ports that leave the process (fraud,
the monolith's order book); the tests of the HTTP adapters build those themselves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from extracted.payments.charges.tests.fakes import FakeFraud, FakeOrderBook, SpyCardProcessor
from extracted.payments.charges.wiring import CARD_PROCESSOR, FRAUD, ORDER_BOOK
from strangler.composition import root
from strangler.testing import client_for

CUSTOMER_ID = 42
OTHER_CUSTOMER_ID = 43


@pytest.fixture(autouse=True)
def fraud() -> Iterator[FakeFraud]:
    """A FakeFraud (approving) behind the fraud port for the test; the real adapter after."""
    fake = FakeFraud()
    with root.replaced(FRAUD, fake):
        yield fake


@pytest.fixture(autouse=True)
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
