"""The catalog: what the shop sells and at which price."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "sku"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=Decimal("0")), name="catalog_product_price_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductSales(models.Model):
    """Units of a SKU ordered so far, counted from ``order.created`` (the shop's best-sellers).

    Keyed by SKU, not by product: an order line outlives a product taken off the catalog.
    """

    sku = models.CharField(max_length=64, unique=True)
    units_sold = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "product sales"

    def __str__(self) -> str:
        return f"{self.sku}: {self.units_sold} sold"
