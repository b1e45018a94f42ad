"""Small builders shared by the orders tests."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal

from monolith.orders import services
from monolith.orders.models import Cart, CartItem, Order, OrderLine
from strangler.testing import client_for  # noqa: F401  (re-exported for the tests)

CUSTOMER = 42
OTHER_CUSTOMER = 7
# pytest-django's ``django_capture_on_commit_callbacks``: a refund is asked once the
# transaction that recorded it commits, which a test's transaction never does by itself
CommitCallbacks = Callable[..., AbstractContextManager[list[Callable[[], object]]]]


def counts() -> dict[str, int]:
    """Rows of every orders table (to assert that a refused request changed nothing)."""
    return {
        "carts": Cart.objects.count(),
        "cart_items": CartItem.objects.count(),
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
    }


def make_order(status: str = "pending", *, customer_id: int = CUSTOMER) -> Order:
    """An order written directly, in any status (for the state table and admin tests)."""
    order = Order.objects.create(
        customer_id=customer_id,
        status=status,
        total=Decimal("25.00"),
        shipping_name="Ada",
        shipping_line1="1 Canal Street",
        shipping_city="Amsterdam",
        shipping_postal_code="1011 AB",
        shipping_country="NL",
    )
    OrderLine.objects.create(
        order=order,
        sku="MUG",
        name="Stoneware mug",
        unit_price=Decimal("12.50"),
        quantity=2,
        line_total=Decimal("25.00"),
    )
    return order


def place_checkout(
    card_token: str = "tok_visa", *, customer_id: int = CUSTOMER, **cart: int
) -> services.CheckoutResult:
    """Fill the customer's cart (``MUG=2``) and check out."""
    for sku, quantity in (cart or {"MUG": 2}).items():
        services.cart_item_add(customer_id=customer_id, sku=sku, quantity=quantity)
    return services.order_checkout(customer_id=customer_id, card_token=card_token)
