"""order.created, consumed by the monolith, counts the units ordered per product (the shop's
best-sellers): once per order, whatever the broker redelivers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from celery import Celery
from rest_framework.test import APIClient

from monolith.catalog import services
from monolith.catalog.models import ProductSales
from strangler.events import Event
from strangler.events.consumer import EventConsumer
from strangler.events.envelope import Delivery

pytestmark = pytest.mark.django_db


def order_created(order_id: int, **units: int) -> Event:
    lines = [
        {"sku": sku, "name": sku.title(), "quantity": quantity, "unit_price": "10.00"}
        for sku, quantity in units.items()
    ]
    total = f"{10 * sum(units.values())}.00"
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": 42,
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "total": total,
        "currency": "EUR",
        "lines": lines,
        "created_at": "2026-12-02T09:00:00+00:00",
    }
    return Event(type="order.created", data=data, source="monolith.orders")


def sold() -> dict[str, int]:
    return dict(ProductSales.objects.values_list("sku", "units_sold"))


def test_an_order_adds_its_units_per_sku(deliver: Callable[..., list[str]]) -> None:
    assert deliver(order_created(1, MUG=2, TEE=1), order_created(2, MUG=3)) == [
        "applied",
        "applied",
    ]
    assert sold() == {"MUG": 5, "TEE": 1}


def test_the_same_order_delivered_three_times_counts_once(
    deliver: Callable[..., list[str]],
) -> None:
    event = order_created(1, MUG=2)
    assert deliver(event, event, event) == ["applied", "duplicate", "duplicate"]
    assert sold() == {"MUG": 2}


def test_a_batch_with_redeliveries_counts_each_order_once(
    consumer: EventConsumer,
    app: Celery,
) -> None:
    first, second = order_created(1, MUG=2, TEE=1), order_created(2, TEE=4)
    batch = [Delivery(e.to_dict()) for e in (first, second, first, first)]

    outcomes = consumer.deliver_many(batch, app=app)

    assert [o.status for o in outcomes] == ["applied", "applied", "duplicate", "duplicate"]
    assert sold() == {"MUG": 2, "TEE": 5}
    assert [o.status for o in consumer.deliver_many(batch, app=app)] == ["duplicate"] * 4
    assert sold() == {"MUG": 2, "TEE": 5}


def test_an_invalid_order_created_is_dead_lettered_and_counts_nothing(
    deliver: Callable[..., list[str]],
) -> None:
    event = order_created(1, MUG=2)
    broken = Event(type=event.type, data={**event.data, "lines": []}, source=event.source)
    assert deliver(broken) == ["dead-lettered"]
    assert sold() == {}


def test_best_sellers_lists_active_products_by_units_sold() -> None:
    category = services.category_upsert(slug="kitchen", name="Kitchen")
    for sku in ("MUG", "TEE", "CAP", "OLD"):
        services.product_upsert(
            sku=sku,
            name=sku.title(),
            price=Decimal("5.00"),
            category=category,
            is_active=sku != "OLD",
        )
    services.product_sales_add(units={"MUG": 3, "TEE": 7, "OLD": 9})
    services.product_sales_add(units={"MUG": 4})

    response = APIClient().get("/api/v1/products/best-sellers")

    assert response.status_code == 200
    assert [(p["sku"], p["units_sold"]) for p in response.json()["results"]] == [
        ("MUG", 7),
        ("TEE", 7),
    ]
    assert set(response.json()["results"][0]) == {"sku", "name", "slug", "units_sold"}
