"""Checkout: a small saga in three transactions, so a declined payment still leaves a record.

T1 places the pending order and reserves its stock (all or nothing). T2 charges the card
through the payments port, outside any transaction of ours. T3 marks the order paid. If the
charge fails unexpectedly, the order is compensated: reservation released, order cancelled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monolith.catalog import interface as catalog
from monolith.customers import interface as customers
from monolith.orders.errors import CartEmpty, ProductUnavailable
from monolith.orders.models import CartItem, Order, OrderLine
from monolith.orders.ports import ChargeResult, Contact, StockLine
from monolith.orders.services.lifecycle import Placed, order_abandon, order_mark_paid
from monolith.orders.services.refunds import (
    refund_owe,
    refund_owe_after_commit,
    refund_settle_soon,
)
from monolith.orders.wiring import EVENTS, INVENTORY, PAYMENTS
from strangler.composition import root

logger = logging.getLogger(__name__)

DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    lines: list[OrderLine]
    payment: ChargeResult

    @property
    def approved(self) -> bool:
        return self.payment.approved


def _shipping_address(
    *, customer_id: int, address_id: int | None
) -> tuple[customers.Address, Contact | None]:
    """The address to ship to; with the default one, the customer's contact (read with it)."""
    if address_id is not None:
        return customers.get_address(customer_id=customer_id, address_id=address_id), None
    recipient = customers.get_recipient(customer_id)
    if recipient.default_address is None:
        raise customers.AddressNotFound(
            "You have no default address; pass shipping_address_id.", address_id=None
        )
    contact = Contact(email=recipient.email, full_name=recipient.full_name)
    return recipient.default_address, contact


@transaction.atomic
def order_place(*, customer_id: int, shipping_address_id: int | None = None) -> Placed:
    """T1: price the cart, snapshot the address, create the pending order, reserve stock."""
    # One statement reads the items and locks their cart (a concurrent checkout or cart change
    # of the same customer waits here).
    items = list(
        CartItem.objects.select_related("cart")
        .select_for_update(of=("cart",))
        .filter(cart__customer_id=customer_id)
    )
    if not items:
        raise CartEmpty("The cart is empty.")
    products = catalog.get_products([item.sku for item in items])
    gone = sorted(i.sku for i in items if i.sku not in products or not products[i.sku].is_active)
    if gone:
        raise ProductUnavailable("Some products are no longer for sale.", skus=gone)
    address, contact = _shipping_address(customer_id=customer_id, address_id=shipping_address_id)

    lines = [
        OrderLine(
            sku=item.sku,
            name=products[item.sku].name,
            unit_price=products[item.sku].price,
            quantity=item.quantity,
            line_total=OrderLine.total_for(products[item.sku].price, item.quantity),
        )
        for item in items
    ]
    # The payment window is the order's: it goes in with the row, and the stock is held as
    # long (inventory may hold for less: then the order keeps inventory's expiry).
    pay_by = timezone.now() + settings.ORDERS_PAYMENT_WINDOW
    order = Order.objects.create(
        customer_id=customer_id,
        reservation_expires_at=pay_by,
        total=sum((line.line_total for line in lines), Decimal("0.00")),
        currency=products[items[0].sku].currency or DEFAULT_CURRENCY,
        shipping_name=address.full_name,
        shipping_line1=address.line1,
        shipping_line2=address.line2,
        shipping_city=address.city,
        shipping_postal_code=address.postal_code,
        shipping_country=address.country,
    )
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    held_until = root.get(INVENTORY).reserve(
        order_id=order.pk,
        lines=[StockLine(sku=li.sku, quantity=li.quantity) for li in lines],
        hold_until=pay_by,
    )
    if held_until != pay_by:
        order.reservation_expires_at = held_until
        order.save(update_fields=["reservation_expires_at"])
    root.get(EVENTS).order_created(order, lines, contact)
    return Placed(order=order, lines=lines, contact=contact)


def order_checkout(
    *, customer_id: int, card_token: str, shipping_address_id: int | None = None
) -> CheckoutResult:
    """Place, charge and (when approved) pay an order for the customer's cart.

    A declined payment is a normal outcome (``result.approved`` is False): the order stays
    pending with its stock reserved and the cart is kept, so the customer can pay it later.
    """
    placed = order_place(customer_id=customer_id, shipping_address_id=shipping_address_id)
    order = placed.order
    try:
        payment = root.get(PAYMENTS).charge(
            order_id=order.pk,
            customer_id=customer_id,
            amount=order.total,
            currency=order.currency,
            card_token=card_token,
        )
    except Exception:
        logger.exception("Charging order %s failed; compensating.", order.pk)
        # A raise means the outcome is unknown (the port's contract): over HTTP a charge whose
        # answer was lost may have gone through. The refund refunds nothing where nothing was
        # charged, so it is asked for whatever the error.
        _compensate(order_id=order.pk, refund=True)
        raise
    if payment.approved:
        try:
            placed = order_mark_paid(
                order_id=order.pk, payment_id=payment.payment_id, placed=placed
            )
        except Exception:
            logger.exception("Order %s was charged but not marked paid; compensating.", order.pk)
            _compensate(order_id=order.pk, refund=True)
            raise
    logger.info(
        "checkout: order %s %s, total %s",
        order.pk,
        "paid" if payment.approved else "declined",
        order.total,
    )
    return CheckoutResult(order=placed.order, lines=placed.lines, payment=payment)


def _compensate(*, order_id: int, refund: bool) -> None:
    """Undo a checkout that cannot finish: give the money back, release stock, cancel.

    Best effort: a failure here is logged, and the original error is what the caller sees. The
    refund is recorded as owed before payments is asked, and the order is cancelled even when
    payments did not answer: its stock goes back, and a worker asks again
    (``orders.refund_payment``, then the ``orders.settle_owed_refunds`` sweep) until it does.
    """
    reason = "The payment could not be processed."
    if refund:
        try:
            refund_owe(order_id=order_id, reason=reason)
        except Exception:
            logger.exception(
                "Recording the refund of order %s failed: refund it by hand.", order_id
            )
        else:
            refund_settle_soon(order_id=order_id, reason=reason)
    try:
        order_abandon(order_id=order_id, reason=reason)
    except Exception:
        logger.exception("Compensating order %s failed.", order_id)


RECONCILED = "The order was cancelled before its payment was approved."


def order_reconcile_payment(*, order_id: int) -> bool:
    """An approved payment (``payment.approved`` from the payments service) of an order that
    was cancelled meanwhile (a charge that reached payments after the checkout gave up on it):
    its money goes back. Whether a refund was asked for; a refund is idempotent, so a repeated
    event, or one of an order the compensation refunded already, refunds nothing twice."""
    order = Order.objects.filter(pk=order_id).only("status").first()
    if order is None or order.status != Order.Status.CANCELLED:
        return False
    logger.warning("Order %s is cancelled but its payment was approved; refunding it.", order_id)
    # with the event's inbox record: payments down does not send the event back to its queue
    refund_owe_after_commit(order_id=order_id, reason=RECONCILED)
    return True
