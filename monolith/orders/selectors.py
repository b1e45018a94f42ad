"""Reads of the orders context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from monolith.catalog import interface as catalog
from monolith.orders.errors import OrderNotFound
from monolith.orders.models import CartItem, Order, OrderLine

DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class CartLine:
    sku: str
    name: str
    unit_price: Decimal | None
    quantity: int
    line_total: Decimal | None
    is_available: bool  # False when the product was withdrawn from the catalog


@dataclass(frozen=True)
class CartView:
    lines: tuple[CartLine, ...]
    total: Decimal
    currency: str

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def cart_get(*, customer_id: int) -> CartView:
    """The customer's cart priced at today's catalog prices (an empty one if none exists)."""
    items = list(CartItem.objects.filter(cart__customer_id=customer_id))
    products = catalog.get_products([item.sku for item in items]) if items else {}
    return cart_priced(items, products)


def cart_priced(items: Sequence[CartItem], products: Mapping[str, catalog.ProductInfo]) -> CartView:
    """The cart of ``items`` at the prices of ``products`` (those of its SKUs that exist)."""
    lines = []
    for item in items:
        product = products.get(item.sku)
        if product is None or not product.is_active:
            lines.append(CartLine(item.sku, item.sku, None, item.quantity, None, False))
            continue
        line_total = OrderLine.total_for(product.price, item.quantity)
        lines.append(
            CartLine(item.sku, product.name, product.price, item.quantity, line_total, True)
        )
    total = sum((line.line_total for line in lines if line.line_total), Decimal("0.00"))
    currency = next((p.currency for p in products.values()), DEFAULT_CURRENCY)
    return CartView(lines=tuple(lines), total=total, currency=currency)


def order_list(*, customer_id: int) -> QuerySet[Order]:
    """The customer's orders, newest first."""
    return (
        Order.objects.filter(customer_id=customer_id)
        .prefetch_related("lines")
        .order_by("-created_at", "-id")
    )


def order_get(*, order_id: int, customer_id: int | None = None) -> Order:
    """One order; another customer's order is reported as not found."""
    orders = Order.objects.prefetch_related("lines")
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    order = orders.filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound(f"Order {order_id} was not found.", order_id=order_id)
    return order
