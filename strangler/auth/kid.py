"""The ``kid`` of a public key: what a JWT's header names and a JWKS lists, the same for the
PEM-file key (stages 0-4) and every key of the secret store's ring (stage 5 on)."""

from __future__ import annotations

import hashlib


def kid_for(public_pem: bytes) -> str:
    """A stable ``kid``: the SHA-256 of the public key's PEM, shortened."""
    return hashlib.sha256(public_pem).hexdigest()[:16]
