from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

import pytest

from monolith.catalog import interface
from monolith.catalog.interface import ProductInfo, ProductNotFound
from monolith.catalog.models import Product
from strangler.errors import NotFound

pytestmark = pytest.mark.django_db


def test_get_product_returns_a_frozen_dataclass(make_product: Callable[..., Product]) -> None:
    make_product("COF-1", name="Kenya AA", price=Decimal("16.90"))

    info = interface.get_product("COF-1")

    assert info == ProductInfo(
        sku="COF-1", name="Kenya AA", price=Decimal("16.90"), currency="EUR", is_active=True
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.price = Decimal("0")  # type: ignore[misc]


def test_get_product_reports_inactive_products_and_rejects_unknown_ones(
    make_product: Callable[..., Product],
) -> None:
    make_product("OLD-1", is_active=False)

    assert interface.get_product("OLD-1").is_active is False
    with pytest.raises(ProductNotFound) as exc:
        interface.get_product("NOPE")
    assert isinstance(exc.value, NotFound)
    assert exc.value.code == "product_not_found"
    assert exc.value.http_status == 404


def test_get_products_returns_only_the_existing_ones(
    make_product: Callable[..., Product],
) -> None:
    make_product("A-1")
    make_product("B-1", is_active=False)

    found = interface.get_products(["A-1", "B-1", "C-1", "A-1"])

    assert set(found) == {"A-1", "B-1"}
    assert all(isinstance(v, ProductInfo) for v in found.values())
    assert interface.get_products(iter([])) == {}


def test_seed_demo_catalog_returns_product_infos_and_is_idempotent() -> None:
    first = interface.seed_demo_catalog()
    second = interface.seed_demo_catalog()

    assert first == second
    assert len(first) >= 40
    assert all(isinstance(p, ProductInfo) for p in first)
    assert Product.objects.count() == len(first)
