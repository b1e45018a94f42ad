"""Refunds the orders context owes: recorded first, then asked of payments until it answers.

Payments refunds an order at most once (asking twice refunds once), so asking again is always
safe; the record (``OwedRefund``) makes sure somebody does: the checkout's compensation at
once, ``orders.refund_payment`` while payments is down, and the ``orders.settle_owed_refunds``
sweep for a debt whose task was lost or ran out of retries.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from monolith.orders.models import OwedRefund
from monolith.orders.ports import RefundResult
from monolith.orders.wiring import PAYMENTS
from strangler.composition import root
from strangler.errors import DomainError, ServiceUnavailable

logger = logging.getLogger(__name__)

SWEEP_SIZE = 100


def order_refund(*, order_id: int, reason: str) -> RefundResult | None:
    """Ask payments for the order's refund: idempotent, it refunds nothing where nothing was
    charged (from stage 4 the service first waits for a charge of the order still running)."""
    return root.get(PAYMENTS).refund(order_id=order_id, reason=reason)


def refund_owe(*, order_id: int, reason: str) -> None:
    """Record that the order's money goes back: a new debt, or one owed again (a payment
    approved after an earlier refund of the order was settled or refused)."""
    OwedRefund.objects.update_or_create(
        order_id=order_id,
        defaults={
            "reason": reason,
            "owed_since": timezone.now(),
            "settled_at": None,
            "refused_at": None,
            "outcome": "",
        },
    )


def refund_owe_after_commit(*, order_id: int, reason: str) -> None:
    """Record the debt in the caller's transaction and ask payments once that commits: payments
    down neither undoes what the transaction did nor holds its locks (the worker, then the
    sweep, ask again)."""
    refund_owe(order_id=order_id, reason=reason)
    transaction.on_commit(lambda: refund_settle_soon(order_id=order_id, reason=reason))


def refund_settle(*, order_id: int, reason: str = "") -> bool:
    """Ask payments for the order's owed refund and record the answer. True when it was
    settled now; False when nothing is owed (settled, or refused: :func:`refund_ask_again`).

    With ``reason``, an order with no record yet is recorded as owing it first (a task queued
    before the record existed). A failure is recorded on the debt and raised: payments not
    answering (:class:`ServiceUnavailable`: ask again later), payments refusing (a
    :class:`DomainError`: nobody asks again until a person says so), anything else (asked again
    by the sweep).
    """
    owed = OwedRefund.objects.filter(order_id=order_id).first()
    if owed is None and reason:
        owed, _ = OwedRefund.objects.get_or_create(order_id=order_id, defaults={"reason": reason})
    if owed is None or owed.settled_at is not None or owed.refused_at is not None:
        return False
    this_debt = OwedRefund.objects.filter(pk=owed.pk, owed_since=owed.owed_since)
    try:
        result = order_refund(order_id=order_id, reason=owed.reason)
    except ServiceUnavailable as exc:
        this_debt.update(attempts=F("attempts") + 1, last_error=str(exc)[:500])
        raise
    except DomainError as exc:
        this_debt.update(
            attempts=F("attempts") + 1, last_error=str(exc)[:500], refused_at=timezone.now()
        )
        logger.error("Payments refused the refund of order %s: %s", order_id, exc)
        raise
    except Exception as exc:
        this_debt.update(attempts=F("attempts") + 1, last_error=repr(exc)[:500])
        raise
    outcome = (
        f"refunded {result.amount} {result.currency} of payment {result.payment_id}"
        if result
        else "nothing was charged"
    )
    settled = this_debt.filter(settled_at__isnull=True).update(
        attempts=F("attempts") + 1, last_error="", settled_at=timezone.now(), outcome=outcome
    )
    return settled == 1


def refund_settle_soon(*, order_id: int, reason: str) -> None:
    """Ask payments now for a refund just recorded as owed (after the commit that recorded it);
    when payments does not answer, ``orders.refund_payment`` asks again, then the sweep. Never
    raises: the debt is recorded, and what went wrong is logged."""
    try:
        refund_settle(order_id=order_id)
    except ServiceUnavailable:
        logger.warning(
            "Payments did not answer the refund of order %s; a worker asks again.", order_id
        )
        _settle_later(order_id=order_id, reason=reason)
    except Exception:
        logger.exception(
            "Refunding order %s failed; it is recorded as owed (admin: owed refunds).", order_id
        )


def _settle_later(*, order_id: int, reason: str) -> None:
    # imported here: the tasks module imports these services
    from monolith.orders.tasks import refund_payment

    try:
        refund_payment.delay(order_id, reason)
    except Exception:
        logger.exception(
            "Queueing the refund of order %s failed; it stays owed for the sweep.", order_id
        )


def refund_ask_again(*, order_id: int) -> bool:
    """A person's decision: ask payments again for a refund it refused (or that is owed)."""
    OwedRefund.objects.filter(order_id=order_id, settled_at__isnull=True).update(refused_at=None)
    return refund_settle(order_id=order_id)


def refunds_settle_owed(*, limit: int = SWEEP_SIZE) -> int:
    """The sweep: ask payments for each refund still owed, oldest debt first, and stop at the
    first it does not answer (it is down: the next sweep asks again). How many were settled."""
    owed = OwedRefund.objects.filter(settled_at__isnull=True, refused_at__isnull=True)
    settled = 0
    for order_id in owed.values_list("order_id", flat=True)[:limit]:
        try:
            settled += refund_settle(order_id=order_id)
        except ServiceUnavailable:
            logger.warning("Payments did not answer; the owed refunds wait for the next sweep.")
            break
        except Exception:
            logger.exception("Refunding order %s failed; it stays owed.", order_id)
    return settled
