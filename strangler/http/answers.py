"""Reading another service's answer: its JSON body, and the kit's error shape in it.

Every adapter over HTTP does the same three things with an answer it did not expect: find the
service's error (``{"error": {"code", "message", "details"}}``), turn the refusals its port
names into its own errors with the service's message and details as they are, and refuse
anything else naming the status and code it got.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from strangler.errors import DomainError

E = TypeVar("E", bound=DomainError)


def json_body(response: requests.Response) -> Any:
    """The answer's JSON body, or None when it is not JSON (a proxy's error page): callers
    translate the service's answers, and a body they cannot read is one they refuse."""
    try:
        return response.json()
    except ValueError:
        return None


@dataclass(frozen=True)
class ErrorAnswer:
    """The kit's error in an answer; ``code``, ``message`` and ``details`` are empty when the
    body is not in that shape (a proxy's page, a bug's 500)."""

    status: int
    code: str = ""
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, status: int, body: Any) -> ErrorAnswer:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(status)
        message, details = error.get("message"), error.get("details")
        return cls(
            status,
            code=str(error.get("code") or ""),
            message=message if isinstance(message, str) else "",
            details={str(k): v for k, v in details.items()} if isinstance(details, dict) else {},
        )

    def is_(self, status: int, code: str) -> bool:
        return (self.status, self.code) == (status, code)

    def as_error(self, kind: type[E], default: str) -> E:
        """The service's refusal as our ``kind``: its message (``default`` without one) and
        its details as they are, whatever their keys."""
        error = kind(self.message or default)
        error.details = dict(self.details)
        return error

    def refused(self, kind: type[E], what: str) -> E:
        """``kind`` for an answer the caller cannot use: ``<what> (<status> <code>).``, with
        ``status`` and ``code`` in its details."""
        answer = f"{self.status} {self.code}".strip()
        return kind(f"{what} ({answer}).", status=self.status, code=self.code)
