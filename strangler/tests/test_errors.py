"""Domain errors render in the one error shape, with the headers HTTP asks for."""

from __future__ import annotations

from strangler.errors import DomainError, NotFound, domain_error_response


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
