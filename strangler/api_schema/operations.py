"""The drf-spectacular hook that adds, to every operation, what the framework (and the gateway
in front) does on its own: the error responses it can give, the empty query values DRF reads
as left out, the one path segment the gateway lets through."""

from __future__ import annotations

import re
from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}

UNAUTHENTICATED = (
    "not_authenticated (no Authorization header) or invalid_token (a token that is not a "
    "valid, unexpired access token of an active customer)"
)
PUBLIC_UNAUTHENTICATED = (
    "invalid_token: an Authorization header was sent and is not a valid access token "
    "(leave it out on this public operation)"
)
BAD_REQUEST = "validation_error (details name each field) or malformed_request (not JSON)"
BAD_QUERY = "validation_error: a query parameter that is not valid (details name it)"
BAD_PATH = "path_traversal (from the gateway): a path with a control character or a dot segment"
URI_TOO_LONG = "uri_too_long: the request target is longer than the server accepts"
NOT_FOUND = "not_found: no such resource (or not the caller's)"
NOT_FOUND_PAGE = "not_found: a page past the last one"
NOT_ACCEPTABLE = "not_acceptable: the Accept header does not allow application/json"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type: the body is not application/json"
RATE_LIMITED = "rate_limited: over the rate limit (see the Retry-After header)"


def _error(description: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": ERROR_REF}}, "description": description}


def framework_responses(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The error responses DRF (or the gateway in front) can give for ``operation``."""
    parameters = operation.get("parameters", [])
    query = {p["name"] for p in parameters if p["in"] == "query"}
    in_path = any(p["in"] == "path" for p in parameters)
    public = {} in operation.get("security", [{}]) or not operation.get("security")
    responses = {
        "401": _error(PUBLIC_UNAUTHENTICATED if public else UNAUTHENTICATED),
        "406": _error(NOT_ACCEPTABLE),
        "429": _error(RATE_LIMITED),
    }
    bad_request = [
        *([BAD_REQUEST] if "requestBody" in operation else []),
        *([BAD_QUERY] if query else []),
        *([BAD_PATH] if in_path else []),
    ]
    if bad_request:
        responses["400"] = _error("; ".join(bad_request))
    if "requestBody" in operation:
        responses["415"] = _error(UNSUPPORTED_MEDIA_TYPE)
    if query or in_path:
        responses["414"] = _error(URI_TOO_LONG)
    if in_path:
        responses["404"] = _error(NOT_FOUND)
    elif "page" in query:
        responses["404"] = _error(NOT_FOUND_PAGE)
    return responses


# A text path parameter: one segment the gateway lets through (gateway.server.request's
# path_problem): no control character, slash, backslash or percent sign, and not "." or "..".
_SEGMENT_CHAR = r"[^\u0000-\u001f\u007f/\\%]"
_SEGMENT_CHAR_NOT_DOT = r"[^\u0000-\u001f\u007f/\\%.]"
PATH_SEGMENT = (
    rf"^(?:{_SEGMENT_CHAR_NOT_DOT}|{_SEGMENT_CHAR_NOT_DOT}{_SEGMENT_CHAR}"
    rf"|\.{_SEGMENT_CHAR_NOT_DOT}|{_SEGMENT_CHAR}{{3,}})$"
)


def state_path_segment(parameter: dict[str, Any]) -> None:
    """A text path parameter without a pattern of its own gets :data:`PATH_SEGMENT`."""
    schema = parameter.get("schema", {})
    if parameter["in"] == "path" and schema.get("type") == "string":
        schema.setdefault("pattern", PATH_SEGMENT)


def allow_empty_query_value(parameter: dict[str, Any]) -> None:
    """DRF reads an optional query parameter sent empty (``?q=``) as left out: its schema
    accepts the empty string too."""
    schema = parameter.get("schema", {})
    if parameter["in"] != "query" or parameter.get("required"):
        return
    if schema.get("type") != "string" or "format" in schema:  # an integer, a day: no pattern
        parameter["schema"] = {"anyOf": [schema, EMPTY_STRING]}
        return
    if schema.get("minLength") == 1:
        del schema["minLength"]
    if "pattern" in schema:
        schema["pattern"] = f"^$|{schema['pattern']}"


EMPTY_STRING = {"type": "string", "maxLength": 0}


def _accepts_empty(schema: dict[str, Any]) -> bool:
    pattern = schema.get("pattern")
    return (
        "format" not in schema
        and not schema.get("minLength")
        and (pattern is None or re.search(pattern, "") is not None)
    )


def blank_as_any_of(schema: Any) -> None:
    """drf-spectacular writes an ``allow_blank`` field with a pattern as ``oneOf: [field,
    empty string]``; when the field's pattern accepts "" too, oneOf refuses "" (both match).
    ``anyOf`` says what was meant."""
    if isinstance(schema, dict):
        one_of = schema.get("oneOf")
        if (
            isinstance(one_of, list)
            and len(one_of) == 2
            and one_of[1] == EMPTY_STRING
            and _accepts_empty(one_of[0])
        ):
            schema["anyOf"] = schema.pop("oneOf")
        for value in schema.values():
            blank_as_any_of(value)
    elif isinstance(schema, list):
        for value in schema:
            blank_as_any_of(value)


def declare_framework_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry: every operation declares the error
    responses of :func:`framework_responses` it does not declare itself, in the one error
    shape (the ``Error`` component, which a view's :func:`strangler.api.error_response` adds)."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                allow_empty_query_value(parameter)
                state_path_segment(parameter)
            declared = operation.setdefault("responses", {})
            for status, response in framework_responses(operation).items():
                declared.setdefault(status, response)
            operation["responses"] = dict(sorted(declared.items()))
    schemas = result.get("components", {}).get("schemas", {})
    blank_as_any_of(schemas)
    if "Error" not in schemas:  # drf-spectacular adds a component only once a view uses it
        raise ValueError("declare one error response with strangler.api.error_response")
    return result
