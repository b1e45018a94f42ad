"""RS256 signing keys. Services verify with the public key only; the issuer signs.

Keys come from PEM files (``JWT_PRIVATE_KEY_FILE`` / ``JWT_PUBLIC_KEY_FILE``). On a fresh
embedded set-up the pair is generated once, atomically, so several processes starting at the
same moment still agree on one pair.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings


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


@lru_cache(maxsize=1)
def private_key_pem() -> bytes:
    ensure_key_pair()
    return Path(settings.JWT_PRIVATE_KEY_FILE).read_bytes()


@lru_cache(maxsize=1)
def public_key_pem() -> bytes:
    if not Path(settings.JWT_PUBLIC_KEY_FILE).exists():
        ensure_key_pair()
    return Path(settings.JWT_PUBLIC_KEY_FILE).read_bytes()


@lru_cache(maxsize=1)
def key_id() -> str:
    """A stable ``kid``: the SHA-256 of the public key, shortened."""
    return hashlib.sha256(public_key_pem()).hexdigest()[:16]


def jwks() -> dict[str, Any]:
    """The public key as a JSON Web Key Set, for verifiers such as the gateway."""
    public = serialization.load_pem_public_key(public_key_pem())
    assert isinstance(public, rsa.RSAPublicKey)
    numbers = public.public_numbers()

    def b64(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": key_id(),
                "n": b64(numbers.n),
                "e": b64(numbers.e),
            }
        ]
    }
