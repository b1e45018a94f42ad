"""pytest configuration of the identity service (its own session, its own settings)."""

from typing import Any

import pytest

pytest_plugins = ["strangler.service.testing"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
