"""Writes of the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from monolith.catalog.demo_data import DEMO_CATEGORIES, DEMO_PRODUCTS
from monolith.catalog.models import Category, Product, ProductSales


@transaction.atomic
def category_upsert(*, slug: str, name: str, description: str = "") -> Category:
    """Create the category ``slug`` or update its name and description."""
    category, _ = Category.objects.update_or_create(
        slug=slug, defaults={"name": name, "description": description}
    )
    return category


@transaction.atomic
def product_upsert(
    *,
    sku: str,
    name: str,
    category: Category,
    price: Decimal,
    description: str = "",
    slug: str | None = None,
    is_active: bool = True,
) -> Product:
    """Create the product ``sku`` or update every field of it (the SKU never changes)."""
    product, _ = Product.objects.update_or_create(
        sku=sku,
        defaults={
            "name": name,
            "slug": slug or slugify(name),
            "description": description,
            "category": category,
            "price": price,
            "currency": "EUR",
            "is_active": is_active,
        },
    )
    return product


@transaction.atomic
def catalog_seed_demo() -> list[Product]:
    """Create or refresh the demo catalog; running it twice leaves the same rows.

    Products are matched by SKU, so prices or texts edited in the admin are reset to the demo
    values, and products that are not part of the demo are left alone.
    """
    categories = {
        slug: category_upsert(slug=slug, name=name, description=description)
        for slug, name, description in DEMO_CATEGORIES
    }
    return [
        product_upsert(
            sku=sku,
            name=name,
            category=categories[category_slug],
            price=Decimal(price),
            description=description,
        )
        for category_slug, sku, name, price, description in DEMO_PRODUCTS
    ]


def product_sales_add(*, units: Mapping[str, int]) -> None:
    """Add ``units`` (SKU -> units ordered) to each SKU's count, in one statement.

    An upsert adding to the stored count, so concurrent consumers never lose an increment.
    """
    if not units:
        return
    table = ProductSales._meta.db_table
    now = timezone.now()
    rows = sorted(units.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (sku, units_sold, updated_at) VALUES "
            + ", ".join(["(%s, %s, %s)"] * len(rows))
            + f" ON CONFLICT (sku) DO UPDATE SET units_sold = {table}.units_sold + "
            "excluded.units_sold, updated_at = excluded.updated_at",
            [value for sku, quantity in rows for value in (sku, quantity, now)],
        )
