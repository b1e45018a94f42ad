"""E-mail backends for the fault tests (loaded by the service's worker via its settings)."""

from __future__ import annotations

import os
import smtplib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.filebased import EmailBackend

REFUSED_DOMAIN = "@smtp-refuses.example"


class SlowFileBackend(EmailBackend):
    """The file backend, taking 50 ms per message like a remote SMTP server, and refusing
    recipients at ``@smtp-refuses.example`` (a poison message that fails every retry).

    While the file ``FAULTS_MAIL_GATE`` names exists, a message once written is held there (so
    its batch cannot commit) and a ``held-<pid>`` file beside the gate says so: a test can kill
    the worker knowing a batch is in flight.
    """

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            if any(str(to).endswith(REFUSED_DOMAIN) for to in message.to):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        time.sleep(0.05 * len(email_messages))
        sent = super().send_messages(email_messages)
        _hold_while_the_gate_is_closed()
        return int(sent)


def _hold_while_the_gate_is_closed() -> None:
    gate = Path(os.environ.get("FAULTS_MAIL_GATE") or "/nonexistent/gate")
    if not gate.exists():
        return
    (gate.parent / f"held-{os.getpid()}").touch()
    while gate.exists():  # the simulated server stalls until the test opens the gate
        time.sleep(0.05)
