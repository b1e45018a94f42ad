"""The catalog's published interface: the ONLY module other contexts may import."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from monolith.catalog import selectors, services
from monolith.catalog.errors import ProductNotFound

if TYPE_CHECKING:
    from monolith.catalog.models import Product

__all__ = ["ProductInfo", "ProductNotFound", "get_product", "get_products", "seed_demo_catalog"]


@dataclass(frozen=True)
class ProductInfo:
    sku: str
    name: str
    price: Decimal
    currency: str
    is_active: bool


def _info(product: Product) -> ProductInfo:
    return ProductInfo(
        sku=product.sku,
        name=product.name,
        price=product.price,
        currency=product.currency,
        is_active=product.is_active,
    )


def get_product(sku: str) -> ProductInfo:
    """The product ``sku``, active or not; raises :class:`ProductNotFound` for an unknown SKU."""
    return _info(selectors.product_get(sku=sku))


def get_products(skus: Iterable[str]) -> dict[str, ProductInfo]:
    """The products among ``skus`` that exist (active or not), keyed by SKU."""
    return {sku: _info(p) for sku, p in selectors.product_map(skus=skus).items()}


def seed_demo_catalog() -> list[ProductInfo]:
    """Create or refresh the demo catalog (idempotent, deterministic, 6 categories)."""
    return [_info(p) for p in services.catalog_seed_demo()]
