"""pytest configuration of the notifications service (its own session, its own settings)."""

from __future__ import annotations

import pytest

pytest_plugins = ["strangler.service.testing"]


@pytest.fixture(autouse=True)
def _memory_email(settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
