from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from monolith.catalog.demo_data import DEMO_PRODUCTS
from monolith.catalog.models import Category, Product
from monolith.catalog.services import catalog_seed_demo, product_upsert

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_a_realistic_catalog() -> None:
    products = catalog_seed_demo()

    assert len(products) >= 40
    assert Product.objects.count() == len(products) == len(DEMO_PRODUCTS)
    assert Category.objects.count() >= 6
    for category in Category.objects.all():
        assert category.products.count() >= 5, category.slug
    assert all(p.is_active and p.currency == "EUR" for p in products)
    assert all(Decimal("1") <= p.price < Decimal("1000") for p in products)
    assert all(p.description and p.slug for p in products)
    assert len({p.name for p in products}) == len(products)


def test_seed_demo_twice_changes_nothing() -> None:
    first = catalog_seed_demo()
    snapshot = list(Product.objects.values_list("sku", "name", "slug", "price", "category__slug"))

    second = catalog_seed_demo()

    assert [p.sku for p in second] == [p.sku for p in first]
    assert Category.objects.count() == 6
    after = list(Product.objects.values_list("sku", "name", "slug", "price", "category__slug"))
    assert after == snapshot


def test_seed_demo_restores_an_edited_demo_product_and_keeps_other_products(
    make_product: Callable[..., Product],
) -> None:
    catalog_seed_demo()
    Product.objects.filter(sku="COF-ETH-YIRG-250").update(price=Decimal("99.00"), is_active=False)
    make_product("OWN-PRODUCT-1")

    catalog_seed_demo()

    restored = Product.objects.get(sku="COF-ETH-YIRG-250")
    assert restored.price == Decimal("14.50") and restored.is_active
    assert Product.objects.filter(sku="OWN-PRODUCT-1").exists()


def test_product_upsert_updates_the_existing_sku_in_place(
    make_product: Callable[..., Product],
) -> None:
    original = make_product("TEA-X", name="Green tea", price=Decimal("5.00"))

    updated = product_upsert(
        sku="TEA-X",
        name="Green tea, 100 g",
        category=original.category,
        price=Decimal("6.20"),
        is_active=False,
    )

    assert updated.pk == original.pk
    assert Product.objects.count() == 1
    updated.refresh_from_db()
    assert (updated.name, updated.slug, updated.price, updated.is_active) == (
        "Green tea, 100 g",
        "green-tea-100-g",
        Decimal("6.20"),
        False,
    )
