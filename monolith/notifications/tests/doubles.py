"""Test doubles: a recipient lookup and e-mail backends that fail like an SMTP server does."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.mail.backends.locmem import EmailBackend


@dataclass(frozen=True)
class FakeRecipient:
    customer_id: int
    email: str
    full_name: str
    default_address: None = None


class FlakyBackend(EmailBackend):
    """The locmem backend, failing the first ``failures`` sends (a class-level budget)."""

    failures: ClassVar[int] = 0
    calls: ClassVar[int] = 0

    def send_messages(self, messages: Sequence[Any]) -> int:
        type(self).calls += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
