"""Writes of identity: credentials, sign-in, tokens and roles (keyword-only, atomic).

The monolith registers customers and validates their passwords (strength included) before it
asks for a credential; identity keeps the hash, checks it at sign-in and signs the tokens with
the key ring's current key (``strangler.auth.tokens``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from extracted.identity.accounts import metrics, selectors
from extracted.identity.accounts.errors import (
    CredentialExists,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    UnknownRole,
)
from extracted.identity.accounts.models import ADMIN, Credential
from strangler.auth.tokens import InvalidToken, TokenPair, decode, issue_pair


@dataclass(frozen=True)
class SignedIn:
    credential: Credential
    tokens: TokenPair


def tokens_issue(*, credential: Credential) -> TokenPair:
    return issue_pair(
        str(credential.customer_id), email=credential.email, roles=list(credential.roles)
    )


@transaction.atomic
def credential_create(*, customer_id: int, email: str, password: str) -> SignedIn:
    """The new customer's credential, signed in. Raises :class:`EmailTaken` when another
    customer holds the e-mail, :class:`CredentialExists` when this one has another e-mail."""
    email = selectors.normalize_email(email)
    if Credential.objects.filter(customer_id=customer_id).exclude(email=email).exists():
        raise CredentialExists("This customer already has a credential.", customer_id=customer_id)
    if Credential.objects.filter(email=email).exists():
        raise EmailTaken("An account with this e-mail already exists.", email=email)
    credential = Credential(
        customer_id=customer_id,
        email=email,
        password=make_password(password),
        last_login_at=timezone.now(),
    )
    try:
        with transaction.atomic():  # a concurrent registration of the same e-mail or customer
            credential.save(force_insert=True)
    except IntegrityError as exc:
        raise EmailTaken("An account with this e-mail already exists.", email=email) from exc
    metrics.credential_created()
    return SignedIn(credential=credential, tokens=tokens_issue(credential=credential))


@transaction.atomic
def credential_discard(*, customer_id: int, email: str) -> bool:
    """Remove the credential of a registration the monolith did not keep (the customer's row
    was rolled back after this service created the credential, say because its answer was
    lost). Only the credential of this customer id *and* e-mail goes, so no other customer's is
    ever touched. Whether one was removed: asking twice removes nothing more."""
    email = selectors.normalize_email(email)
    removed, _ = Credential.objects.filter(customer_id=customer_id, email=email).delete()
    if removed:
        metrics.credential_discarded()
    return bool(removed)


def credential_authenticate(*, email: str, password: str) -> Credential | None:
    """The active account with these credentials, or None.

    Takes the time of one password hash whether or not the e-mail is known, so response
    times do not tell which e-mails have accounts. Upgrades an outdated hash on success.
    """
    credential = selectors.credential_find_by_email(email=email)
    if credential is None or not is_password_usable(credential.password):
        make_password(password)  # the same work as a real check
        return None

    def upgrade_hash(raw: str) -> None:
        Credential.objects.filter(pk=credential.pk).update(password=make_password(raw))

    if not check_password(password, credential.password, setter=upgrade_hash):
        return None
    if not credential.is_active:
        return None
    return credential


@transaction.atomic
def credential_sign_in(*, email: str, password: str) -> SignedIn:
    """Check the credentials, record the login and issue a token pair."""
    credential = credential_authenticate(email=email, password=password)
    metrics.signed_in(success=credential is not None)
    if credential is None:
        raise InvalidCredentials("The e-mail or password is incorrect.")
    credential.last_login_at = timezone.now()
    credential.save(update_fields=["last_login_at"])
    return SignedIn(credential=credential, tokens=tokens_issue(credential=credential))


def tokens_refresh(*, refresh: str) -> TokenPair:
    """Rotate: a valid refresh token of an active account buys a new access AND refresh token,
    with the account's roles as they are now."""
    try:
        claims = decode(refresh, "refresh")
        customer_id = int(claims["sub"])
    except (InvalidToken, ValueError) as exc:
        raise InvalidRefreshToken("The refresh token is invalid or expired.") from exc
    credential = selectors.credential_get_active(customer_id=customer_id)
    if credential is None:
        raise InvalidRefreshToken("The refresh token is invalid or expired.")
    return tokens_issue(credential=credential)


@transaction.atomic
def role_set(*, customer_id: int, role: str, granted: bool) -> Credential:
    """Grant or revoke ``admin`` (every account keeps ``customer``). Tokens issued before carry
    the roles they were issued with until they expire."""
    if role != ADMIN:
        raise UnknownRole(f"Only the {ADMIN} role is granted or revoked.", role=role)
    credential = selectors.credential_get(customer_id=customer_id)
    if credential.is_admin != granted:
        credential.is_admin = granted
        credential.save(update_fields=["is_admin", "updated_at"])
    return credential
