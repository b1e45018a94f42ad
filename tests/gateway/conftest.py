"""The conformance world: small real upstreams, one route table, and both gateways over it.

``gateway`` is parametrized over ``python`` (``python -m gateway serve``) and ``nginx`` (real
nginx running the exported configuration); every test in test_conformance.py runs against
both, through HTTP only. The Python gateway also serves as nginx's ``auth_request`` verifier,
so nginx's token checks are the same code. Ports are free ports; readiness is polled.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from strangler.routing.nginx import ExportOptions, export_nginx
from strangler.routing.table import parse_route_table
from strangler.stages.processes import (
    ProcessFailed,
    ProcessGroup,
    free_port,
    ready_when_http_ok,
)
from tests.gateway.upstream import RecordingUpstream, Reply

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "conformance-issuer"
AUDIENCE = "conformance-api"
MAX_BODY = 4096
GATEWAYS = ("python", "nginx")

# One health-check rhythm for every checked pool: fast enough for a test, slow enough that
# nginx's passive fail_timeout (interval x rise) outlasts a burst of requests.
HEALTH = {"path": "/health/ready", "interval": 1.0, "timeout": 0.5, "fall": 1, "rise": 1}

# upstream name -> its instances' placeholder names. "dead" and "retry_b" never listen.
POOLS: dict[str, tuple[str, ...]] = {
    "app": ("app",),
    "other": ("other",),
    "pair": ("pair_a", "pair_b"),
    "lc": ("lc_a", "lc_b"),
    "gone": ("gone",),
    "flaky": ("flaky_a", "flaky_b"),
    "retry": ("retry_a", "retry_b"),
    "dead": ("dead",),
    "shadow": ("shadow",),
    "keys": ("keys",),  # serves the JWKS: token checks never show up in "app"'s log
}
NEVER_LISTENING = ("dead", "retry_b")


def route_table() -> dict[str, Any]:
    upstreams: dict[str, Any] = {}
    for name, instances in POOLS.items():
        spec: dict[str, Any] = {"instances": [f"127.0.0.1:{{{i}}}" for i in instances]}
        if name in ("app", "other", "pair", "lc", "flaky", "gone", "shadow"):
            spec["health"] = dict(HEALTH)
        if name == "lc":
            spec["balance"] = "least_conn"
        if name == "flaky":
            spec["eject_after"] = 1
        if name == "retry":  # no active checks and a high bar: the dead twin stays in the pool
            spec["eject_after"] = 1000
        upstreams[name] = spec
    routes: list[dict[str, Any]] = [
        {"name": "items", "prefix": "/api/items", "upstream": "app"},
        {"name": "readonly", "prefix": "/api/readonly", "methods": ["GET"], "upstream": "app"},
        {"name": "detail", "path": "/api/orders/{order_id:int}/detail", "upstream": "other"},
        {"name": "orders", "prefix": "/api/orders", "upstream": "app"},
        {
            "name": "legacy",
            "prefix": "/legacy",
            "rewrite": {"from": "/legacy", "to": "/api/v2"},
            "upstream": "app",
        },
        {
            "name": "svc",
            "prefix": "/svc",
            "rewrite": {"from": "/svc", "to": "/"},
            "upstream": "app",
        },
        {"name": "limited", "prefix": "/api/limited", "rate_limit": "tight", "upstream": "app"},
        # two routes under one policy, used by one test only: each keeps its own budget
        {"name": "budget-a", "prefix": "/api/budget-a", "rate_limit": "tight", "upstream": "app"},
        {"name": "budget-b", "prefix": "/api/budget-b", "rate_limit": "tight", "upstream": "app"},
        {"name": "pair", "prefix": "/api/pair", "upstream": "pair"},
        {"name": "lc", "prefix": "/api/lc", "upstream": "lc"},
        {"name": "flaky", "prefix": "/api/flaky", "upstream": "flaky"},
        {"name": "gone", "prefix": "/api/gone", "upstream": "gone"},
        {"name": "retry", "prefix": "/api/retry", "retries": 1, "upstream": "retry"},
        {"name": "noretry", "prefix": "/api/noretry", "upstream": "retry"},
        {"name": "slow", "prefix": "/api/slow", "timeout": 0.5, "upstream": "app"},
        {"name": "dead", "prefix": "/api/dead", "upstream": "dead"},
        {"name": "private", "prefix": "/api/private", "auth": "required", "upstream": "app"},
        {
            "name": "limited-user",
            "prefix": "/api/limited-user",
            "auth": "required",
            "rate_limit": "tight",
            "upstream": "app",
        },
        {"name": "optional", "prefix": "/api/optional", "auth": "optional", "upstream": "app"},
        {"name": "mirrored", "prefix": "/api/mirrored", "shadow": "shadow", "upstream": "app"},
        {
            "name": "canary",
            "prefix": "/api/canary",
            "split": [{"upstream": "app", "weight": 50}, {"upstream": "other", "weight": 50}],
        },
        {
            "name": "weighted",
            "prefix": "/api/weighted",
            "split": [{"upstream": "app", "weight": 80}, {"upstream": "other", "weight": 20}],
        },
    ]
    return {
        "version": 1,
        "upstreams": upstreams,
        "auth": {
            "jwks": {"upstream": "keys", "path": "/jwks.json"},
            "issuer": ISSUER,
            "audience": AUDIENCE,
        },
        "rate_limits": {"tight": {"rate": "1/m", "burst": 2}},
        "defaults": {"auth": "none", "rate_limit": None, "timeout": 5.0, "retries": 0},
        "routes": routes,
    }


# --- HTTP, the only way the tests talk to a gateway ------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_code(self) -> str:
        """The code of the project's error shape; fails loudly if the shape is wrong."""
        body = self.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"code", "message", "details"}, body
        assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
        return str(body["error"]["code"])


def call(
    base: str,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
    timeout: float = 10.0,
    source: str | None = None,
) -> Response:
    """One request on a fresh connection; ``source`` picks the client's loopback address
    (any of 127.0.0.0/8), so a test can be many clients."""
    host, port = base.removeprefix("http://").split(":")
    source_address = (source, 0) if source else None
    conn = http.client.HTTPConnection(
        host, int(port), timeout=timeout, source_address=source_address
    )
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        for name, value in pairs:
            conn.putheader(name, value)
        framed = {n.lower() for n, _ in pairs} & {"content-length", "transfer-encoding"}
        if body is not None and not framed:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        reply = conn.getresponse()
        return Response(status=reply.status, headers=tuple(reply.getheaders()), body=reply.read())
    finally:
        conn.close()


# --- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey
    kid: str

    def token(self, sub: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "sub": sub,
            "typ": "access",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now - 5,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            **overrides,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> bytes:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return json.dumps({"keys": [jwk]}).encode()


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    upstreams: dict[str, RecordingUpstream]
    ports: dict[str, int]
    table_path: Path
    signer: Signer
    tmp: Path
    python: Gateway | None = None  # started once the world's upstreams listen

    def upstream(self, instance: str) -> RecordingUpstream:
        return self.upstreams[instance]

    def clear(self) -> None:
        for upstream in self.upstreams.values():
            upstream.clear()
            upstream.reset_rules()
            self.install_rules(upstream)

    def install_rules(self, upstream: RecordingUpstream) -> None:
        if upstream.name == "keys":
            upstream.reply(
                "/jwks.json",
                Reply(body=self.signer.jwks(), headers=(("Content-Type", "application/json"),)),
            )


@dataclass
class Gateway:
    kind: str
    base: str
    world: World
    group: ProcessGroup
    log_dir: Path
    notes: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, **kwargs: Any) -> Response:
        self.group.check_alive()
        return call(self.base, method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.call("GET", path, **kwargs)


def _gateway_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GATEWAY_"))}
    env.pop("REDIS_URL", None)  # the embedded in-memory limiter: no state across runs
    env.update(extra)
    return env


def start_python_gateway(world: World, log_dir: Path) -> Gateway:
    port = free_port()
    group = ProcessGroup(
        log_dir=log_dir,
        env=_gateway_env(
            {
                "GATEWAY_MAX_BODY": str(MAX_BODY),
                "PYTHONUNBUFFERED": "1",
                "TRACES_DIR": str(log_dir / "traces"),
            }
        ),
        cwd=ROOT,
    )
    argv = [
        sys.executable,
        "-m",
        "gateway",
        "serve",
        "--routes",
        str(world.table_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--access-log",
        str(log_dir / "access.log"),
    ]
    for name, upstream_port in world.ports.items():
        argv += ["--upstream-port", f"{name}={upstream_port}"]
    group.start("python-gateway", argv, ready_when_http_ok(f"http://127.0.0.1:{port}/health/live"))
    try:
        group.wait_ready(deadline_seconds=30)
    except ProcessFailed:
        group.stop()
        raise
    return Gateway("python", f"http://127.0.0.1:{port}", world, group, log_dir)


def nginx_prefix() -> Path:
    """A prefix nginx's workers can enter: when the tests run as root they drop to nobody."""
    prefix = Path(tempfile.mkdtemp(prefix="gw-nginx-"))
    prefix.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return prefix


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def skip_without_nginx() -> None:
    """Skips a test that runs nginx on a machine without it; in CI (which installs it in
    .ci/run) a missing nginx is a failure."""
    if not Path(NGINX).exists() and not os.environ.get("CI"):
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light; .ci/run does)")


def start_nginx(conf: str, prefix: Path, port: int, log_dir: Path) -> ProcessGroup:
    nginx = NGINX
    (prefix / "nginx.conf").write_text(conf)
    group = ProcessGroup(log_dir=log_dir, env=_gateway_env({}), cwd=prefix)
    argv = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"]
    group.start("nginx", argv, ready_when_http_ok(f"http://127.0.0.1:{port}/health/live"))
    try:
        group.wait_ready(deadline_seconds=20)
    except ProcessFailed:
        group.stop()
        raise
    return group


def start_nginx_gateway(world: World, log_dir: Path) -> Gateway:
    skip_without_nginx()
    assert world.python is not None, "the Python gateway is nginx's token verifier"
    verifier = world.python.base.removeprefix("http://")
    table = parse_route_table(route_table(), world.ports, source="conformance table")
    port = free_port()
    options = ExportOptions(
        listen=f"127.0.0.1:{port}",
        verifier=verifier,
        max_body=MAX_BODY,
        workers="1",
        access_log="access.log",
    )
    prefix = nginx_prefix()
    try:
        group = start_nginx(export_nginx(table, options), prefix, port, log_dir)
    except Exception:
        shutil.rmtree(prefix, ignore_errors=True)
        raise
    gateway = Gateway("nginx", f"http://127.0.0.1:{port}", world, group, log_dir)
    gateway.notes.append(str(prefix))
    return gateway


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("gateway-conformance")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = Signer(key=key, kid="conformance-key")
    upstreams: dict[str, RecordingUpstream] = {}
    ports: dict[str, int] = {}
    for instances in POOLS.values():
        for instance in instances:
            if instance in NEVER_LISTENING:
                ports[instance] = free_port()
                continue
            upstream = RecordingUpstream(instance).start()
            upstreams[instance] = upstream
            ports[instance] = upstream.port
    table_path = tmp / "routes.yaml"
    table_path.write_text(yaml.safe_dump(route_table(), sort_keys=False))
    world = World(upstreams=upstreams, ports=ports, table_path=table_path, signer=signer, tmp=tmp)
    world.clear()
    try:
        world.python = start_python_gateway(world, tmp / "python")
        yield world
    finally:
        if world.python is not None:
            world.python.group.stop()
        for upstream in upstreams.values():
            upstream.stop()


@pytest.fixture(scope="session", params=GATEWAYS)
def gateway_under_test(request: pytest.FixtureRequest, world: World) -> Iterator[Gateway]:
    kind = request.param
    if kind == "python":
        assert world.python is not None
        yield world.python
        return
    gateway = start_nginx_gateway(world, world.tmp / "nginx")
    try:
        yield gateway
    finally:
        gateway.group.stop()
        for note in gateway.notes:
            shutil.rmtree(note, ignore_errors=True)


@pytest.fixture
def gateway(gateway_under_test: Gateway) -> Gateway:
    """The gateway under test, with every upstream's log and rules fresh."""
    gateway_under_test.world.clear()
    return gateway_under_test
