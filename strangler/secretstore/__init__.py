"""The secret store: versioned secrets (the JWT signing key ring, Django's ``SECRET_KEY``) in
OpenBao, or in a folder of files in the embedded demo; never in Git or the config store.

- ``store``: the port (``SecretStore``), ``Secret``, ``VersionInfo``, the errors;
  ``connect``: ``open_secret_store(url)``.
- ``openbao``: ``OpenBaoStore`` (``bao://HOST:PORT``, KV v2 through hvac); ``files``:
  ``FileSecretStore`` (``file:///abs/dir``), the embedded default, no server.
- ``keyring``: the JWT signing keys, one per version, each verifiable for a grace period
  after the next one replaced it (the private keys for the issuer, their public halves for
  the others); ``django``: the process's ring, and ``SECRET_KEY`` with its fallbacks.
- ``access``: on OpenBao, one read-only policy per service and its login: an AppRole, or on
  Kubernetes a role its service account logs in to.
- ``cli``: ``python -m strangler secrets init|list|versions|rotate``.
- ``testing``: a real ``bao server -dev`` for the tests, and a stand-in for the one call of a
  Kubernetes API server OpenBao makes (a TokenReview).
"""

from strangler.secretstore.connect import open_secret_store
from strangler.secretstore.store import (
    Secret,
    SecretConflict,
    SecretNotFound,
    SecretStore,
    SecretStoreError,
    VersionInfo,
)

__all__ = [
    "Secret",
    "SecretConflict",
    "SecretNotFound",
    "SecretStore",
    "SecretStoreError",
    "VersionInfo",
    "open_secret_store",
]
