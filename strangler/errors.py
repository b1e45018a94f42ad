"""One JSON error shape for every service: ``{"error": {"code", "message", "details"}}``.

Contexts raise :class:`DomainError` subclasses from their services; the DRF exception handler
and the Django 404/500 handlers below turn every failure into the same body.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from strangler.error_shape import error_body as error_body  # re-exported for the services

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule said no. Subclasses set ``code`` and ``http_status``."""

    code: ClassVar[str] = "domain_error"
    http_status: ClassVar[int] = 409
    # Refused before anything was written: an Idempotency-Key is released (as for a 400), so
    # the client may correct the request and send it again with the same key.
    writes_nothing: ClassVar[bool] = False

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class Unprocessable(DomainError):
    code = "unprocessable"
    http_status = 422


# The header of a 503 that names the service that did not answer (``details.service``): a
# caller's client reads it before the body, so it neither retries the call nor counts it
# against the answering service's circuit breaker (strangler.http.client).
UNAVAILABLE_SERVICE = "Unavailable-Service"


class ServiceUnavailable(DomainError):
    """A service this one depends on did not answer (refused, timed out, or failed).

    details: ``service``, the name of the one that did not answer. Nothing of ours was
    written, so an Idempotency-Key is released and the client may try again later. The
    answer names it in the ``Unavailable-Service`` header too.
    """

    code = "service_unavailable"
    http_status = 503
    writes_nothing = True


class DataMoved(DomainError):
    """A write reached tables whose data another service owns since a flip
    (``python -m strangler migrate flip``): their guard refused it and nothing was written.
    A window of seconds while a flip or a rollback is under way: the client may retry.

    details: ``context``, the tables' context; ``owner``, the service that owns them now.
    """

    code = "data_moved"
    http_status = 503
    writes_nothing = True


# The guard's refusal, as strangler/migrate/ownership.py words it (both engines).
_GUARD_REFUSAL = re.compile(
    r"(?P<table>\w+) is read-only here: the (?P<context>[\w-]+) context's data is owned by "
    r"(?P<owner>[\w-]+)"
)


def data_moved(exc: Exception) -> DataMoved | None:
    """The :class:`DataMoved` a database error stands for, when it is the guard's refusal."""
    from django.db import DatabaseError

    found = _GUARD_REFUSAL.search(str(exc)) if isinstance(exc, DatabaseError) else None
    if found is None:
        return None
    return DataMoved(
        f"The {found['context']} data moved to the {found['owner']} service a moment ago; "
        "try again.",
        context=found["context"],
        owner=found["owner"],
    )


_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "validation_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
}


def domain_error_response(exc: DomainError) -> Response:
    response = Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if exc.http_status == 401:  # RFC 7235: a 401 names the scheme to authenticate with
        response["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, ServiceUnavailable) and exc.details.get("service"):
        response[UNAVAILABLE_SERVICE] = str(exc.details["service"])
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: every API error in the one shape; unknown errors stay 500."""
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
    from django.http import Http404

    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    moved = data_moved(exc)
    if moved is not None:
        response = domain_error_response(moved)
        response["Retry-After"] = "1"
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body(code, "The request is not valid.", details)
    else:
        body = error_body(code, str(exc.detail))
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    return Response(body, status=exc.status_code, headers=headers)


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", f"No route for {request.path}."), status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("internal_error", "Internal server error."), status=500)


def json_400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", "Bad request."), status=400)
