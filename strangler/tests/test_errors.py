"""Domain errors render in the one error shape, with the headers HTTP asks for."""

from __future__ import annotations

from strangler.errors import DomainError, NotFound, ServiceUnavailable, domain_error_response


class BadCredentials(DomainError):
    code = "invalid_credentials"
    http_status = 401


def test_a_domain_error_renders_code_message_and_details() -> None:
    response = domain_error_response(NotFound("No such thing.", thing_id=3))
    assert response.status_code == 404
    assert response.data == {
        "error": {"code": "not_found", "message": "No such thing.", "details": {"thing_id": 3}}
    }
    assert not response.has_header("WWW-Authenticate")


def test_a_401_domain_error_names_the_bearer_scheme() -> None:
    response = domain_error_response(BadCredentials("Wrong e-mail or password."))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_503_names_the_service_that_did_not_answer_in_a_header() -> None:
    response = domain_error_response(ServiceUnavailable("Fraud is down.", service="fraud"))
    assert response.status_code == 503
    assert response["Unavailable-Service"] == "fraud"
    assert not domain_error_response(NotFound("No.")).has_header("Unavailable-Service")


def test_the_ownership_guards_refusal_is_a_503_data_moved_to_retry() -> None:
    from django.db import DatabaseError, IntegrityError

    from strangler.errors import exception_handler
    from strangler.migrate.ownership import message

    refusal = IntegrityError(message("inventory_reservation", "inventory", "inventory"))
    response = exception_handler(refusal, {})

    assert response is not None and response.status_code == 503
    assert response.data["error"]["code"] == "data_moved"
    assert response.data["error"]["details"] == {"context": "inventory", "owner": "inventory"}
    assert response["Retry-After"] == "1"
    # any other database error stays a 500 (Django's handler)
    assert exception_handler(DatabaseError("deadlock detected"), {}) is None
