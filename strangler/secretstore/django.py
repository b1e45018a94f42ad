"""The secret store in a Django process (stage 5 on: ``SECRET_STORE_URL`` in its settings).

- ``key_ring()``: the process's JWT key ring, built once from the settings: the private keys
  where ``JWT_SIGNS_TOKENS`` (identity, the issuer), else their public halves only
  (``JWT_REFRESH_TTL`` is the grace of a retired key, ``JWT_KEYRING_RELOAD_SECONDS`` how
  often the ring is read again); ``strangler.auth.keys`` finds it by name.
- ``secret_key_settings(url, service)``: ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``, read
  once as the settings module loads (Django reads them at start, so a rotation applies at the
  next restart of each process).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from strangler.secretstore.connect import open_secret_store
from strangler.secretstore.keyring import JWT_SIGNING_PATH, JWT_VERIFYING_PATH, KeyRing, states
from strangler.secretstore.store import SecretStoreError

SECRET_KEY_FIELD = "secret_key"


def secret_key_path(service: str) -> str:
    return f"shop/django-secret-key/{service}"


@lru_cache(maxsize=1)
def key_ring() -> KeyRing:
    try:
        store = open_secret_store(settings.SECRET_STORE_URL)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SECRET_STORE_URL: {exc}") from exc
    signs = bool(getattr(settings, "JWT_SIGNS_TOKENS", False))
    return KeyRing(
        store,
        JWT_SIGNING_PATH if signs else JWT_VERIFYING_PATH,
        grace=settings.JWT_REFRESH_TTL,
        publish=timedelta(seconds=int(getattr(settings, "JWT_KEY_PUBLISH_SECONDS", 0))),
        reload_seconds=float(getattr(settings, "JWT_KEYRING_RELOAD_SECONDS", 15.0)),
    )


def secret_key_settings(url: str, service: str, grace: timedelta) -> dict[str, object]:
    """The newest version of the service's secret key, and the older versions still in their
    grace as fallbacks (newest first): what they signed (sessions, password reset links)
    still verifies until the grace ends."""
    path = secret_key_path(service)
    try:
        store = open_secret_store(url)
        infos = store.versions(path)
        if not infos:
            raise SecretStoreError(
                f"secret store {store.url}: nothing at {path} (run `python -m strangler "
                "secrets init`)"
            )
        kept = [v for v in states(infos, datetime.now(UTC), grace) if v.state != "expired"]
        values = [store.read(path, v.version).data[SECRET_KEY_FIELD] for v in reversed(kept)]
    except (SecretStoreError, ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"SECRET_KEY from the secret store: {exc}") from None
    return {"SECRET_KEY": values[0], "SECRET_KEY_FALLBACKS": values[1:]}
