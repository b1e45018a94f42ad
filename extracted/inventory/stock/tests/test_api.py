"""The service's HTTP API: the public stock read and the internal reservations, each status
with its body; bad input is a 4xx in the error shape and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from extracted.inventory.stock.models import Hold, Reservation
from extracted.inventory.stock.services import stock_set
from extracted.inventory.stock.tests.helpers import published, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def put(client: APIClient, order_id: int | str, body: Any) -> Any:
    return client.put(f"/internal/v1/reservations/{order_id}", body, format="json")


def counts() -> tuple[int, int, tuple[int, int]]:
    return Reservation.objects.count(), Hold.objects.count(), stock("MUG")


def test_the_stock_of_a_sku(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=12)

    response = client.get("/api/v1/inventory/MUG")

    assert response.status_code == 200
    assert response.json() == {"sku": "MUG", "on_hand": 12, "reserved": 0, "available": 12}


def test_an_unknown_sku_is_404_sku_not_found(client: APIClient) -> None:
    response = client.get("/api/v1/inventory/NOPE")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "sku_not_found",
            "message": "No stock record for SKU 'NOPE'.",
            "details": {"sku": "NOPE"},
        }
    }


def test_a_reservation_is_201_then_200_with_the_same_expiry(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=5)
    body = {"lines": [{"sku": "MUG", "quantity": 2}]}

    first = put(client, 41, body)
    second = put(client, 41, body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert first.json()["order_id"] == 41
    assert first.json()["status"] == "active"
    assert first.json()["lines"] == [{"sku": "MUG", "quantity": 2}]
    assert first.json()["expires_at"].endswith("Z")
    assert stock("MUG") == (5, 2)
    assert published() == ["stock.reserved"]


def test_duplicate_skus_are_merged(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=5)

    response = put(
        client, 41, {"lines": [{"sku": "MUG", "quantity": 2}, {"sku": "MUG", "quantity": 1}]}
    )

    assert response.status_code == 201
    assert response.json()["lines"] == [{"sku": "MUG", "quantity": 3}]
    assert stock("MUG") == (5, 3)


def test_out_of_stock_is_409_with_what_is_available_and_takes_no_line(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=5)
    stock_set(sku="TEA", on_hand=1)

    response = put(
        client, 43, {"lines": [{"sku": "MUG", "quantity": 2}, {"sku": "TEA", "quantity": 3}]}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"
    assert response.json()["error"]["details"] == {"sku": "TEA", "requested": 3, "available": 1}
    assert (stock("MUG"), stock("TEA")) == ((5, 0), (1, 0))
    assert Reservation.objects.count() == Hold.objects.count() == 0
    assert published() == []


def test_a_sku_without_stock_row_is_out_of_stock_with_0_available(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=5)

    response = put(client, 43, {"lines": [{"sku": "GHOST", "quantity": 1}]})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"
    assert response.json()["error"]["details"] == {
        "sku": "GHOST",
        "requested": 1,
        "available": 0,
    }
    assert counts() == (0, 0, (5, 0))


def test_other_lines_for_the_same_order_are_409_reservation_exists(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=5)
    put(client, 41, {"lines": [{"sku": "MUG", "quantity": 2}]})

    response = put(client, 41, {"lines": [{"sku": "MUG", "quantity": 3}]})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reservation_exists"
    assert response.json()["error"]["details"] == {"order_id": 41, "status": "active"}
    assert counts() == (1, 1, (5, 2))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "MUG", "quantity": 0}]}, "lines"),
        ({"lines": [{"sku": "MUG", "quantity": "2"}]}, "lines"),
        ({"lines": [{"sku": "MUG", "quantity": True}]}, "lines"),
        ({"lines": [{"sku": 7, "quantity": 1}]}, "lines"),
        ({"lines": [{"sku": "", "quantity": 1}]}, "lines"),
        ({"lines": [{"sku": "M" * 65, "quantity": 1}]}, "lines"),
        ({"lines": [{"sku": "MUG", "quantity": 1, "price": 3}]}, "lines"),
        ({"lines": [{"sku": "MUG", "quantity": 1}], "extra": 1}, "extra"),
        ({"lines": "MUG"}, "lines"),
    ],
)
def test_a_malformed_body_is_400_and_changes_nothing(
    client: APIClient, body: dict[str, Any], field: str
) -> None:
    stock_set(sku="MUG", on_hand=5)

    response = put(client, 41, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]
    assert counts() == (0, 0, (5, 0))


def test_a_body_that_is_not_json_is_400(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=5)

    response = client.put(
        "/internal/v1/reservations/41", "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
    assert counts() == (0, 0, (5, 0))


@pytest.mark.parametrize("order_id", ["0", "9223372036854775808", "abc"])
def test_an_order_id_that_names_no_order_is_404(client: APIClient, order_id: str) -> None:
    stock_set(sku="MUG", on_hand=5)

    response = put(client, order_id, {"lines": [{"sku": "MUG", "quantity": 1}]})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert counts() == (0, 0, (5, 0))


def test_get_a_reservation(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=5)
    made = put(client, 41, {"lines": [{"sku": "MUG", "quantity": 2}]}).json()

    response = client.get("/internal/v1/reservations/41")

    assert response.status_code == 200
    assert response.json() == made


def test_get_a_missing_reservation_is_404(client: APIClient) -> None:
    response = client.get("/internal/v1/reservations/41")

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "reservation_not_found",
        "message": "Order 41 has no reservation.",
        "details": {"order_id": 41},
    }


def test_release_gives_the_units_back_and_is_idempotent(client: APIClient) -> None:
    stock_set(sku="MUG", on_hand=5)
    put(client, 41, {"lines": [{"sku": "MUG", "quantity": 2}]})

    first = client.post("/internal/v1/reservations/41/release")
    second = client.post("/internal/v1/reservations/41/release")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["status"] == second.json()["status"] == "released"
    assert stock("MUG") == (5, 0)
    assert published() == ["stock.reserved", "stock.released"]


def test_release_of_a_missing_reservation_is_404(client: APIClient) -> None:
    response = client.post("/internal/v1/reservations/41/release")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "reservation_not_found"


def test_the_internal_api_is_not_under_the_public_prefix(client: APIClient) -> None:
    response = client.get("/api/v1/reservations/41")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
