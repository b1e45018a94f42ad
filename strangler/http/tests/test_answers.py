"""Reading a service's error: the kit's shape, or nothing when the body is not in it."""

from __future__ import annotations

from typing import Any

import pytest

from strangler.errors import Conflict, NotFound
from strangler.http import ErrorAnswer


class ThingRefused(Conflict):
    code = "thing_refused"


@pytest.mark.parametrize(
    "body",
    [None, "<html>502</html>", {"detail": "x"}, {"error": "x"}, {"error": {"details": [1]}}],
)
def test_a_body_not_in_the_kit_s_shape_is_an_empty_error(body: Any) -> None:
    error = ErrorAnswer.of(502, body)
    assert (error.code, error.message, error.details) == ("", "", {})


def test_the_service_s_refusal_becomes_ours_with_its_message_and_details_whatever_their_keys() -> (
    None
):
    body = {
        "error": {"code": "not_found", "message": "No 7.", "details": {"message": "m", "id": 7}}
    }
    error = ErrorAnswer.of(404, body)
    assert error.is_(404, "not_found") and not error.is_(409, "not_found")
    ours = error.as_error(NotFound, "Not found.")
    assert (ours.message, ours.details) == ("No 7.", {"message": "m", "id": 7})
    assert (
        ErrorAnswer.of(404, {"error": {"code": "not_found"}})
        .as_error(NotFound, "Not found.")
        .message
        == "Not found."
    )


def test_an_answer_the_caller_cannot_use_is_refused_naming_its_status_and_code() -> None:
    refused = ErrorAnswer.of(418, {"error": {"code": "teapot"}}).refused(
        ThingRefused, "The thing service refused the request"
    )
    assert refused.message == "The thing service refused the request (418 teapot)."
    assert refused.details == {"status": 418, "code": "teapot"}
    assert ErrorAnswer.of(500, None).refused(ThingRefused, "No").message == "No (500)."
