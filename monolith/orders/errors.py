"""The orders context's business refusals (rendered by ``strangler.errors``)."""

from __future__ import annotations

from strangler.errors import Conflict, DomainError, NotFound, Unprocessable


class OrderNotFound(NotFound):
    """Also raised for another customer's order: its existence is not disclosed."""

    code = "order_not_found"


class OrderNotPayable(Conflict):
    code = "order_not_payable"


class InvalidOrderTransition(Conflict):
    code = "invalid_order_transition"


class CartEmpty(Conflict):
    code = "cart_empty"


class CartItemNotFound(NotFound):
    code = "cart_item_not_found"


class CartQuantityInvalid(Conflict):
    """The quantity fits the schema, but with what the cart already holds it passes the limit:
    like out_of_stock, the cart's state says no (409)."""

    code = "cart_quantity_exceeded"


class UnknownCardToken(Unprocessable):
    """The payments context does not know the card token: well formed, yet refused (422)."""

    code = "unknown_card_token"
    writes_nothing = True


class ProductUnavailable(Conflict):
    """A product in the cart was withdrawn from the catalog since it was added."""

    code = "product_unavailable"


class PaymentDeclined(DomainError):
    """The checkout's charge was declined (fraud rules or the bank): the order stays pending
    until its reservation expires, and the customer may pay it again. Details: ``order_id``,
    ``payment_id``, ``reasons``. The orders context's own refusal, the same code and status as
    the payments API's, whoever runs the charge (in process or the payments service)."""

    code = "payment_declined"
    http_status = 402
