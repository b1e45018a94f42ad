"""What the customers context needs from the outside, as it sees it (branch by abstraction).

Where a new customer's credential is kept is chosen by ``CUSTOMERS_CREDENTIALS_ADAPTER``
(:class:`Credentials`, built by the composition root, see ``wiring.py``): the password hash on
the customer's own row up to stage 4 (``adapters.InProcessCredentials``), the identity service
over HTTP from stage 5 on (``http_identity.HttpIdentity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from strangler.auth.tokens import TokenPair


@dataclass(frozen=True)
class NewAccount:
    """A customer just registered (the row written, not committed), with the password the
    customers context has checked for strength."""

    customer_id: int
    email: str
    password: str


class Credentials(Protocol):
    def kept_here(self) -> bool:
        """Whether the customer's own row is the credential (its password hash and the active
        flag sign-in reads): up to stage 4. From stage 5 identity keeps them, and the monolith
        changes neither (its admin points to identity's)."""
        ...

    def create(self, account: NewAccount) -> TokenPair:
        """Keep the account's credential and sign it in: the first token pair.

        Raises :class:`~monolith.customers.errors.EmailTaken` when the e-mail is someone
        else's, :class:`strangler.errors.ServiceUnavailable` when no answer could be had (then
        the registration keeps nothing).
        """
        ...

    def discard(self, account: NewAccount) -> bool:
        """Remove the credential :meth:`create` may have kept for ``account`` when the
        registration was rolled back after asking (an answer lost on the way, a failed
        commit): only the one of this customer id with this e-mail. Whether one was removed.

        Raises :class:`strangler.errors.ServiceUnavailable` when the keeper could not be asked
        (ask again later: removing twice removes nothing more).
        """
        ...
