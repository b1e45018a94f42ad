"""The credential kept by the identity service, for the stages where identity is a service of
its own (stage 5 on).

A registration is one ``POST /internal/v1/credentials`` to identity (``IDENTITY_SERVICE_URL``,
bounded by ``IDENTITY_TIMEOUT`` seconds) inside the transaction that writes the customer's
row, keyed by ``customer-<id>-credential-<attempt>`` as its ``Idempotency-Key``: the client
retries the POST like a PUT and a retry creates nothing more. The attempt (random, one per
registration) keeps two registrations apart that got the same customer id, which SQLite hands
out again after a rollback: the second would otherwise be answered with the first one's
credential. Identity answers with the first token pair, so the registration's answer is the one
it always was.

Identity down, slow or failing raises :class:`strangler.errors.ServiceUnavailable` (503, naming
identity) and the customer's row is rolled back. Identity may have kept the credential all the
same (its answer lost on the way): the registration then asks it to discard that one
(``POST /internal/v1/credentials/<id>/discard``, :meth:`HttpIdentity.discard`).

After ``IDENTITY_BREAKER_FAILURES`` failed calls in a row the circuit breaker, shared by the
monolith's processes through Redis, refuses calls at once for
``IDENTITY_BREAKER_RESET_SECONDS``.
"""

from __future__ import annotations

import secrets
from typing import Any

from monolith.customers.errors import EmailTaken
from monolith.customers.ports import NewAccount
from strangler.auth.tokens import TokenPair
from strangler.errors import Conflict
from strangler.http import ErrorAnswer, client_for, json_body

SERVICE = "identity"


class IdentityRefused(Conflict):
    """Identity refused the credential (a 4xx the registration cannot repair).

    details: ``status`` and ``code`` of the service's answer. Nothing is kept.
    """

    code = "identity_refused"
    writes_nothing = True


class HttpIdentity:
    def kept_here(self) -> bool:
        return False  # identity keeps the password and the active flag sign-in reads

    def __init__(self, base_url: str | None = None, timeout: float | None = None) -> None:
        self.client = client_for(SERVICE, base_url, timeout)

    def create(self, account: NewAccount) -> TokenPair:
        response = self.client.post(
            "/internal/v1/credentials",
            json={
                "customer_id": account.customer_id,
                "email": account.email,
                "password": account.password,
            },
            idempotency_key=f"customer-{account.customer_id}-credential-{secrets.token_hex(6)}",
        )
        body = json_body(response)
        if response.status_code == 201 and _is_credential(body):
            tokens = body["tokens"]
            return TokenPair(
                access=tokens["access"],
                refresh=tokens["refresh"],
                access_expires_in=tokens["expires_in"],
            )
        error = ErrorAnswer.of(response.status_code, body)
        if error.is_(409, "email_taken"):
            raise EmailTaken("An account with this e-mail already exists.", email=account.email)
        raise error.refused(IdentityRefused, "The identity service refused the credential")

    def discard(self, account: NewAccount) -> bool:
        response = self.client.post(
            f"/internal/v1/credentials/{account.customer_id}/discard",
            json={"email": account.email},
        )
        body = json_body(response)
        discarded = body.get("discarded") if isinstance(body, dict) else None
        if response.status_code == 200 and isinstance(discarded, bool):
            return discarded
        error = ErrorAnswer.of(response.status_code, body)
        raise error.refused(IdentityRefused, "The identity service refused the discard")


def _is_credential(body: Any) -> bool:
    tokens = body.get("tokens") if isinstance(body, dict) else None
    return (
        isinstance(tokens, dict)
        and isinstance(tokens.get("access"), str)
        and isinstance(tokens.get("refresh"), str)
        and isinstance(tokens.get("expires_in"), int)
    )
