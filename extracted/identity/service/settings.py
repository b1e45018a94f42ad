"""Settings of the identity service.

What is its own: the accounts app (each customer's credential: e-mail, password hash, roles),
the idempotency keys of the calls it answers, and the token lifetimes and keys of the common
block. It is the shop's one issuer: where ``SECRET_STORE`` is on, its key ring holds the
private keys (``JWT_SIGNS_TOKENS``), which every other service's ring lacks. It consumes no
events and publishes none. The rest, its database (``IDENTITY_DATABASE_URL``) included, is the
common block of ``strangler.service``.
"""

from __future__ import annotations

from strangler.service.settings import service_settings

SERVICE_NAME = "identity"

globals().update(
    service_settings(
        SERVICE_NAME,
        apps=["extracted.identity.accounts", "strangler.idempotency"],
        description=(
            "Identity: customers' credentials and roles; signs the shop's access and refresh "
            "tokens (RS256, the key ring's kid) and publishes their public keys (JWKS)."
        ),
    )
)

# the issuer: its key ring reads the private signing keys (the others read the public halves)
JWT_SIGNS_TOKENS = True
