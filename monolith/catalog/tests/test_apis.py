from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from monolith.catalog.models import Category, Product
from monolith.catalog.services import catalog_seed_demo
from strangler.auth.tokens import issue_pair

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def _counts() -> tuple[int, int]:
    return Category.objects.count(), Product.objects.count()


@pytest.fixture
def seeded() -> list[Product]:
    return catalog_seed_demo()


def test_routes_are_named_and_have_no_trailing_slash() -> None:
    assert reverse("catalog-categories") == "/api/v1/categories"
    assert reverse("catalog-products") == PRODUCTS
    assert reverse("catalog-product-detail", kwargs={"sku": "A-1"}) == "/api/v1/products/A-1"


def test_categories_are_public_and_count_active_products(
    api_client: APIClient,
    make_category: Callable[..., Category],
    make_product: Callable[..., Product],
) -> None:
    tea = make_category("tea", name="Tea", description="Loose leaf.")
    make_category("books", name="Books")
    make_product("TEA-1", category=tea)
    make_product("TEA-2", category=tea, is_active=False)

    response = api_client.get("/api/v1/categories")

    assert response.status_code == 200
    assert response.json() == [
        {"slug": "books", "name": "Books", "description": "", "product_count": 0},
        {"slug": "tea", "name": "Tea", "description": "Loose leaf.", "product_count": 1},
    ]


def test_product_list_is_public_paginated_and_serializes_money_as_strings(
    api_client: APIClient, seeded: list[Product]
) -> None:
    response = api_client.get(PRODUCTS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(seeded)
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"].endswith("/api/v1/products?page=2")
    first = body["results"][0]
    assert set(first) == {"sku", "name", "slug", "description", "category", "price", "currency"}
    assert isinstance(first["price"], str)
    assert first["currency"] == "EUR"
    assert set(first["category"]) == {"slug", "name"}


def test_product_list_pages_cover_every_product_once(
    api_client: APIClient, seeded: list[Product]
) -> None:
    skus: list[str] = []
    url: str | None = f"{PRODUCTS}?page_size=15"
    while url:
        body = api_client.get(url).json()
        skus += [p["sku"] for p in body["results"]]
        url = body["next"]

    assert sorted(skus) == sorted(p.sku for p in seeded)


def test_product_list_page_out_of_range_is_404(
    api_client: APIClient, seeded: list[Product]
) -> None:
    response = api_client.get(f"{PRODUCTS}?page=99")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_product_list_filters_by_category(api_client: APIClient, seeded: list[Product]) -> None:
    body = api_client.get(f"{PRODUCTS}?category=tea&page_size=100").json()

    assert body["count"] == Product.objects.filter(category__slug="tea").count() > 0
    assert {p["category"]["slug"] for p in body["results"]} == {"tea"}


def test_product_list_unknown_category_is_empty(
    api_client: APIClient, seeded: list[Product]
) -> None:
    body = api_client.get(f"{PRODUCTS}?category=no-such-thing").json()

    assert body["count"] == 0
    assert body["results"] == []


def test_product_list_searches_name_and_description(
    api_client: APIClient, seeded: list[Product]
) -> None:
    by_name = api_client.get(f"{PRODUCTS}?q=geisha").json()
    by_description = api_client.get(f"{PRODUCTS}?q=bergamot").json()
    combined = api_client.get(f"{PRODUCTS}?q=bergamot&category=tea").json()

    assert [p["sku"] for p in by_name["results"]] == ["COF-PAN-GEISHA-100"]
    assert {p["sku"] for p in by_description["results"]} == {
        "COF-ETH-YIRG-250",
        "TEA-EARLGREY-100",
    }
    assert [p["sku"] for p in combined["results"]] == ["TEA-EARLGREY-100"]


def test_product_list_hides_inactive_products(
    api_client: APIClient, make_product: Callable[..., Product]
) -> None:
    make_product("ON-1")
    make_product("OFF-1", is_active=False)

    body = api_client.get(PRODUCTS).json()

    assert [p["sku"] for p in body["results"]] == ["ON-1"]


def test_product_list_rejects_a_bad_category_filter(
    api_client: APIClient, seeded: list[Product]
) -> None:
    before = _counts()

    response = api_client.get(f"{PRODUCTS}?category=not a slug!")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "category" in response.json()["error"]["details"]
    assert _counts() == before


def test_product_detail_returns_the_product(
    api_client: APIClient, make_product: Callable[..., Product]
) -> None:
    make_product("COF-KEN-250", name="Kenya AA", price=Decimal("16.90"), description="Juicy.")

    response = api_client.get(f"{PRODUCTS}/COF-KEN-250")

    assert response.status_code == 200
    assert response.json() == {
        "sku": "COF-KEN-250",
        "name": "Kenya AA",
        "slug": "kenya-aa",
        "description": "Juicy.",
        "category": {"slug": "coffee", "name": "Coffee"},
        "price": "16.90",
        "currency": "EUR",
    }


def test_unknown_product_is_404_product_not_found(
    api_client: APIClient, seeded: list[Product]
) -> None:
    before = _counts()

    response = api_client.get(f"{PRODUCTS}/NOPE-1")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "product_not_found"
    assert error["details"] == {"sku": "NOPE-1"}
    assert _counts() == before


def test_inactive_product_is_404_product_not_found(
    api_client: APIClient, make_product: Callable[..., Product]
) -> None:
    make_product("OFF-1", is_active=False)

    response = api_client.get(f"{PRODUCTS}/OFF-1")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "product_not_found"


def test_public_endpoints_accept_a_valid_token_and_reject_a_bad_one(
    api_client: APIClient, seeded: list[Product]
) -> None:
    api_client.credentials(
        HTTP_AUTHORIZATION="Bearer " + issue_pair("42", email="a@example.com").access
    )
    assert api_client.get(PRODUCTS).status_code == 200

    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api_client.get(PRODUCTS)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_catalog_is_read_only(api_client: APIClient, seeded: list[Product]) -> None:
    before = _counts()

    response = api_client.post(PRODUCTS, {"sku": "X"}, format="json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert _counts() == before
