"""What happens to an order after it is placed: paid, fulfilled, cancelled, expired."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from monolith.orders.errors import OrderNotFound, OrderNotPayable
from monolith.orders.models import Order, OrderLine, OrderStatus
from monolith.orders.ports import Contact, ReservationLost
from monolith.orders.services.cart import cart_remove_ordered
from monolith.orders.services.refunds import refund_owe_after_commit
from monolith.orders.states import (
    apply_transition,
    ensure_transition,
    sources,
    transition_values,
)
from monolith.orders.wiring import EVENTS, INVENTORY, PAYMENTS
from strangler.composition import root

logger = logging.getLogger(__name__)

EXPIRED_REASON = "The payment was not received before the stock reservation expired."


def _order_locked(
    *, order_id: int, customer_id: int | None = None, with_lines: bool = False
) -> Order:
    """The order, locked; ``with_lines`` also reads its lines once for every later use."""
    orders = Order.objects.select_for_update()
    if with_lines:
        orders = orders.prefetch_related("lines")
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    order = orders.filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound(f"Order {order_id} was not found.", order_id=order_id)
    return order


@dataclass(frozen=True)
class Placed:
    """An order as the checkout that placed it holds it: the lines it wrote and, when it read
    them, the customer's contact; the steps after it need not read either again."""

    order: Order
    lines: list[OrderLine]
    contact: Contact | None


def _paid_if_pending(placed: Placed, payment_id: int) -> bool:
    """One conditional UPDATE marks the placed order paid if it may still become paid (it
    takes the row lock a read would); False, with the order untouched, when it no longer may."""
    order, now = placed.order, timezone.now()
    changed = Order.objects.filter(pk=order.pk, status__in=sources(OrderStatus.PAID)).update(
        **transition_values(OrderStatus.PAID, at=now), payment_id=payment_id
    )
    if changed:  # the row now holds what the transition in memory gives the instance
        apply_transition(order, OrderStatus.PAID, at=now)
        order.payment_id = payment_id
    return bool(changed)


@transaction.atomic
def order_mark_paid(*, order_id: int, payment_id: int, placed: Placed | None = None) -> Placed:
    """pending -> paid: commit the reserved stock, empty the cart, e-mail the customer.

    Idempotent for the same payment (a repeated confirmation changes nothing). The order comes
    back with its lines. ``placed`` is the order as the checkout that placed it holds it: it is
    marked paid by one conditional UPDATE instead of being read and locked again (any other
    case takes the general way).
    """
    if placed is None or not _paid_if_pending(placed, payment_id):
        order = _order_locked(order_id=order_id, with_lines=True)
        placed = Placed(order=order, lines=list(order.lines.all()), contact=None)
        if order.status == OrderStatus.PAID and order.payment_id == payment_id:
            return placed
        if order.status != OrderStatus.PENDING:
            raise OrderNotPayable(
                f"Order {order_id} is {order.status}; it cannot be paid.",
                order_id=order_id,
                status=order.status,
            )
        fields = apply_transition(order, OrderStatus.PAID, at=timezone.now())
        order.payment_id = payment_id
        order.save(update_fields=[*fields, "payment_id"])
    order = placed.order
    try:
        root.get(INVENTORY).commit(order_id=order.pk)
    except ReservationLost as exc:
        raise OrderNotPayable(
            f"The stock reservation of order {order_id} is no longer held.",
            order_id=order_id,
            status=OrderStatus.PENDING,
        ) from exc
    cart_remove_ordered(customer_id=order.customer_id, skus=[line.sku for line in placed.lines])
    root.get(EVENTS).order_paid(order, placed.lines, placed.contact)
    return placed


@transaction.atomic
def order_cancel(*, order_id: int, customer_id: int | None = None, reason: str = "") -> Order:
    """pending -> cancelled (release the reservation) or paid -> cancelled (refund, restock).

    ``customer_id`` scopes the lookup to the customer's own orders (None: staff).
    """
    order = _order_locked(order_id=order_id, customer_id=customer_id)
    ensure_transition(order, OrderStatus.CANCELLED)
    reason = reason or "Cancelled at the customer's request."
    was_paid = order.status != OrderStatus.PENDING
    if not was_paid:
        root.get(INVENTORY).release(order_id=order.pk)
    else:
        root.get(PAYMENTS).refund(order_id=order.pk, reason=reason)
        root.get(INVENTORY).restock(order_id=order.pk)
    fields = apply_transition(order, OrderStatus.CANCELLED, at=timezone.now())
    order.cancel_reason = reason
    order.save(update_fields=[*fields, "cancel_reason"])
    root.get(EVENTS).order_cancelled(order, reason=reason, cause="requested", was_paid=was_paid)
    return order


@transaction.atomic
def order_abandon(*, order_id: int, reason: str) -> Order:
    """Compensation when checkout could not finish: release the stock, cancel silently."""
    order = _order_locked(order_id=order_id)
    if order.status != OrderStatus.PENDING:
        return order
    root.get(INVENTORY).release(order_id=order.pk)
    fields = apply_transition(order, OrderStatus.CANCELLED, at=timezone.now())
    order.cancel_reason = reason
    order.save(update_fields=[*fields, "cancel_reason"])
    root.get(EVENTS).order_cancelled(order, reason=reason, cause="checkout_failed", was_paid=False)
    return order


@dataclass(frozen=True)
class LostStock:
    """A line of a paid order that inventory could no longer supply."""

    sku: str
    quantity: int
    available: int = 0


def stock_lost_reason(names: Sequence[str]) -> str:
    """What the customer reads: which products ran out, and that the money comes back."""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    verb = "was" if len(names) == 1 else "were"
    return (
        f"Sorry: {listed} {verb} no longer in stock when your order was prepared, so the order "
        "was cancelled and your payment refunded."
    )


@transaction.atomic
def order_compensate_stock_lost(*, order_id: int, lines: Sequence[LostStock], reason: str) -> Order:
    """paid -> cancelled when inventory could not take a paid order's units off the shelf
    (its hold expired and the stock went to another order): refund, and tell the customer why.

    The units were never committed, so nothing goes back to inventory (``order.cancelled``
    with cause ``stock_unavailable`` lets it know). Idempotent: an order that is not paid
    (already compensated, cancelled, fulfilled, never paid) is returned unchanged.
    """
    order = _order_locked(order_id=order_id, with_lines=True)
    if order.status != OrderStatus.PAID:
        logger.info("Order %s is %s: no compensation for lost stock.", order_id, order.status)
        return order
    names = {line.sku: line.name for line in order.lines.all()}
    lost = sorted({line.sku for line in lines})
    message = stock_lost_reason([f"{names.get(sku) or sku} ({sku})" for sku in lost])[:255]
    logger.warning("Order %s lost its stock (%s): %s; compensating.", order_id, reason, lost)
    refund_owe_after_commit(order_id=order.pk, reason=message)  # with the cancellation
    fields = apply_transition(order, OrderStatus.CANCELLED, at=timezone.now())
    order.cancel_reason = message
    order.save(update_fields=[*fields, "cancel_reason"])
    root.get(EVENTS).order_cancelled(
        order, reason=message, cause="stock_unavailable", was_paid=True
    )
    return order


@transaction.atomic
def order_mark_fulfilled(*, order_id: int) -> Order:
    """paid -> fulfilled (staff, from the admin)."""
    order = _order_locked(order_id=order_id)
    fields = apply_transition(order, OrderStatus.FULFILLED, at=timezone.now())
    order.save(update_fields=fields)
    return order


@transaction.atomic
def order_expire(*, order_id: int, now: datetime | None = None) -> bool:
    """Cancel one pending order whose reservation has expired; False if it no longer applies."""
    now = now or timezone.now()
    order = _order_locked(order_id=order_id)
    expired = order.reservation_expires_at is not None and order.reservation_expires_at <= now
    if order.status != OrderStatus.PENDING or not expired:
        return False
    root.get(INVENTORY).release(order_id=order.pk)
    fields = apply_transition(order, OrderStatus.CANCELLED, at=now)
    order.cancel_reason = EXPIRED_REASON
    order.save(update_fields=[*fields, "cancel_reason"])
    root.get(EVENTS).order_cancelled(order, reason=EXPIRED_REASON, cause="expired", was_paid=False)
    return True


def order_expire_stale(*, now: datetime | None = None) -> int:
    """Cancel every pending order whose reservation has expired; return how many.

    Each order is expired in its own transaction, so one failure does not hold up the rest.
    """
    now = now or timezone.now()
    stale = Order.objects.filter(status=OrderStatus.PENDING, reservation_expires_at__lte=now)
    expired = 0
    for order_id in list(stale.values_list("pk", flat=True)):
        try:
            if order_expire(order_id=order_id, now=now):
                expired += 1
        except Exception:
            logger.exception("Expiring order %s failed.", order_id)
    return expired
