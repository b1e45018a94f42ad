"""The customers context's business errors. The public ones are re-exported by ``interface``."""

from __future__ import annotations

from strangler.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class AddressNotFound(NotFound):
    """Also raised for another customer's address, so its existence is never revealed."""

    code = "address_not_found"


class EmailTaken(Conflict):
    code = "email_taken"


class InvalidInput(DomainError):
    """A value the service refuses; rendered like a serializer error (``details`` per field)."""

    code = "validation_error"
    http_status = 400


class WeakPassword(InvalidInput):
    """A well-formed password a rule refuses that no schema can state (too common, too like
    the e-mail or the name): the length and the all-digits rule are the serializer's 400."""

    code = "weak_password"
    http_status = 422


class RegistrationClosed(Forbidden):
    """New accounts are paused (``CUSTOMERS_REGISTRATION_OPEN`` is off): nothing was written."""

    code = "registration_closed"
    writes_nothing = True


class CredentialsKeptElsewhere(Conflict):
    """The credentials port keeps the sign-in (the identity service, from stage 5): the
    customer's password and whether they may sign in are changed there. Nothing was written."""

    code = "credentials_kept_elsewhere"
    writes_nothing = True


class InvalidCredentials(DomainError):
    """One message for an unknown e-mail, a wrong password and an inactive customer."""

    code = "invalid_credentials"
    http_status = 401


class InvalidRefreshToken(DomainError):
    code = "invalid_token"
    http_status = 401


class DefaultAddressRequired(Unprocessable):
    code = "default_address_required"
