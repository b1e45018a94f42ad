from __future__ import annotations

from collections.abc import Callable

import pytest

from monolith.catalog.errors import ProductNotFound
from monolith.catalog.models import Category, Product
from monolith.catalog.selectors import (
    category_list,
    product_get,
    product_get_active,
    product_list,
    product_map,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(
    make_category: Callable[..., Category], make_product: Callable[..., Product]
) -> dict[str, Product]:
    coffee = make_category("coffee")
    tea = make_category("tea")
    return {
        "kenya": make_product("COF-KEN", name="Kenya AA", category=coffee),
        "decaf": make_product(
            "COF-DEC", name="Decaf Peru", category=coffee, description="Swiss water process"
        ),
        "sencha": make_product("TEA-SEN", name="Sencha", category=tea),
        "old": make_product("TEA-OLD", name="Old Kenya tea", category=tea, is_active=False),
    }


def test_product_list_returns_only_active_products_by_name(shelf: dict[str, Product]) -> None:
    assert [p.sku for p in product_list()] == ["COF-DEC", "COF-KEN", "TEA-SEN"]


def test_product_list_filters_by_category_slug(shelf: dict[str, Product]) -> None:
    assert [p.sku for p in product_list(category="tea")] == ["TEA-SEN"]
    assert list(product_list(category="no-such-category")) == []


def test_product_list_searches_name_and_description_case_insensitively(
    shelf: dict[str, Product],
) -> None:
    assert [p.sku for p in product_list(q="kenya")] == ["COF-KEN"]
    assert [p.sku for p in product_list(q="SWISS")] == ["COF-DEC"]
    assert [p.sku for p in product_list(category="tea", q="kenya")] == []


def test_category_list_counts_active_products_only(shelf: dict[str, Product]) -> None:
    counts = {c.slug: c.active_product_count for c in category_list()}  # type: ignore[attr-defined]
    assert counts == {"coffee": 2, "tea": 1}


def test_product_get_active_rejects_unknown_and_inactive(shelf: dict[str, Product]) -> None:
    assert product_get_active(sku="COF-KEN").name == "Kenya AA"
    with pytest.raises(ProductNotFound):
        product_get_active(sku="TEA-OLD")
    with pytest.raises(ProductNotFound) as exc:
        product_get_active(sku="NOPE")
    assert exc.value.details == {"sku": "NOPE"}


def test_product_get_returns_inactive_products_too(shelf: dict[str, Product]) -> None:
    assert product_get(sku="TEA-OLD").is_active is False
    with pytest.raises(ProductNotFound):
        product_get(sku="NOPE")


def test_product_map_returns_only_existing_skus(shelf: dict[str, Product]) -> None:
    assert set(product_map(skus=["COF-KEN", "TEA-OLD", "NOPE"])) == {"COF-KEN", "TEA-OLD"}
    assert product_map(skus=[]) == {}
