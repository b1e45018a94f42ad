"""E-mail backends for the fault tests (loaded by the service's worker via its settings)."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.filebased import EmailBackend

REFUSED_DOMAIN = "@smtp-refuses.example"


class SlowFileBackend(EmailBackend):
    """The file backend, taking 50 ms per message like a remote SMTP server, and refusing
    recipients at ``@smtp-refuses.example`` (a poison message that fails every retry)."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            if any(str(to).endswith(REFUSED_DOMAIN) for to in message.to):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        time.sleep(0.05 * len(email_messages))
        return super().send_messages(email_messages)
