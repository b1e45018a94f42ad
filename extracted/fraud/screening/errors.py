"""The fraud service's domain errors."""

from strangler.errors import DomainError, Unprocessable


class IdempotencyKeyRequired(DomainError):
    """An assessment is asked for without the attempt's reference in ``Idempotency-Key``."""

    code = "idempotency_key_required"
    http_status = 400
    writes_nothing = True


class AttemptKeyReused(Unprocessable):
    """The attempt's key already names an assessment of another attempt (other customer,
    order, amount, currency or declines). Code and message are the idempotency decorator's
    for the same mistake, so a client sees one answer whichever of the two caught it.

    details: ``idempotency_key``.
    """
