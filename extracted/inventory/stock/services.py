"""Writes of the inventory: stock levels and the reservation lifecycle (the monolith's rules).

Race safety does not rest on ``select_for_update`` alone: every change of a stock row is a
single conditional ``UPDATE ... WHERE <the units are there>``, so two transactions can never
both take the last unit whatever the isolation level. Rows are always touched in SKU order, and
a reservation's rows are locked before its hold and the stock rows it moves, so concurrent
calls cannot deadlock each other.

Every step that moves stock writes its stock.* event to the outbox inside its transaction; a
repeated call that changes nothing writes none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from extracted.inventory.stock.demo import demo_stock_level
from extracted.inventory.stock.errors import (
    InvalidReservation,
    InvalidStockLevel,
    OutOfStock,
    ReservationExists,
)
from extracted.inventory.stock.models import Hold, Reservation, StockItem
from extracted.inventory.stock.outbox import events
from extracted.inventory.stock.outbox.events import ReleaseCause

Status = Reservation.Status


class InventoryInconsistent(RuntimeError):
    """A stock row does not hold the units a reservation says it holds (a bug, never input)."""


class _Shortfall(Exception):
    """A line could not be taken: leaves the savepoint, undoing the lines taken before it."""


@dataclass(frozen=True)
class Reserved:
    expires_at: datetime
    created: bool  # False: the same call repeated (nothing changed)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _merge_lines(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Validate the lines and merge duplicate SKUs; the result is sorted by SKU."""
    merged: dict[str, int] = {}
    for sku, quantity in lines:
        if not _is_int(quantity) or quantity < 1:
            raise InvalidReservation(
                "Every line needs a quantity of at least 1.",
                sku=sku,
                quantity=quantity if _is_int(quantity) else str(quantity),
            )
        if not isinstance(sku, str) or not sku:
            raise InvalidReservation("Every line needs a SKU.", sku=str(sku))
        merged[sku] = merged.get(sku, 0) + quantity
    if not merged:
        raise InvalidReservation("A reservation needs at least one line.")
    return dict(sorted(merged.items()))


def _available(sku: str) -> int:
    """What is available of ``sku`` now; 0 without a stock row."""
    row = StockItem.objects.filter(sku=sku).values("on_hand", "reserved").first()
    return 0 if row is None else max(row["on_hand"] - row["reserved"], 0)


def _take(wanted: dict[str, int], *, hold: bool, now: datetime) -> str | None:
    """Take every line (into ``reserved`` when ``hold``, else straight out of ``on_hand``);
    all or none: the first SKU that lacks the units is returned and nothing has changed."""
    try:
        with transaction.atomic():
            for sku, quantity in wanted.items():
                rows = StockItem.objects.filter(sku=sku, on_hand__gte=F("reserved") + quantity)
                if hold:
                    taken = rows.update(reserved=F("reserved") + quantity, updated_at=now)
                else:
                    taken = rows.update(on_hand=F("on_hand") - quantity, updated_at=now)
                if not taken:
                    raise _Shortfall(sku)
    except _Shortfall as shortfall:
        return str(shortfall.args[0])
    return None


@transaction.atomic
def stock_reserve(*, order_id: int, lines: Iterable[tuple[str, int]]) -> Reserved:
    """Hold stock for every ``(sku, quantity)`` line of the order; all lines or none.

    Raises :class:`InvalidReservation` (no lines, a quantity below 1) or :class:`OutOfStock`
    (also for a SKU without a stock row: 0 available); then nothing has changed. Calling it
    again for the same order with the same lines returns the same expiry (a retry, ``created``
    False); with other lines, or once the reservation is no longer active, raises
    :class:`ReservationExists`.
    """
    wanted = _merge_lines(lines)
    now = timezone.now()
    existing = list(
        Reservation.objects.select_for_update().filter(order_id=order_id).order_by("sku")
    )
    if existing:
        held = {r.sku: r.quantity for r in existing}
        if held == wanted and all(r.status == Status.ACTIVE for r in existing):
            return Reserved(expires_at=existing[0].expires_at, created=False)
        raise ReservationExists(
            f"Order {order_id} already has a reservation.",
            order_id=order_id,
            status=existing[0].status,
        )

    expires_at = now + settings.INVENTORY_RESERVATION_TTL
    short = _take(wanted, hold=True, now=now)
    if short is not None:
        available = _available(short)
        raise OutOfStock(
            f"Only {available} unit(s) of {short} available, {wanted[short]} requested.",
            sku=short,
            requested=wanted[short],
            available=available,
        )
    try:
        rows = Reservation.objects.bulk_create(
            Reservation(order_id=order_id, sku=sku, quantity=quantity, expires_at=expires_at)
            for sku, quantity in wanted.items()
        )
        Hold.objects.create(order_id=order_id)
    except IntegrityError:
        # A concurrent call reserved for the same order first. Raising leaves this function's
        # atomic block, which undoes the stock taken above.
        raise ReservationExists(
            f"Order {order_id} already has a reservation.", order_id=order_id
        ) from None
    events.publish_stock_reserved(order_id=order_id, rows=rows, at=now)
    return Reserved(expires_at=expires_at, created=True)


def _move_stock(*, sku: str, on_hand: int, reserved: int, now: datetime) -> None:
    """Add ``on_hand`` and ``reserved`` (either may be negative) to the row, never below 0."""
    guard = {}
    if on_hand < 0:
        guard["on_hand__gte"] = -on_hand
    if reserved < 0:
        guard["reserved__gte"] = -reserved
    moved = StockItem.objects.filter(sku=sku, **guard).update(
        on_hand=F("on_hand") + on_hand, reserved=F("reserved") + reserved, updated_at=now
    )
    if moved != 1:
        raise InventoryInconsistent(f"Stock of {sku} cannot move by {on_hand}/{reserved}.")


def _set_status(rows: list[Reservation], status: str, now: datetime) -> None:
    Reservation.objects.filter(pk__in=[r.pk for r in rows]).update(status=status, updated_at=now)
    for r in rows:
        r.status = status


def _release(*, order_id: int, rows: list[Reservation], cause: ReleaseCause, now: datetime) -> None:
    for r in rows:
        _move_stock(sku=r.sku, on_hand=0, reserved=-r.quantity, now=now)
    _set_status(rows, Status.RELEASED, now)
    if rows:
        events.publish_stock_released(order_id=order_id, rows=rows, cause=cause, at=now)


@transaction.atomic
def hold_confirm(*, order_id: int) -> bool:
    """order.created: the order of this hold exists, the sweeper leaves it to its expiry.
    Idempotent; False when there is no unconfirmed hold of the order."""
    return bool(
        Hold.objects.filter(order_id=order_id, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        )
    )


@dataclass(frozen=True)
class Committed:
    status: str  # "committed", "unchanged" (a repeat) or "failed" (stock.commit_failed)


@transaction.atomic
def reservation_commit(*, order_id: int, lines: Iterable[tuple[str, int]]) -> Committed:
    """order.paid: the order's units leave ``on_hand``; a repeat changes nothing.

    A hold still active is committed even past its expiry (the units are still held). When the
    hold was released (expired, swept) or never reached this service, the units (the
    reservation's, else the order's ``lines``) are taken again if they are all available, and
    committed; when they are not, nothing moves and ``stock.commit_failed`` says why.
    """
    rows = list(Reservation.objects.select_for_update().filter(order_id=order_id).order_by("sku"))
    now = timezone.now()
    if Hold.objects.filter(order_id=order_id, cancelled_at__isnull=False).exists():
        return Committed("unchanged")  # the cancellation came first: this payment is stale
    Hold.objects.filter(order_id=order_id, confirmed_at__isnull=True).update(confirmed_at=now)
    if rows and not any(r.status == Status.RELEASED for r in rows):
        active = [r for r in rows if r.status == Status.ACTIVE]
        for r in active:
            _move_stock(sku=r.sku, on_hand=-r.quantity, reserved=-r.quantity, now=now)
        _set_status(active, Status.COMMITTED, now)
        if not active:
            return Committed("unchanged")
        events.publish_stock_committed(order_id=order_id, rows=active, at=now)
        return Committed("committed")

    wanted = {r.sku: r.quantity for r in rows} if rows else _merge_lines(lines)
    short = _take(wanted, hold=False, now=now)
    if short is not None:
        found = [(sku, quantity, _available(sku)) for sku, quantity in wanted.items()]
        missing = ", ".join(f"{sku} ({a} of {q} left)" for sku, q, a in found if a < q)
        events.publish_stock_commit_failed(
            order_id=order_id,
            lines=found,
            reason=f"The items ran out before the payment arrived: {missing}."[:255],
            at=now,
        )
        return Committed("failed")
    if rows:
        _set_status(rows, Status.COMMITTED, now)
    else:
        rows = Reservation.objects.bulk_create(
            Reservation(
                order_id=order_id, sku=sku, quantity=q, expires_at=now, status=Status.COMMITTED
            )
            for sku, q in wanted.items()
        )
    events.publish_stock_committed(order_id=order_id, rows=rows, at=now)
    return Committed("committed")


@transaction.atomic
def order_cancel(*, order_id: int, was_paid: bool) -> None:
    """order.cancelled: the held units go back (whether or not the payment was seen) and,
    when the order was paid, the committed ones return to ``on_hand``. Remembered, so that an
    order.paid arriving after it changes nothing. Idempotent; a no-op for a reservation never
    committed (released, or its commit failed)."""
    reservation_release(order_id=order_id)
    if was_paid:
        reservation_restock(order_id=order_id)
    now = timezone.now()
    Hold.objects.update_or_create(
        order_id=order_id,
        defaults={"cancelled_at": now},
        create_defaults={"cancelled_at": now, "confirmed_at": now},
    )


@transaction.atomic
def reservation_release(*, order_id: int) -> None:
    """Give the order's held units back (cancelled or expired before payment).

    Only active rows move: calling it twice, for a committed order or for an order without a
    reservation changes nothing. The cause announced is ``expired`` when the hold had already
    run out, else ``cancelled``.
    """
    rows = list(
        Reservation.objects.select_for_update()
        .filter(order_id=order_id, status=Status.ACTIVE)
        .order_by("sku")
    )
    now = timezone.now()
    cause: ReleaseCause = "expired" if all(r.expires_at <= now for r in rows) else "cancelled"
    _release(order_id=order_id, rows=rows, cause=cause, now=now)


@transaction.atomic
def reservation_restock(*, order_id: int) -> None:
    """A paid order was cancelled: its committed units return to ``on_hand``. Idempotent; a
    no-op for a reservation never committed (released, or its commit failed)."""
    rows = list(
        Reservation.objects.select_for_update()
        .filter(order_id=order_id, status=Status.COMMITTED)
        .order_by("sku")
    )
    now = timezone.now()
    for r in rows:
        _move_stock(sku=r.sku, on_hand=r.quantity, reserved=0, now=now)
    _set_status(rows, Status.RESTOCKED, now)
    if rows:
        events.publish_stock_restocked(order_id=order_id, rows=rows, at=now)


def reservation_release_expired(*, now: datetime | None = None) -> list[int]:
    """Release every active reservation whose expiry has passed; return those order ids.

    One transaction per order, so one slow order does not hold the others' locks. The
    expiry is checked again under the row lock: an order paid meanwhile is left alone.
    """
    now = now or timezone.now()
    order_ids = list(
        Reservation.objects.filter(status=Status.ACTIVE, expires_at__lte=now)
        .order_by("order_id")
        .values_list("order_id", flat=True)
        .distinct()
    )
    released: list[int] = []
    for order_id in order_ids:
        with transaction.atomic():
            rows = list(
                Reservation.objects.select_for_update()
                .filter(order_id=order_id, status=Status.ACTIVE, expires_at__lte=now)
                .order_by("sku")
            )
            if rows:
                _release(order_id=order_id, rows=rows, cause="expired", now=timezone.now())
                released.append(order_id)
    return released


def hold_release_unconfirmed(*, now: datetime | None = None) -> list[int]:
    """Release the holds this service made that no order.created confirmed within
    ``INVENTORY_UNCONFIRMED_HOLD_SECONDS`` (their checkout rolled back); return the order ids.
    One transaction per order; the hold is checked again under its lock."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.INVENTORY_UNCONFIRMED_HOLD_SECONDS)
    stale = Hold.objects.filter(
        confirmed_at__isnull=True,
        released_at__isnull=True,
        cancelled_at__isnull=True,
        created_at__lte=cutoff,
    )
    released: list[int] = []
    for order_id in stale.order_by("order_id").values_list("order_id", flat=True):
        with transaction.atomic():
            rows = list(
                Reservation.objects.select_for_update()
                .filter(order_id=order_id, status=Status.ACTIVE)
                .order_by("sku")
            )
            hold = stale.select_for_update().filter(order_id=order_id).first()
            if hold is None:
                continue  # confirmed meanwhile
            at = timezone.now()
            _release(order_id=order_id, rows=rows, cause="cancelled", now=at)
            hold.released_at = at
            hold.save(update_fields=["released_at"])
            if rows:
                released.append(order_id)
    return released


@transaction.atomic
def stock_set(*, sku: str, on_hand: int) -> StockItem:
    """Create the stock row of ``sku`` or set its ``on_hand`` (never below what is reserved)."""
    if not _is_int(on_hand) or on_hand < 0:
        raise InvalidStockLevel("on_hand must be an integer of at least 0.", sku=sku)
    item, created = StockItem.objects.select_for_update().get_or_create(
        sku=sku, defaults={"on_hand": on_hand}
    )
    if not created and item.on_hand != on_hand:
        if on_hand < item.reserved:
            raise InvalidStockLevel(
                f"{item.reserved} unit(s) of {sku} are reserved; on_hand cannot go below that.",
                sku=sku,
                on_hand=on_hand,
                reserved=item.reserved,
            )
        item.on_hand = on_hand
        item.save(update_fields=["on_hand", "updated_at"])
    return item


@transaction.atomic
def stock_seed_demo(*, skus: Iterable[str]) -> int:
    """Create the missing stock rows with their demo level; existing rows are left alone (a
    shelf the monolith handed over keeps its level). Returns how many rows were created."""
    wanted = sorted(set(skus))
    existing = set(StockItem.objects.filter(sku__in=wanted).values_list("sku", flat=True))
    missing = [StockItem(sku=s, on_hand=demo_stock_level(s)) for s in wanted if s not in existing]
    StockItem.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
