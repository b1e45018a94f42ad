"""The inventory's domain errors (re-exported by :mod:`monolith.inventory.interface`)."""

from strangler.errors import Conflict, NotFound, Unprocessable


class SkuNotFound(NotFound):
    code = "sku_not_found"


class OutOfStock(Conflict):
    """details: ``sku``, ``requested``, ``available``."""

    code = "out_of_stock"


class InvalidReservation(Unprocessable):
    """No lines, or a line whose quantity is not a positive integer."""

    code = "invalid_reservation"


class ReservationExists(Conflict):
    """The order already holds (or held) a different reservation."""

    code = "reservation_exists"


class ReservationNotFound(NotFound):
    code = "reservation_not_found"


class ReservationNotActive(Conflict):
    """Committing a reservation that was already released (cancelled or expired)."""

    code = "reservation_not_active"


class InvalidStockLevel(Unprocessable):
    """``on_hand`` below zero or below the units currently reserved."""

    code = "invalid_stock_level"
