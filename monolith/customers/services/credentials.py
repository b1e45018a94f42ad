"""A credential left behind by a registration that was rolled back.

The credentials port keeps the credential outside the customer's transaction from stage 5 (the
identity service). When the registration fails after asking (identity's answer lost, a commit
that failed), identity may have kept a credential the monolith has no customer for: its e-mail
would stay taken, and its owner could sign in as nobody. The registration asks identity to
discard it at once; while identity does not answer, ``customers.discard_credential`` asks again.
"""

from __future__ import annotations

import logging

from monolith.customers.models import Customer
from monolith.customers.ports import NewAccount
from monolith.customers.wiring import CREDENTIALS
from strangler.composition import root
from strangler.errors import ServiceUnavailable

logger = logging.getLogger(__name__)


def credential_discard(*, customer_id: int, email: str) -> bool:
    """Ask the credentials port to remove the credential of a registration that was rolled
    back; whether one was removed. Nothing is asked when a customer of this id and e-mail
    exists by now (SQLite gives a rolled-back id out again: the same person registering again
    owns that credential). Raises :class:`ServiceUnavailable` when nobody answered."""
    if Customer.objects.filter(id=customer_id, email=email).exists():
        return False
    account = NewAccount(customer_id=customer_id, email=email, password="")
    discarded = root.get(CREDENTIALS).discard(account)
    if discarded:
        logger.warning(
            "Discarded the credential of customer %s, whose registration was rolled back.",
            customer_id,
        )
    return discarded


def credential_discard_soon(account: NewAccount) -> None:
    """After a registration rolled back: discard its credential now, or have a worker ask
    again while the port does not answer. Never raises: what went wrong is logged."""
    try:
        credential_discard(customer_id=account.customer_id, email=account.email)
    except ServiceUnavailable:
        logger.warning(
            "The credential of rolled-back customer %s could not be discarded yet; a worker "
            "asks again.",
            account.customer_id,
        )
        _discard_later(account)
    except Exception:
        logger.exception(
            "Discarding the credential of rolled-back customer %s failed: remove it by hand.",
            account.customer_id,
        )


def _discard_later(account: NewAccount) -> None:
    # imported here: the tasks module imports these services
    from monolith.customers.tasks import discard_credential

    try:
        discard_credential.delay(account.customer_id, account.email)
    except Exception:
        logger.exception(
            "Queueing the discard of customer %s's credential failed: remove it by hand.",
            account.customer_id,
        )
