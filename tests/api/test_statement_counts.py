"""What the customer's hot paths cost in SQL statements, pinned so a regression fails.

Counted in process through the public API, every context real, on the adapters of stages 0
and 1 (notifications in process) and of stage 2 on (every context writes its outbox), each
while the tree holds it (stage 2 brings the outboxes and retires the in-process adapter). The counts
are those of a test inside a transaction: each ``transaction.atomic`` block shows up as a
``SAVEPOINT`` / ``RELEASE`` pair, as a nested block does in production (a checkout's four
outermost blocks, the idempotency claim and its three steps, are ``BEGIN`` / ``COMMIT``
there, which Django does not count: 8 fewer).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from importlib.util import find_spec
from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from monolith.inventory.wiring import EVENTS as INVENTORY_EVENTS
from monolith.orders.wiring import EVENTS as ORDERS_EVENTS
from monolith.payments.wiring import EVENTS as PAYMENTS_EVENTS
from strangler.composition import root
from tests.api.conftest import Shop, Shopper

# statements per request (48 and 50 per checkout before issue 18; in process 3 more since the
# "order received" e-mail, with the outboxes 1 more since order.created carries the recipient)
CHECKOUT = {"in-process": 29, "outbox": 28}
# What one checkout sends outside a test transaction, as a request does: every statement with
# BEGIN, COMMIT and SAVEPOINT (in process, notifications take one), and those that are SQL.
CHECKOUT_SENT = {"in-process": 27, "outbox": 26}
CHECKOUT_SQL = {"in-process": 17, "outbox": 20}
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")
CART_ADD = 8  # the same for a SKU the cart already holds (its quantity is raised)
PRODUCT_LIST = 2
ORDER_DETAIL = 2


# The event adapters of each kind of stage: orders, payments, inventory (dotted class paths).
ADAPTERS = {
    "in-process": (
        "monolith.orders.in_process_notifications.InProcessNotifications",
        "monolith.payments.adapters.NoEvents",
        "monolith.inventory.adapters.NoEvents",
    ),
    "outbox": (
        "monolith.orders.outbox.adapters.OutboxEvents",
        "monolith.payments.outbox.adapters.OutboxEvents",
        "monolith.inventory.outbox.adapters.OutboxEvents",
    ),
}


def _held(kind: str) -> bool:
    """Whether this tree holds the adapters of ``kind`` (a stage tag holds one kind)."""
    try:
        return all(find_spec(path.rsplit(".", 1)[0]) is not None for path in ADAPTERS[kind])
    except ModuleNotFoundError:  # the adapter's package is not in the tree either
        return False


def _adapter(path: str) -> Any:
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)()


@pytest.fixture(params=[kind for kind in ADAPTERS if _held(kind)])
def events(request: pytest.FixtureRequest) -> Iterator[str]:
    """The stage's event adapters: in process (stages 0 and 1) or the outboxes (stage 2 on)."""
    orders, payments, inventory = ADAPTERS[request.param]
    with (
        root.replaced(ORDERS_EVENTS, _adapter(orders)),
        root.replaced(PAYMENTS_EVENTS, _adapter(payments)),
        root.replaced(INVENTORY_EVENTS, _adapter(inventory)),
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


@pytest.mark.django_db(transaction=True)
def test_a_checkout_outside_a_test_transaction_sends_its_statements_and_replays(
    shop: Shop,
    ada: Shopper,
    events: str,
    django_assert_max_num_queries: DjangoAssertNumQueries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if events == "in-process":  # the e-mail is sent by a worker, not by the request (eager here)
        monkeypatch.setattr("monolith.notifications.services._enqueue_send", lambda _id: None)
    _add(ada, shop.first.sku)
    with django_assert_max_num_queries(CHECKOUT_SENT[events]) as sent:
        order_id = _checkout(ada, "sent")
    sql = [q for q in sent.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
    assert len(sql) <= CHECKOUT_SQL[events], "\n".join(q["sql"][:120] for q in sql)

    # the key's claim, alone in autocommit, meets the first one's row and replays its answer
    replay = ada.client.post(
        "/api/v1/checkout", {"card_token": "tok_visa"}, format="json", HTTP_IDEMPOTENCY_KEY="sent"
    )
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == order_id


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
