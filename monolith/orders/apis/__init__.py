"""HTTP API of the orders context (thin views; the work happens in services)."""

from monolith.orders.apis.cart import CartApi, CartItemApi, CartItemsApi
from monolith.orders.apis.orders import CheckoutApi, OrderCancelApi, OrderDetailApi, OrderListApi

__all__ = [
    "CartApi",
    "CartItemApi",
    "CartItemsApi",
    "CheckoutApi",
    "OrderCancelApi",
    "OrderDetailApi",
    "OrderListApi",
]
