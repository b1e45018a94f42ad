"""The orders context's writes (``<entity>_<action>``, keyword-only, atomic)."""

from monolith.orders.services.cart import (
    cart_clear,
    cart_item_add,
    cart_item_remove,
    cart_item_set_quantity,
)
from monolith.orders.services.checkout import (
    RECONCILED,
    CheckoutResult,
    order_checkout,
    order_place,
    order_reconcile_payment,
)
from monolith.orders.services.lifecycle import (
    LostStock,
    order_abandon,
    order_cancel,
    order_compensate_stock_lost,
    order_expire,
    order_expire_stale,
    order_mark_fulfilled,
    order_mark_paid,
)
from monolith.orders.services.refunds import (
    order_refund,
    refund_ask_again,
    refund_owe,
    refund_settle,
    refunds_settle_owed,
)

__all__ = [
    "RECONCILED",
    "CheckoutResult",
    "LostStock",
    "cart_clear",
    "cart_item_add",
    "cart_item_remove",
    "cart_item_set_quantity",
    "order_abandon",
    "order_cancel",
    "order_checkout",
    "order_compensate_stock_lost",
    "order_expire",
    "order_expire_stale",
    "order_mark_fulfilled",
    "order_mark_paid",
    "order_place",
    "order_reconcile_payment",
    "order_refund",
    "refund_ask_again",
    "refund_owe",
    "refund_settle",
    "refunds_settle_owed",
]
