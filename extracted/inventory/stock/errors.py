"""The inventory's domain errors: the monolith's codes, so clients see the same bodies."""

from strangler.errors import Conflict, NotFound, Unprocessable


class SkuNotFound(NotFound):
    code = "sku_not_found"


class OutOfStock(Conflict):
    """details: ``sku``, ``requested``, ``available`` (0 for a SKU without a stock row)."""

    code = "out_of_stock"


class InvalidReservation(Unprocessable):
    """No lines, or a line whose quantity is not a positive integer."""

    code = "invalid_reservation"


class ReservationExists(Conflict):
    """The order already holds (or held) a different reservation."""

    code = "reservation_exists"


class ReservationNotFound(NotFound):
    code = "reservation_not_found"


class InvalidStockLevel(Unprocessable):
    """``on_hand`` below zero or below the units currently reserved."""

    code = "invalid_stock_level"
