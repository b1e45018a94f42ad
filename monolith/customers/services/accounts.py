"""Accounts: registration, sign-in and tokens, the profile, deactivation, the demo customer.

This is the part that becomes the identity service when it is extracted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from monolith.customers import selectors
from monolith.customers.errors import (
    CredentialsKeptElsewhere,
    CustomerNotFound,
    EmailTaken,
    InvalidCredentials,
    InvalidInput,
    InvalidRefreshToken,
    RegistrationClosed,
    WeakPassword,
)
from monolith.customers.models import Customer
from monolith.customers.ports import NewAccount
from monolith.customers.services.addresses import address_create
from monolith.customers.services.credentials import credential_discard_soon
from monolith.customers.wiring import CREDENTIALS
from strangler.auth.tokens import InvalidToken, TokenPair, decode, issue_pair
from strangler.composition import root
from strangler.config import live_setting
from strangler.errors import DomainError, ServiceUnavailable

# Customers' passwords are checked with these unless settings.CUSTOMERS_PASSWORD_VALIDATORS
# says otherwise (AUTH_PASSWORD_VALIDATORS is for the staff who use the admin).
DEFAULT_PASSWORD_VALIDATORS: list[dict[str, Any]] = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-1"  # the documented demo login
DEMO_FULL_NAME = "Dewi Lestari"
DEMO_ADDRESS: dict[str, str] = {
    "full_name": DEMO_FULL_NAME,
    "line1": "Jl. M.H. Thamrin No. 1",
    "line2": "Menara Thamrin, Lantai 12",
    "city": "Jakarta",
    "postal_code": "10310",
    "country": "ID",
}


@dataclass(frozen=True)
class SignedIn:
    customer: Customer
    tokens: TokenPair


# --- passwords and tokens ---------------------------------------------------------------------


def password_check_strength(*, password: str, customer: Customer) -> None:
    """Raise :class:`WeakPassword` (``details.password``) for a password the validators refuse."""
    configured = getattr(settings, "CUSTOMERS_PASSWORD_VALIDATORS", DEFAULT_PASSWORD_VALIDATORS)
    try:
        validate_password(
            password,
            user=cast(Any, customer),
            password_validators=get_password_validators(configured),
        )
    except ValidationError as exc:
        raise WeakPassword("The password is too weak.", password=list(exc.messages)) from exc


def tokens_issue(*, customer: Customer) -> TokenPair:
    return issue_pair(str(customer.id), email=customer.email)


def tokens_refresh(*, refresh: str) -> TokenPair:
    """Rotate: a valid refresh token of an active customer buys a new access AND refresh token.

    An access token, an expired, forged or malformed token, or one whose customer was deleted
    or deactivated is refused with :class:`InvalidRefreshToken`.
    """
    try:
        claims = decode(refresh, "refresh")
        customer_id = int(claims["sub"])
    except (InvalidToken, ValueError) as exc:
        raise InvalidRefreshToken("The refresh token is invalid or expired.") from exc
    try:
        customer = selectors.customer_get_active(customer_id=customer_id)
    except CustomerNotFound as exc:
        raise InvalidRefreshToken("The refresh token is invalid or expired.") from exc
    return tokens_issue(customer=customer)


def customer_authenticate(*, email: str, password: str) -> Customer | None:
    """The active customer with these credentials, or None.

    Takes the time of one password hash whether or not the e-mail is known, so response
    times do not tell which e-mails have accounts. Upgrades an outdated hash on success.
    """
    customer = selectors.customer_find_by_email(email=email)
    if customer is None or not is_password_usable(customer.password):
        make_password(password)  # the same work as a real check
        return None

    def upgrade_hash(raw: str) -> None:
        Customer.objects.filter(id=customer.id).update(password=make_password(raw))

    if not check_password(password, customer.password, setter=upgrade_hash):
        return None
    if not customer.is_active:
        return None
    return customer


@transaction.atomic
def customer_sign_in(*, email: str, password: str) -> SignedIn:
    """Check the credentials, record the login and issue a token pair."""
    customer = customer_authenticate(email=email, password=password)
    if customer is None:
        raise InvalidCredentials("The e-mail or password is incorrect.")
    customer.last_login_at = timezone.now()
    customer.save(update_fields=["last_login_at"])
    return SignedIn(customer=customer, tokens=tokens_issue(customer=customer))


# --- customers --------------------------------------------------------------------------------


def customer_register(*, email: str, password: str, full_name: str) -> SignedIn:
    """Create a customer and sign them in. Raises :class:`EmailTaken` / :class:`InvalidInput`.

    The password, checked here, is kept by the credentials port (``CUSTOMERS_CREDENTIALS_ADAPTER``:
    on this row up to stage 4, by the identity service from stage 5 on), which signs the customer
    in; a failure there rolls the row back. When the port was asked and the outcome is not a
    refusal (no answer, or a failure after it answered), it may have kept the credential: it is
    asked to discard it (``credential_discard_soon``). While ``CUSTOMERS_REGISTRATION_OPEN`` is
    off (a flag of the config store from stage 5: flipped in Git and synced, it applies at
    once), it raises :class:`RegistrationClosed` and writes nothing.
    """
    asked: list[NewAccount] = []
    try:
        return _register(asked, email=email, password=password, full_name=full_name)
    except Exception as exc:
        refused = isinstance(exc, DomainError) and not isinstance(exc, ServiceUnavailable)
        if asked and not refused:
            credential_discard_soon(asked[0])
        raise


@transaction.atomic
def _register(asked: list[NewAccount], *, email: str, password: str, full_name: str) -> SignedIn:
    """The registration's transaction; ``asked`` gets the account once the port is asked."""
    if not live_setting("CUSTOMERS_REGISTRATION_OPEN"):
        raise RegistrationClosed("New accounts are paused; please try again later.")
    email = selectors.normalize_email(email)
    full_name = full_name.strip()
    if not full_name:
        raise InvalidInput("The full name is required.", full_name=["This field may not be blank."])
    customer = Customer(email=email, full_name=full_name)
    password_check_strength(password=password, customer=customer)
    if selectors.email_is_taken(email=email):
        raise EmailTaken("An account with this e-mail already exists.", email=email)
    customer.password = make_password(None)  # unusable: the credentials port keeps it
    customer.last_login_at = timezone.now()
    try:
        with transaction.atomic():  # a concurrent registration of the same e-mail
            customer.save()
    except IntegrityError as exc:
        raise EmailTaken("An account with this e-mail already exists.", email=email) from exc
    account = NewAccount(customer_id=customer.id, email=email, password=password)
    asked.append(account)
    tokens = root.get(CREDENTIALS).create(account)
    customer.refresh_from_db(fields=["password"])
    return SignedIn(customer=customer, tokens=tokens)


@transaction.atomic
def customer_update(
    *, customer_id: int, full_name: str | None = None, phone: str | None = None
) -> Customer:
    """Change the profile. ``None`` leaves a field as it is; ``phone=""`` clears the phone."""
    customer = selectors.customer_get_for_update(customer_id=customer_id)
    changed: list[str] = []
    if full_name is not None:
        full_name = full_name.strip()
        if not full_name:
            raise InvalidInput(
                "The full name is required.", full_name=["This field may not be blank."]
            )
        customer.full_name = full_name
        changed.append("full_name")
    if phone is not None:
        customer.phone = phone.strip()
        changed.append("phone")
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    return customer


def _credentials_kept_here() -> None:
    if not root.get(CREDENTIALS).kept_here():
        raise CredentialsKeptElsewhere(
            "The identity service keeps customers' passwords and whether they may sign in: "
            "change them in its admin."
        )


@transaction.atomic
def customer_set_password(*, customer_id: int, password: str) -> Customer:
    """A new password on the customer's row (up to stage 4); from stage 5 identity keeps it
    (:class:`CredentialsKeptElsewhere`)."""
    _credentials_kept_here()
    customer = selectors.customer_get_for_update(customer_id=customer_id)
    password_check_strength(password=password, customer=customer)
    customer.password = make_password(password)
    customer.save(update_fields=["password", "updated_at"])
    return customer


@transaction.atomic
def customers_deactivate(*, customer_ids: Sequence[int]) -> int:
    """Deactivate customers: they can no longer sign in or refresh. Returns how many changed.
    From stage 5 identity decides who signs in (:class:`CredentialsKeptElsewhere`)."""
    _credentials_kept_here()
    return Customer.objects.filter(id__in=customer_ids, is_active=True).update(
        is_active=False, updated_at=timezone.now()
    )


@transaction.atomic
def demo_customer_seed() -> Customer:
    """Idempotent: the demo customer exists, is active, has the demo password and an address."""
    customer, created = Customer.objects.get_or_create(
        email=DEMO_EMAIL,
        defaults={"full_name": DEMO_FULL_NAME, "password": make_password(DEMO_PASSWORD)},
    )
    if not created:
        customer = selectors.customer_get_for_update(customer_id=customer.id)
        if not customer.is_active or not check_password(DEMO_PASSWORD, customer.password):
            customer.is_active = True
            customer.password = make_password(DEMO_PASSWORD)
            customer.save(update_fields=["is_active", "password", "updated_at"])
    if not customer.addresses.exists():
        address_create(customer_id=customer.id, is_default=True, **DEMO_ADDRESS)
    return customer
