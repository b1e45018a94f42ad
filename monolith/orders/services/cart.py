"""Cart writes. The cart holds SKUs and quantities only; prices are read at display time."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef

from monolith.catalog import interface as catalog
from monolith.orders.errors import CartItemNotFound, CartQuantityInvalid
from monolith.orders.models import Cart, CartItem
from monolith.orders.ports import OutOfStock
from monolith.orders.wiring import INVENTORY
from strangler.composition import root


def _cart_locked(*, customer_id: int) -> Cart:
    """The customer's cart, created on first use and locked for the rest of the transaction."""
    cart, _ = Cart.objects.select_for_update().get_or_create(customer_id=customer_id)
    return cart


def _ensure_quantity(*, sku: str, quantity: int) -> None:
    if quantity > CartItem.MAX_QUANTITY:
        raise CartQuantityInvalid(
            f"At most {CartItem.MAX_QUANTITY} units of {sku} fit in a cart.",
            quantity=[f"At most {CartItem.MAX_QUANTITY} units of {sku} fit in a cart."],
        )
    available = root.get(INVENTORY).available(sku)
    if quantity > available:
        raise OutOfStock(
            f"Only {available} units of {sku} are available.",
            sku=sku,
            requested=quantity,
            available=available,
        )


def _ensure_product(sku: str) -> None:
    product = catalog.get_product(sku)
    if not product.is_active:
        raise catalog.ProductNotFound(f"Product {sku} is not for sale.", sku=sku)


def _cart_locked_holding(*, customer_id: int, sku: str) -> tuple[Cart, bool]:
    """The customer's cart, locked, and whether it holds ``sku``: one statement once it exists."""
    holds = Exists(CartItem.objects.filter(cart=OuterRef("pk"), sku=sku))
    cart = (
        Cart.objects.select_for_update()
        .annotate(holds=holds)
        .filter(customer_id=customer_id)
        .first()
    )
    if cart is None:
        return _cart_locked(customer_id=customer_id), False
    return cart, bool(cart.holds)


@transaction.atomic
def cart_item_add(*, customer_id: int, sku: str, quantity: int) -> CartItem:
    """Add ``quantity`` units of ``sku``; an SKU already in the cart gets its quantity raised."""
    _ensure_product(sku)
    cart, holds = _cart_locked_holding(customer_id=customer_id, sku=sku)
    item = cart.items.filter(sku=sku).first() if holds else None
    new_quantity = quantity + (item.quantity if item else 0)
    _ensure_quantity(sku=sku, quantity=new_quantity)
    if item is None:
        item = CartItem.objects.create(cart=cart, sku=sku, quantity=new_quantity)
    else:
        item.quantity = new_quantity
        item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return item


@transaction.atomic
def cart_item_set_quantity(*, customer_id: int, sku: str, quantity: int) -> CartItem:
    cart = _cart_locked(customer_id=customer_id)
    item = cart.items.filter(sku=sku).first()
    if item is None:
        raise CartItemNotFound(f"{sku} is not in the cart.", sku=sku)
    _ensure_quantity(sku=sku, quantity=quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return item


@transaction.atomic
def cart_item_remove(*, customer_id: int, sku: str) -> None:
    deleted, _ = CartItem.objects.filter(cart__customer_id=customer_id, sku=sku).delete()
    if not deleted:
        raise CartItemNotFound(f"{sku} is not in the cart.", sku=sku)


@transaction.atomic
def cart_clear(*, customer_id: int) -> None:
    CartItem.objects.filter(cart__customer_id=customer_id).delete()


def cart_remove_ordered(*, customer_id: int, skus: list[str]) -> None:
    """After payment: the ordered SKUs leave the cart (anything added since stays)."""
    CartItem.objects.filter(cart__customer_id=customer_id, sku__in=skus).delete()
