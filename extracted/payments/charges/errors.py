"""The business refusals of the payments service (rendered by the kit's DRF handler): the
monolith's codes, so clients see the same bodies."""

from __future__ import annotations

from strangler.errors import Conflict, DomainError, NotFound, Unprocessable


class PaymentDeclined(DomainError):
    """The attempt was recorded and declined (fraud rules or the bank).

    Details: ``payment_id``, ``order_id``, ``reasons``. Raised by views after the service has
    committed the declined attempt, never inside the transaction that wrote it.
    """

    code = "payment_declined"
    http_status = 402


class PaymentNotFound(NotFound):
    code = "payment_not_found"


class InvalidCardToken(Unprocessable):
    """The card processor does not know the token: a well-formed request no schema can refuse
    (the tokens are the processor's), so a 422; nothing is recorded."""

    code = "unknown_card_token"
    writes_nothing = True


class InvalidAmount(Unprocessable):
    code = "invalid_amount"


class OrderNotFound(NotFound):
    """The port's refusal: the order does not exist or belongs to another customer."""

    code = "order_not_found"


class OrderNotPayable(Conflict):
    """The order is not pending (already paid, cancelled or expired)."""

    code = "order_not_payable"


class UnknownCardToken(NotFound):
    """The internal card-token read of a token the card processor does not know (404): the
    same code as :class:`InvalidCardToken`, which refuses it in a charge (422)."""

    code = "unknown_card_token"
