"""Writes of the inventory: stock levels and the reservation lifecycle.

Race safety does not rest on ``select_for_update`` alone: every change of a stock row is a
single conditional ``UPDATE ... WHERE <the units are there>``, so two transactions can never
both take the last unit whatever the isolation level. Rows are always touched in SKU order, and
a reservation's rows are locked before the stock rows it moves, so concurrent calls cannot
deadlock each other.

Every step of a reservation that moves stock tells the events port inside its transaction
(from stage 2 the inventory outbox: ``stock.reserved``, ``stock.committed``,
``stock.released``, ``stock.restocked``); a repeated call that changes nothing tells nobody.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from monolith.inventory import returning
from monolith.inventory.errors import (
    InvalidReservation,
    InvalidStockLevel,
    OutOfStock,
    ReservationExists,
    ReservationNotActive,
    ReservationNotFound,
    SkuNotFound,
)
from monolith.inventory.models import Reservation, StockItem
from monolith.inventory.ports import ReleaseCause
from monolith.inventory.wiring import EVENTS
from strangler.composition import root

Status = Reservation.Status

DEMO_STOCK_MIN = 5
DEMO_STOCK_MAX = 120


class InventoryInconsistent(RuntimeError):
    """A stock row does not hold the units a reservation says it holds (a bug, never input)."""


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


def _unavailable(*, sku: str, requested: int) -> SkuNotFound | OutOfStock:
    row = StockItem.objects.filter(sku=sku).values("on_hand", "reserved").first()
    if row is None:
        return SkuNotFound(f"No stock record for SKU {sku!r}.", sku=sku)
    available = max(row["on_hand"] - row["reserved"], 0)
    return OutOfStock(
        f"Only {available} unit(s) of {sku} available, {requested} requested.",
        sku=sku,
        requested=requested,
        available=available,
    )


def stock_reserve(
    *, order_id: int, lines: Iterable[tuple[str, int]], hold_until: datetime | None = None
) -> datetime:
    """Hold stock for every ``(sku, quantity)`` line of the order; all lines or none, until
    ``hold_until`` or for ``INVENTORY_RESERVATION_TTL``, whichever ends first.

    Returns when the reservation expires. Raises :class:`InvalidReservation` (no lines, a
    quantity below 1), :class:`SkuNotFound` or :class:`OutOfStock`; then nothing has changed.
    Calling it again for the same order with the same lines returns the same expiry (a retry);
    with other lines, or once the reservation is no longer active, raises
    :class:`ReservationExists`.
    """
    reserved = _reserve_rows(order_id=order_id, wanted=_merge_lines(lines), hold_until=hold_until)
    if not isinstance(reserved, datetime):
        raise reserved
    return reserved


# Inside a caller's transaction (orders placing an order) this block takes no savepoint: a
# refusal is returned, not raised, once what this call wrote is undone by hand, so there is
# never anything of ours left to roll back. Only an unexpected error leaves it, and dooms the
# caller's transaction with it.
@transaction.atomic(savepoint=False)
def _reserve_rows(
    *, order_id: int, wanted: dict[str, int], hold_until: datetime | None
) -> datetime | ReservationExists | SkuNotFound | OutOfStock:
    now = timezone.now()
    expires_at = now + settings.INVENTORY_RESERVATION_TTL
    if hold_until is not None:
        expires_at = min(expires_at, hold_until)
    # A new order's rows go in at once; an order that reserved before keeps what it has.
    rows = returning.insert_new(order_id=order_id, lines=wanted, expires_at=expires_at, now=now)
    if len(rows) != len(wanted):
        _delete(rows)
        return _reserved_before(order_id=order_id, wanted=wanted)
    taken: list[tuple[str, int]] = []
    for sku, quantity in wanted.items():
        took = StockItem.objects.filter(sku=sku, on_hand__gte=F("reserved") + quantity).update(
            reserved=F("reserved") + quantity, updated_at=now
        )
        if not took:
            for held_sku, held_quantity in taken:  # still locked by us: nobody saw them
                _move_stock(sku=held_sku, on_hand=0, reserved=-held_quantity, now=now)
            _delete(rows)
            return _unavailable(sku=sku, requested=quantity)
        taken.append((sku, quantity))
    root.get(EVENTS).stock_reserved(order_id=order_id, rows=rows, at=now)
    return expires_at


def _delete(rows: list[Reservation]) -> None:
    if rows:
        Reservation.objects.filter(pk__in=[r.pk for r in rows]).delete()


def _reserved_before(*, order_id: int, wanted: dict[str, int]) -> datetime | ReservationExists:
    """A retry with the same lines while they are held gets the same expiry; anything else is
    refused."""
    existing = list(
        Reservation.objects.select_for_update().filter(order_id=order_id).order_by("sku")
    )
    held = {r.sku: r.quantity for r in existing}
    if held == wanted and all(r.status == Status.ACTIVE for r in existing):
        return existing[0].expires_at
    return ReservationExists(
        f"Order {order_id} already has a reservation.",
        order_id=order_id,
        status=existing[0].status if existing else "",
    )


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


def reservation_commit(*, order_id: int) -> None:
    """The order was paid: its reserved units leave ``on_hand``. A second call changes nothing.

    A reservation that has not been swept yet is committed even past its expiry (the units are
    still held). Raises :class:`ReservationNotFound` when the order never reserved anything and
    :class:`ReservationNotActive` when its reservation was already released.
    """
    refusal = _commit_rows(order_id=order_id)
    if refusal is not None:
        raise refusal


# Inside a caller's transaction (orders marking a paid order) this block takes no savepoint:
# every refusal is decided before the first write and returned, not raised, so there is never
# anything of ours to undo. Only an unexpected error leaves it, and dooms the caller's
# transaction with it.
@transaction.atomic(savepoint=False)
def _commit_rows(*, order_id: int) -> ReservationNotFound | ReservationNotActive | None:
    now = timezone.now()
    rows = returning.move(order_id=order_id, source=Status.ACTIVE, target=Status.COMMITTED, now=now)
    if not rows:  # nothing held: why not is read only now
        held = Reservation.objects.filter(order_id=order_id)
        statuses = set(held.values_list("status", flat=True))
        if not statuses:
            return ReservationNotFound(f"Order {order_id} has no reservation.", order_id=order_id)
        if Status.RELEASED in statuses:
            return ReservationNotActive(
                f"The reservation of order {order_id} was released.", order_id=order_id
            )
        return None  # committed before
    for r in rows:
        _move_stock(sku=r.sku, on_hand=-r.quantity, reserved=-r.quantity, now=now)
    root.get(EVENTS).stock_committed(order_id=order_id, rows=rows, at=now)
    return None


def _release(*, order_id: int, rows: list[Reservation], cause: ReleaseCause, now: datetime) -> None:
    """Give back the units of ``rows``, already moved to released."""
    for r in rows:
        _move_stock(sku=r.sku, on_hand=0, reserved=-r.quantity, now=now)
    if rows:
        root.get(EVENTS).stock_released(order_id=order_id, rows=rows, cause=cause, at=now)


@transaction.atomic
def reservation_release(*, order_id: int) -> None:
    """Give the order's held units back (cancelled or expired before payment).

    Only active rows move: calling it twice, for a committed order or for an order without a
    reservation changes nothing. The cause announced is ``expired`` when the hold had already
    run out (the order expired), else ``cancelled``.
    """
    now = timezone.now()
    rows = returning.move(order_id=order_id, source=Status.ACTIVE, target=Status.RELEASED, now=now)
    cause: ReleaseCause = "expired" if all(r.expires_at <= now for r in rows) else "cancelled"
    _release(order_id=order_id, rows=rows, cause=cause, now=now)


@transaction.atomic
def reservation_restock(*, order_id: int) -> None:
    """A paid order was cancelled: its committed units return to ``on_hand``. Idempotent."""
    now = timezone.now()
    rows = returning.move(
        order_id=order_id, source=Status.COMMITTED, target=Status.RESTOCKED, now=now
    )
    for r in rows:
        _move_stock(sku=r.sku, on_hand=r.quantity, reserved=0, now=now)
    if rows:
        root.get(EVENTS).stock_restocked(order_id=order_id, rows=rows, at=now)


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
            moved_at = timezone.now()
            rows = returning.move(
                order_id=order_id,
                source=Status.ACTIVE,
                target=Status.RELEASED,
                now=moved_at,
                expired_by=now,
            )
            if rows:
                _release(order_id=order_id, rows=rows, cause="expired", now=moved_at)
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


def demo_stock_level(sku: str) -> int:
    """A deterministic stock level between 5 and 120 derived from the SKU."""
    digest = int.from_bytes(hashlib.sha256(sku.encode()).digest()[:8], "big")
    return DEMO_STOCK_MIN + digest % (DEMO_STOCK_MAX - DEMO_STOCK_MIN + 1)


@transaction.atomic
def stock_seed_demo(*, skus: Iterable[str]) -> int:
    """Create the missing stock rows with their demo level; existing rows are left alone.

    Returns how many rows were created (a second call creates none).
    """
    wanted = sorted(set(skus))
    existing = set(StockItem.objects.filter(sku__in=wanted).values_list("sku", flat=True))
    missing = [StockItem(sku=s, on_hand=demo_stock_level(s)) for s in wanted if s not in existing]
    StockItem.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
