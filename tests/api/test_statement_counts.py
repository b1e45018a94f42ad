"""What the customer's hot paths cost in SQL statements, pinned so a regression fails.

Counted in process through the public API, every context real, on the adapters of stage 0
(notifications in process) and of stage 2 on (every context writes its outbox). The counts
are those of a test inside a transaction: each ``transaction.atomic`` block shows up as a
``SAVEPOINT`` / ``RELEASE`` pair, as a nested block does in production (a checkout's four
outermost blocks, the idempotency claim and its three steps, are ``BEGIN`` / ``COMMIT``
there, which Django does not count: 8 fewer).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django import DjangoAssertNumQueries

from monolith.inventory import adapters as inventory_adapters
from monolith.inventory.wiring import EVENTS as INVENTORY_EVENTS
from monolith.orders import adapters as orders_adapters
from monolith.orders.wiring import EVENTS as ORDERS_EVENTS
from monolith.payments import adapters as payments_adapters
from monolith.payments.wiring import EVENTS as PAYMENTS_EVENTS
from strangler.composition import root
from tests.api.conftest import Shop, Shopper

# statements per request (48 and 50 per checkout before issue 18)
CHECKOUT = {"in-process": 33, "outbox": 37}
CART_ADD = 10
PRODUCT_LIST = 2
ORDER_DETAIL = 2


@pytest.fixture(params=["in-process", "outbox"])
def events(request: pytest.FixtureRequest) -> Iterator[str]:
    """The stage's event adapters: in process (stages 0 and 1) or the outboxes (stage 2 on)."""
    if request.param == "in-process":
        yield request.param
        return
    with (
        root.replaced(ORDERS_EVENTS, orders_adapters.OutboxEvents()),
        root.replaced(PAYMENTS_EVENTS, payments_adapters.OutboxEvents()),
        root.replaced(INVENTORY_EVENTS, inventory_adapters.OutboxEvents()),
    ):
        yield request.param


def _add(shopper: Shopper, sku: str) -> None:
    response = shopper.client.post("/api/v1/cart/items", {"sku": sku, "quantity": 1}, format="json")
    assert response.status_code == 201, response.content


def _checkout(shopper: Shopper, key: str) -> int:
    response = shopper.client.post(
        "/api/v1/checkout", {"card_token": "tok_visa"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def test_a_checkout_stays_within_its_statements(
    shop: Shop, ada: Shopper, events: str, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    _add(ada, shop.first.sku)
    with django_assert_max_num_queries(CHECKOUT[events]):
        _checkout(ada, "first")

    _add(ada, shop.first.sku)  # a customer's later checkout costs the same
    with django_assert_max_num_queries(CHECKOUT[events]):
        _checkout(ada, "second")


def test_adding_to_the_cart_stays_within_its_statements(
    shop: Shop, ada: Shopper, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    _add(ada, shop.first.sku)  # the cart exists from now on

    with django_assert_max_num_queries(CART_ADD):
        _add(ada, shop.second.sku)
    with django_assert_max_num_queries(CART_ADD):
        _add(ada, shop.first.sku)  # a SKU already in the cart


def test_the_product_list_stays_within_its_statements(
    shop: Shop, ada: Shopper, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_max_num_queries(PRODUCT_LIST):
        response = ada.client.get("/api/v1/products")
    assert response.status_code == 200
    assert len(response.json()["results"]) > 1


def test_the_order_detail_stays_within_its_statements(
    shop: Shop, ada: Shopper, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    _add(ada, shop.first.sku)
    _add(ada, shop.second.sku)
    order_id = _checkout(ada, "detail")

    with django_assert_max_num_queries(ORDER_DETAIL):
        response = ada.client.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200
    assert len(response.json()["lines"]) == 2
