"""The identity service's domain errors (codes as the monolith's customers context had them)."""

from strangler.errors import Conflict, DomainError, NotFound


class EmailTaken(Conflict):
    """details: ``email``."""

    code = "email_taken"


class CredentialExists(Conflict):
    """The customer already has a credential, for another e-mail. details: ``customer_id``."""

    code = "credential_exists"


class CredentialNotFound(NotFound):
    code = "credential_not_found"


class InvalidCredentials(DomainError):
    """One message for an unknown e-mail, a wrong password and an inactive account."""

    code = "invalid_credentials"
    http_status = 401


class InvalidRefreshToken(DomainError):
    code = "invalid_token"
    http_status = 401


class UnknownRole(DomainError):
    code = "unknown_role"
    http_status = 400
