"""The order book the payments service calls (/internal/v1/orders/...): every answer of its
contract, bad input refused with the kit's 400, and none of it in the public OpenAPI document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from monolith.orders.models import Order
from monolith.orders.tests.fakes import FakeInventory, FakeOrderEvents, FakePayments
from monolith.orders.tests.helpers import CUSTOMER, OTHER_CUSTOMER, make_order, place_checkout

pytestmark = pytest.mark.django_db

MAX_ID = 2**63 - 1


@pytest.fixture
def book() -> APIClient:
    """A caller without credentials: the internal API asks for none."""
    return APIClient()


def order_url(order_id: int, customer_id: object = CUSTOMER) -> str:
    return f"/internal/v1/orders/{order_id}?customer_id={customer_id}"


def payment_url(order_id: int) -> str:
    return f"/internal/v1/orders/{order_id}/payment"


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def pending_order(payments: FakePayments) -> Order:
    """A pending order holding its stock: checked out, the card declined."""
    result = place_checkout("tok_declined")
    assert result.order.status == "pending"
    return result.order


# --- GET orders/<id>?customer_id=


def test_a_pending_order_is_read_as_a_payment_needs_it(book: APIClient) -> None:
    order = make_order("pending")
    response = book.get(order_url(order.pk))
    assert response.status_code == 200
    assert response.json() == {
        "order_id": order.pk,
        "customer_id": CUSTOMER,
        "status": "pending",
        "total": "25.00",
        "currency": "EUR",
    }


@pytest.mark.parametrize("status", ["cancelled", "paid", "fulfilled"])
def test_an_order_that_cannot_be_paid_is_read_with_its_status(book: APIClient, status: str) -> None:
    order = make_order(status)
    response = book.get(order_url(order.pk))
    assert response.status_code == 200
    assert response.json()["status"] == status
    assert response.json()["total"] == "25.00"


def test_a_pending_order_whose_reservation_ran_out_is_refused_before_any_charge(
    book: APIClient,
) -> None:
    order = make_order("pending")
    Order.objects.filter(pk=order.pk).update(
        reservation_expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = book.get(order_url(order.pk))
    assert response.status_code == 409
    assert error_code(response) == "order_not_payable"
    assert response.json()["error"]["details"] == {"order_id": order.pk, "status": "pending"}


@pytest.mark.parametrize("case", ["another customer's", "no such order", "beyond a bigint"])
def test_an_order_not_the_customer_s_is_not_found(book: APIClient, case: str) -> None:
    order = make_order("pending", customer_id=OTHER_CUSTOMER)
    order_id = {"another customer's": order.pk, "no such order": order.pk + 1000}.get(case, 10**30)
    response = book.get(order_url(order_id))
    assert response.status_code == 404
    assert error_code(response) == "order_not_found"


@pytest.mark.parametrize("customer_id", [None, "", "abc", "0", "-1", "1.5", str(MAX_ID + 1)])
def test_a_missing_or_bad_customer_id_is_a_400(book: APIClient, customer_id: str | None) -> None:
    order = make_order("pending")
    url = (
        f"/internal/v1/orders/{order.pk}"
        if customer_id is None
        else order_url(order.pk, customer_id)
    )
    response = book.get(url)
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert set(response.json()["error"]["details"]) == {"customer_id"}


def test_a_token_is_not_asked_for_and_a_bad_one_is_ignored(book: APIClient) -> None:
    order = make_order("pending")
    response = book.get(order_url(order.pk), HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 200


# --- PUT orders/<id>/payment


def test_confirming_a_pending_order_marks_it_paid_with_the_payment(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents, book: APIClient
) -> None:
    order = pending_order(payments)
    response = book.put(payment_url(order.pk), {"payment_id": 7}, format="json")
    assert response.status_code == 200
    assert response.json() == {"order_id": order.pk, "status": "paid", "payment_id": 7}
    order.refresh_from_db()
    assert (order.status, order.payment_id) == ("paid", 7)
    assert world.reservations[order.pk].state == "committed"
    assert order_events.kinds(order.pk) == ["order_created", "order_paid"]


def test_confirming_the_same_payment_again_answers_200_and_changes_nothing(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents, book: APIClient
) -> None:
    order = pending_order(payments)
    first, again = (
        book.put(payment_url(order.pk), {"payment_id": 7}, format="json") for _ in range(2)
    )
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert order_events.kinds(order.pk) == ["order_created", "order_paid"]


def test_another_payment_for_a_paid_order_is_refused(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents, book: APIClient
) -> None:
    order = pending_order(payments)
    book.put(payment_url(order.pk), {"payment_id": 7}, format="json")
    response = book.put(payment_url(order.pk), {"payment_id": 8}, format="json")
    assert response.status_code == 409
    assert error_code(response) == "order_not_payable"
    order.refresh_from_db()
    assert order.payment_id == 7


@pytest.mark.parametrize("status", ["cancelled", "fulfilled"])
def test_an_order_that_can_no_longer_be_paid_is_refused(
    world: FakeInventory, book: APIClient, status: str
) -> None:
    order = make_order(status)
    response = book.put(payment_url(order.pk), {"payment_id": 8}, format="json")
    assert response.status_code == 409
    assert error_code(response) == "order_not_payable"
    assert Order.objects.get(pk=order.pk).status == status


def test_a_pending_order_whose_stock_is_no_longer_held_is_refused_and_stays_pending(
    world: FakeInventory, order_events: FakeOrderEvents, book: APIClient
) -> None:
    order = make_order("pending")  # no reservation behind it
    response = book.put(payment_url(order.pk), {"payment_id": 7}, format="json")
    assert response.status_code == 409
    assert error_code(response) == "order_not_payable"
    order.refresh_from_db()
    assert (order.status, order.payment_id) == ("pending", None)
    assert order_events.kinds(order.pk) == []


@pytest.mark.parametrize("order_id", [404, 10**30])
def test_confirming_an_order_that_does_not_exist_is_a_404(book: APIClient, order_id: int) -> None:
    response = book.put(payment_url(order_id), {"payment_id": 7}, format="json")
    assert response.status_code == 404
    assert error_code(response) == "order_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"payment_id": "7"},
        {"payment_id": 0},
        {"payment_id": 7.0},
        {"payment_id": True},
        {"payment_id": MAX_ID + 1},
        {"payment_id": 7, "amount": "25.00"},
        [7],
    ],
    ids=[
        "missing",
        "a string",
        "zero",
        "a float",
        "a boolean",
        "too large",
        "unknown field",
        "not an object",
    ],
)
def test_a_bad_payment_is_a_400_and_changes_nothing(book: APIClient, body: object) -> None:
    order = make_order("pending")
    response = book.put(payment_url(order.pk), body, format="json")
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_a_body_that_is_not_json_is_a_400(book: APIClient) -> None:
    order = make_order("pending")
    response = book.put(payment_url(order.pk), "{", content_type="application/json")
    assert response.status_code == 400
    assert error_code(response) == "malformed_request"


# --- the public document


def test_the_internal_api_is_not_in_the_public_openapi_document() -> None:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "/api/v1/orders/{order_id}" in paths
    assert not [path for path in paths if path.startswith("/internal/")]
