"""The inventory service keeps its consumers' pacts: every interaction of the committed pact
files that name it as provider (``strangler/contracts/pacts/``; the monolith's HTTP inventory
adapter writes ``monolith-orders-inventory.json``), replayed against a running instance
(Django's live server over the test database).

Pact calls the provider-state function before each interaction; each state starts from empty
tables, so the interactions do not depend on one another's order.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from extracted.inventory.stock.models import Hold, Reservation, StockItem
from extracted.inventory.stock.services import stock_reserve, stock_set
from strangler.contracts.pact import verify_provider


def _empty() -> None:
    Reservation.objects.all().delete()
    Hold.objects.all().delete()
    StockItem.objects.all().delete()


def pact_1_has_5_available(**_: Any) -> None:
    _empty()
    stock_set(sku="PACT-1", on_hand=5)


def pact_404_is_not_stocked(**_: Any) -> None:
    _empty()


def order_42_holds_2_pact_1(**_: Any) -> None:
    pact_1_has_5_available()
    stock_reserve(order_id=42, lines=[("PACT-1", 2)])


def pact_2_has_1_available(**_: Any) -> None:
    _empty()
    stock_set(sku="PACT-2", on_hand=1)


STATES = {
    "SKU PACT-1 has 5 available": pact_1_has_5_available,
    "SKU PACT-404 is not stocked": pact_404_is_not_stocked,
    "order 42 holds 2 x PACT-1": order_42_holds_2_pact_1,
    "SKU PACT-2 has 1 available": pact_2_has_1_available,
}


@pytest.mark.django_db(transaction=True)  # the live server's thread reads what the state writes
def test_inventory_honours_every_pact_that_names_it(live_server: LiveServer) -> None:
    verify_provider("inventory", live_server.url, STATES)
