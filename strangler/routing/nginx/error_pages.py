"""The replies nginx makes itself, in the project's JSON error shape.

``ERRORS`` maps each status nginx may answer to the error ``code`` and message the Python
gateway uses; :class:`ErrorPagesWriter` writes the ``error_page`` directives and the named
``@gw_<status>`` locations that answer them (with ``X-Request-ID``, ``WWW-Authenticate`` on
401 and ``Retry-After`` on 429), and the body of the path-traversal refusal.
"""

from __future__ import annotations

import json

from strangler.routing.nginx.syntax import ConfigWriter, quote

# status -> (code, message) of the project's JSON error shape, for the replies nginx makes.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("malformed_request", "The request could not be parsed."),
    401: ("$gw_auth_code", "Authentication credentials were missing or invalid."),
    404: ("route_not_found", "No route matches this path."),
    405: ("method_not_allowed", "This method is not allowed on this path."),
    408: ("request_timeout", "The request was not received in time."),
    413: ("payload_too_large", "The request body is larger than the gateway accepts."),
    414: ("uri_too_long", "The request URL is too long."),
    429: ("rate_limited", "Too many requests; retry later."),
    431: ("headers_too_large", "The request headers are too large."),
    500: ("internal_error", "The gateway failed to handle the request."),
    502: ("bad_gateway", "The upstream service could not be reached."),
    503: ("service_unavailable", "No upstream instance is available."),
    504: ("gateway_timeout", "The upstream service did not answer in time."),
}
PATH_ATTACK = ("path_traversal", "The path holds a dot segment or an encoded separator.")
PATH_ATTACK_PATTERN = r"^[^?]*(/\.\.?(/|\?|$)|%2e|%2f|%5c|%00|\\|%25(2e|2f|5c|00))"


def json_error(status: int) -> str:
    code, message = ERRORS[status]
    return json.dumps({"error": {"code": code, "message": message, "details": {}}})


def path_attack_body() -> str:
    code, message = PATH_ATTACK
    return json.dumps({"error": {"code": code, "message": message, "details": {}}})


class ErrorPagesWriter(ConfigWriter):
    def error_pages(self) -> None:
        """Every location repeats these: nginx inherits error_page only into a bare location."""
        self.line("error_page 400 @gw_400;")
        self.line("error_page 494 =431 @gw_431;")
        for status in (401, 404, 413, 414, 429, 500, 502, 503, 504):
            self.line(f"error_page {status} @gw_{status};")

    def error_locations(self) -> None:
        for status in (400, 401, 404, 413, 414, 429, 431, 500, 502, 503, 504):
            body = ["add_header X-Request-ID $gw_request_id always;"]
            if status == 401:
                body.append("add_header WWW-Authenticate Bearer always;")
            if status == 429:
                body.append("add_header Retry-After $gw_retry_after always;")
            body.append(f"return {status} {quote(json_error(status))};")
            self.block(f"location @gw_{status}", body)
        self.line()
