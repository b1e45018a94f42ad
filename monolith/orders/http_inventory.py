"""The inventory port over HTTP, for the stages where inventory is a service of its own.

``available`` and ``reserve`` cross the network (``INVENTORY_SERVICE_URL``, every call bounded
by ``INVENTORY_TIMEOUT`` seconds); a service that is down or slow raises
:class:`strangler.errors.ServiceUnavailable` (503), and the checkout's first transaction rolls
back, so no order is left half made. After ``INVENTORY_BREAKER_FAILURES`` failed calls in a
row the circuit breaker (shared by the monolith's processes through Redis) refuses calls at
once for ``INVENTORY_BREAKER_RESET_SECONDS``, then lets one trial call through. ``reserve`` is
a PUT keyed by the order id: the service answers the same reservation to a repeat, so the
client retries it safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from monolith.orders.ports import OutOfStock, StockLine
from strangler.errors import Conflict
from strangler.http import ErrorAnswer, client_for, json_body

SERVICE = "inventory"


class InventoryRefused(Conflict):
    """The inventory service refused a request for a reason the checkout cannot repair.

    details: ``status`` and ``code`` of the service's answer.
    """

    code = "inventory_refused"
    writes_nothing = True


class HttpInventory:
    """``commit``, ``release`` and ``restock`` do nothing here: the ``order.paid`` and
    ``order.cancelled`` events that the same transaction writes to the orders outbox carry them
    to the service, which commits, releases or restocks the order's reservation when it
    consumes them (and publishes ``stock.commit_failed`` when a paid order's units are gone).
    """

    def __init__(self, base_url: str | None = None, timeout: float | None = None) -> None:
        self.client = client_for(SERVICE, base_url, timeout)

    def available(self, sku: str) -> int:
        response = self.client.get(f"/api/v1/inventory/{quote(sku, safe='')}")
        if response.status_code == 404:
            return 0
        body = self._ok(response.status_code, json_body(response))
        return int(body["available"])

    def reserve(
        self, *, order_id: int, lines: Sequence[StockLine], hold_until: datetime
    ) -> datetime:
        """The service holds stock for its own period (``hold_until`` is not part of its
        contract): the expiry it answers is the one the order keeps."""
        response = self.client.put(
            f"/internal/v1/reservations/{order_id}",
            json={"lines": [{"sku": line.sku, "quantity": line.quantity} for line in lines]},
        )
        body = json_body(response)
        error = ErrorAnswer.of(response.status_code, body)
        if error.is_(409, "out_of_stock"):
            details = error.details
            raise OutOfStock(
                error.message or f"{details.get('sku')} is out of stock.",
                sku=details.get("sku"),
                requested=details.get("requested"),
                available=details.get("available"),
            )
        reservation = self._ok(response.status_code, body)
        return datetime.fromisoformat(reservation["expires_at"])

    def commit(self, *, order_id: int) -> None:
        """Carried by ``order.paid`` (the orders outbox, same transaction)."""

    def release(self, *, order_id: int) -> None:
        """Carried by ``order.cancelled`` with ``was_paid`` false."""

    def restock(self, *, order_id: int) -> None:
        """Carried by ``order.cancelled`` with ``was_paid`` true."""

    @staticmethod
    def _ok(status: int, body: Any) -> dict[str, Any]:
        if status in (200, 201) and isinstance(body, dict):
            return body
        raise ErrorAnswer.of(status, body).refused(
            InventoryRefused, "The inventory service refused the request"
        )
