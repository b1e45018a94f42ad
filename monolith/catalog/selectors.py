"""Reads of the catalog."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from monolith.catalog.errors import ProductNotFound
from monolith.catalog.models import Category, Product, ProductSales


def category_list() -> QuerySet[Category]:
    """Every category with ``active_product_count`` (active products only)."""
    return Category.objects.annotate(
        active_product_count=Count("products", filter=Q(products__is_active=True))
    ).order_by("name")


def product_list(*, category: str | None = None, q: str | None = None) -> QuerySet[Product]:
    """Active products, optionally in the category with slug ``category`` and/or matching ``q``
    (case-insensitive, in the name or the description)."""
    qs = Product.objects.filter(is_active=True).select_related("category")
    if category:
        qs = qs.filter(category__slug=category)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return qs.order_by("name", "sku")


def product_get_active(*, sku: str) -> Product:
    """The active product ``sku``; unknown and inactive products are both not found."""
    try:
        return Product.objects.select_related("category").get(sku=sku, is_active=True)
    except Product.DoesNotExist:
        raise ProductNotFound(f"No product with SKU {sku!r}.", sku=sku) from None


def best_sellers() -> QuerySet[Product]:
    """Active products that have sold, most units first, each with ``units_sold``."""
    sold = ProductSales.objects.filter(sku=OuterRef("sku")).values("units_sold")[:1]
    return (
        Product.objects.filter(is_active=True)
        .annotate(units_sold=Subquery(sold))
        .filter(units_sold__gt=0)
        .order_by("-units_sold", "sku")
    )


def product_get(*, sku: str) -> Product:
    """The product ``sku`` whether active or not (other contexts decide what inactive means)."""
    try:
        return Product.objects.get(sku=sku)
    except Product.DoesNotExist:
        raise ProductNotFound(f"No product with SKU {sku!r}.", sku=sku) from None


def product_map(*, skus: Iterable[str]) -> dict[str, Product]:
    """The products among ``skus`` that exist (active or not), keyed by SKU."""
    wanted = set(skus)
    if not wanted:
        return {}
    return {p.sku: p for p in Product.objects.filter(sku__in=wanted)}
