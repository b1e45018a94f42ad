from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from monolith.catalog.models import Category, Product
from monolith.catalog.services import category_upsert, product_upsert


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_category(db: None) -> Callable[..., Category]:
    def make(slug: str = "coffee", name: str | None = None, description: str = "") -> Category:
        return category_upsert(slug=slug, name=name or slug.title(), description=description)

    return make


@pytest.fixture
def make_product(make_category: Callable[..., Category]) -> Callable[..., Product]:
    def make(sku: str = "COF-TEST-250", **overrides: Any) -> Product:
        fields: dict[str, Any] = {
            "name": f"Product {sku}",
            "price": Decimal("12.50"),
            "description": "A test product.",
            "is_active": True,
        }
        fields.update(overrides)
        if "category" not in fields:
            fields["category"] = make_category()
        return product_upsert(sku=sku, **fields)

    return make
