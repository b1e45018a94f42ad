"""RS256 signing keys. Services verify with the public key only; the issuer signs.

Keys come from PEM files (``JWT_PRIVATE_KEY_FILE`` / ``JWT_PUBLIC_KEY_FILE``). On a fresh
embedded set-up the pair is generated once, atomically, so several processes starting at the
same moment still agree on one pair. Where the process reads a secret store
(``SECRET_STORE_URL``, stage 5 on) the keys are its key ring instead: the newest signs, and
every key still in its grace period verifies and is published in the JWKS. There only the
issuer's ring (``JWT_SIGNS_TOKENS``) holds private keys; any other process asked to sign
answers :class:`TokensIssuedElsewhere`.
"""

from __future__ import annotations

import base64
import importlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from strangler.auth.kid import kid_for
from strangler.errors import DomainError


class TokensIssuedElsewhere(DomainError):
    """This process verifies tokens and holds no key that signs them: the request was sent to
    the wrong service (from stage 5 the gateway sends sign-in and refresh to identity)."""

    code = "tokens_issued_elsewhere"
    http_status = 421  # Misdirected Request: this server cannot answer it, another one can
    writes_nothing = True


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    try:
        os.link(tmp, path)  # fails if another process won the race: keep theirs
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def ensure_key_pair() -> None:
    private_path = Path(settings.JWT_PRIVATE_KEY_FILE)
    public_path = Path(settings.JWT_PUBLIC_KEY_FILE)
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _write_atomically(
            private_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    if not public_path.exists():
        private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        _write_atomically(
            public_path,
            private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )


def _ring() -> Any:
    """The secret store's key ring where this process reads one (stage 5 on), else None."""
    if not getattr(settings, "SECRET_STORE_URL", ""):
        return None
    # the secret store arrives with stage 5: found by name
    return importlib.import_module("strangler.secretstore.django").key_ring()


@lru_cache(maxsize=1)
def _file_private_key_pem() -> bytes:
    ensure_key_pair()
    return Path(settings.JWT_PRIVATE_KEY_FILE).read_bytes()


@lru_cache(maxsize=1)
def _file_public_key_pem() -> bytes:
    if not Path(settings.JWT_PUBLIC_KEY_FILE).exists():
        ensure_key_pair()
    return Path(settings.JWT_PUBLIC_KEY_FILE).read_bytes()


def private_key_pem() -> bytes:
    """The key that signs new tokens."""
    return signing_key()[0]


def signing_key() -> tuple[bytes, str]:
    """The key that signs new tokens and its kid, read together: a rotation between two
    reads must not label a token with the kid of a key that did not sign it."""
    ring = _ring()
    if ring is None:
        return _file_private_key_pem(), kid_for(_file_public_key_pem())
    key = ring.signing()
    if key.private_pem is None:
        raise TokensIssuedElsewhere(
            "This service verifies tokens and issues none: sign in through the gateway, "
            "which sends it to the identity service."
        )
    return bytes(key.private_pem), str(key.kid)


def public_key_pem() -> bytes:
    """The public half of the key that signs new tokens."""
    ring = _ring()
    return bytes(ring.signing().public_pem) if ring else _file_public_key_pem()


def key_id() -> str:
    """The ``kid`` of the key that signs new tokens."""
    ring = _ring()
    return str(ring.signing().kid) if ring else kid_for(_file_public_key_pem())


def verification_key(kid: str | None) -> bytes | None:
    """The public key a token naming ``kid`` is verified with (no kid: the signing key's),
    or None when no key still verifiable has that kid."""
    ring = _ring()
    if ring is None:
        return _file_public_key_pem() if kid in (None, key_id()) else None
    found = ring.verifying(kid) if kid is not None else ring.signing()
    return bytes(found.public_pem) if found is not None else None


def _jwk(public_pem: bytes) -> dict[str, str]:
    public = serialization.load_pem_public_key(public_pem)
    assert isinstance(public, rsa.RSAPublicKey)
    numbers = public.public_numbers()

    def b64(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid_for(public_pem),
        "n": b64(numbers.n),
        "e": b64(numbers.e),
    }


def jwks() -> dict[str, Any]:
    """The public keys as a JSON Web Key Set, for verifiers such as the gateway: the one key,
    or every key of the ring that still verifies (the current one last)."""
    ring = _ring()
    pems = [key.public_pem for key in ring.verifiable()] if ring else [_file_public_key_pem()]
    return {"keys": [_jwk(pem) for pem in pems]}
