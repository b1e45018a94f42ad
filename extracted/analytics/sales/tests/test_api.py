"""The figures over HTTP: staff only (the admin role), bad queries answered with what is
wrong."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from extracted.analytics.sales import services
from extracted.analytics.sales.models import DailySales, ProductDailySales
from strangler.testing import client_for

STAFF = ("customer", "admin")  # as identity's token of an account granted admin

pytestmark = pytest.mark.django_db

DAILY = "/api/v1/analytics/sales/daily"
PRODUCTS = "/api/v1/analytics/sales/products"
TOTALS = "/api/v1/analytics/sales/totals"


@pytest.fixture
def figures() -> None:
    for day, currency, orders, revenue in [
        (date(2025, 1, 1), "EUR", 2, "40.00"),
        (date(2025, 1, 2), "EUR", 1, "31.50"),
        (date(2025, 1, 2), "USD", 1, "5.00"),
        (date(2025, 1, 9), "EUR", 3, "9.99"),
    ]:
        DailySales.objects.create(
            day=day, currency=currency, orders=orders, revenue=Decimal(revenue)
        )
    for sku, units, revenue in [("TEA", 1, "7.50"), ("MUG", 2, "24.00")]:
        ProductDailySales.objects.create(
            day=date(2025, 1, 2), currency="EUR", sku=sku, name=sku.title(), units=units,
            revenue=Decimal(revenue),
        )  # fmt: skip


def error(response: object) -> tuple[int, str, dict[str, list[str]]]:
    body = response.json()["error"]  # type: ignore[attr-defined]
    return response.status_code, body["code"], body["details"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", [DAILY, f"{PRODUCTS}?day=2025-01-02", TOTALS])
def test_figures_need_a_signed_in_caller(url: str) -> None:
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [DAILY, f"{PRODUCTS}?day=2025-01-02", TOTALS])
def test_a_customer_s_token_is_refused_the_figures(figures: None, url: str) -> None:
    """Staff see them: a token without the admin role (a customer's, or one issued before
    identity gave tokens roles) gets 403 and nothing of the figures."""
    for roles in [("customer",), ()]:
        response = client_for(1, roles=roles).get(url)

        assert response.status_code == 403, roles
        assert response.json()["error"]["code"] == "forbidden"


def test_daily_figures_of_a_range_per_currency(figures: None) -> None:
    response = client_for(1, roles=STAFF).get(DAILY, {"from": "2025-01-02", "to": "2025-01-08"})

    assert response.status_code == 200
    assert response.json() == {
        "from": "2025-01-02",
        "to": "2025-01-08",
        "days": [
            {"day": "2025-01-02", "currency": "EUR", "orders": 1, "revenue": "31.50",
             "cancelled_orders": 0, "cancelled_revenue": "0.00"},
            {"day": "2025-01-02", "currency": "USD", "orders": 1, "revenue": "5.00",
             "cancelled_orders": 0, "cancelled_revenue": "0.00"},
        ],
    }  # fmt: skip


def test_daily_figures_default_to_the_last_thirty_days(figures: None) -> None:
    body = client_for(1, roles=STAFF).get(DAILY, {"to": "2025-01-30"}).json()

    assert (body["from"], body["to"]) == ("2025-01-01", "2025-01-30")
    assert len(body["days"]) == 4


@pytest.mark.parametrize(
    ("query", "field", "says", "status", "code"),
    [
        ({"from": "2025-02-01", "to": "2025-01-01"}, "from", "after to", 422, "invalid_range"),
        ({"from": "yesterday"}, "from", "wrong format", 400, "validation_error"),
        ({"to": "2025-02-30"}, "to", "wrong format", 400, "validation_error"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, "to", "At most 366", 422, "invalid_range"),
    ],
)
def test_a_bad_day_is_a_400_and_a_bad_range_a_422_that_names_the_parameter(
    query: dict[str, str], field: str, says: str, status: int, code: str
) -> None:
    got_status, got_code, details = error(client_for(1, roles=STAFF).get(DAILY, query))

    assert (got_status, got_code) == (status, code)
    assert says in details[field][0]


def test_products_of_a_day_best_sellers_first(figures: None) -> None:
    response = client_for(1, roles=STAFF).get(PRODUCTS, {"day": "2025-01-02"})

    assert response.status_code == 200
    assert response.json() == {
        "day": "2025-01-02",
        "products": [
            {"sku": "MUG", "name": "Mug", "currency": "EUR", "units": 2, "revenue": "24.00",
             "cancelled_units": 0},
            {"sku": "TEA", "name": "Tea", "currency": "EUR", "units": 1, "revenue": "7.50",
             "cancelled_units": 0},
        ],
    }  # fmt: skip


@pytest.mark.parametrize(("query", "says"), [({}, "required"), ({"day": "2."}, "wrong format")])
def test_products_need_a_valid_day(query: dict[str, str], says: str) -> None:
    status, code, details = error(client_for(1, roles=STAFF).get(PRODUCTS, query))

    assert (status, code) == (400, "validation_error")
    assert says in details["day"][0]


def test_totals_add_up_every_day_per_currency(figures: None) -> None:
    services.figures_refresh(days=[])  # nothing to refresh changes nothing

    body = client_for(1, roles=STAFF).get(TOTALS).json()

    assert body == {
        "totals": [
            {"currency": "EUR", "orders": 6, "revenue": "81.49", "cancelled_orders": 0,
             "cancelled_revenue": "0.00"},
            {"currency": "USD", "orders": 1, "revenue": "5.00", "cancelled_orders": 0,
             "cancelled_revenue": "0.00"},
        ]
    }  # fmt: skip
