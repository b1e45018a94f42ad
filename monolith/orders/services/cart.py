"""Cart writes. The cart holds SKUs and quantities only; prices are read at display time."""

from __future__ import annotations

from django.db import transaction

from monolith.catalog import interface as catalog
from monolith.orders.errors import CartItemNotFound, CartQuantityInvalid
from monolith.orders.models import Cart, CartItem
from monolith.orders.ports import OutOfStock
from monolith.orders.selectors import CartView, cart_priced
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


def _ensure_for_sale(sku: str, products: dict[str, catalog.ProductInfo]) -> None:
    product = products.get(sku)
    if product is None:
        raise catalog.ProductNotFound(f"No product with SKU {sku!r}.", sku=sku)
    if not product.is_active:
        raise catalog.ProductNotFound(f"Product {sku} is not for sale.", sku=sku)


@transaction.atomic
def cart_item_add(*, customer_id: int, sku: str, quantity: int) -> CartView:
    """Add ``quantity`` units of ``sku``; an SKU already in the cart gets its quantity raised.

    Returns the cart as it is now, priced from the items and products read to check the add
    (the cart is locked: nothing else changed it meanwhile), so nothing is read again.
    """
    cart = _cart_locked(customer_id=customer_id)
    items = list(cart.items.all())
    products = catalog.get_products({item.sku for item in items} | {sku})
    _ensure_for_sale(sku, products)
    item = next((item for item in items if item.sku == sku), None)
    new_quantity = quantity + (item.quantity if item else 0)
    _ensure_quantity(sku=sku, quantity=new_quantity)
    if item is None:
        items.append(CartItem.objects.create(cart=cart, sku=sku, quantity=new_quantity))
    else:
        item.quantity = new_quantity
        item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return cart_priced(items, products)


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
