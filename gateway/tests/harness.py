"""Real processes on loopback for the gateway's tests: recording upstreams and the gateway.

Every process gets a free port, readiness is polled with a deadline, and each one is stopped
by its pid when the test's :class:`Harness` closes.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from strangler.stages.processes import (
    ProcessGroup,
    free_port,
    ready_when_http_ok,
    ready_when_log_contains,
)

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_code(self) -> str | None:
        try:
            return str(self.json()["error"]["code"])
        except (ValueError, KeyError, TypeError):
            return None


@dataclass
class Upstream:
    name: str
    port: int
    log: Path
    down_file: Path

    def requests(self) -> list[dict[str, Any]]:
        """The complete requests the upstream got."""
        return [entry for entry in self._entries() if entry["kind"] == "request"]

    def heads(self) -> list[dict[str, Any]]:
        """Every request head that arrived, complete request or not."""
        return [entry for entry in self._entries() if entry["kind"] == "head"]

    def cut(self) -> list[dict[str, Any]]:
        """The requests whose connection ended before their body did."""
        return [entry for entry in self._entries() if entry["kind"] == "cut"]

    def _entries(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def paths(self) -> list[str]:
        return [entry["path"] for entry in self.requests()]


@dataclass
class Gateway:
    port: int
    routes: Path
    group: ProcessGroup
    access_log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        pid = self.group.processes[0].pid
        assert pid is not None
        return pid

    def log_text(self) -> str:
        return self.group.processes[0].log_tail(200)

    def call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float = 10.0,
        source: str | None = None,
    ) -> Reply:
        """``source``: the local address to connect from (any of 127.0.0.0/8 on loopback)."""
        conn = http.client.HTTPConnection(
            "127.0.0.1",
            self.port,
            timeout=timeout,
            source_address=(source, 0) if source is not None else None,
        )
        try:
            conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            return Reply(
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            conn.close()

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def raw(self, data: bytes, *, timeout: float = 10.0) -> bytes:
        """Send bytes as they are and read until the gateway closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(data)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)

    def reload(self) -> None:
        os.kill(self.pid, signal.SIGHUP)


@dataclass
class Harness:
    tmp: Path
    groups: list[ProcessGroup] = field(default_factory=list)

    @property
    def traces(self) -> Path:
        """Where the processes started here write their spans (the gateway's ``gateway.jsonl``)."""
        return self.tmp / "traces"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GATEWAY_"))}
        env.pop("REDIS_URL", None)
        env["PYTHONPATH"] = str(ROOT)
        env["TRACES_DIR"] = str(self.traces)
        env.update(extra or {})
        return env

    def upstream(self, name: str, *, jwks: Path | None = None) -> Upstream:
        port = free_port()
        log = self.tmp / f"upstream-{name}.jsonl"
        down = self.tmp / f"upstream-{name}.down"
        group = ProcessGroup(log_dir=self.tmp / "logs", env=self.env(), cwd=ROOT)
        argv = [sys.executable, "-m", "gateway.tests.upstream", "--port", str(port)]
        argv += ["--log", str(log), "--name", name, "--down-file", str(down)]
        if jwks is not None:
            argv += ["--jwks", str(jwks)]
        group.start(f"upstream-{name}", argv, ready_when_log_contains("listening"))
        self.groups.append(group)
        group.wait_ready(deadline_seconds=30)
        return Upstream(name=name, port=port, log=log, down_file=down)

    def gateway(
        self,
        table: Mapping[str, Any],
        ports: Mapping[str, int],
        env: Mapping[str, str] | None = None,
    ) -> Gateway:
        port = free_port()
        routes = self.tmp / f"routes-{port}.yaml"
        routes.write_text(yaml.safe_dump(dict(table), sort_keys=False))
        access_log = self.tmp / f"access-{port}.log"
        argv = [sys.executable, "-m", "gateway", "serve", "--routes", str(routes)]
        argv += ["--port", str(port), "--access-log", str(access_log)]
        for name, upstream_port in ports.items():
            argv += ["--upstream-port", f"{name}={upstream_port}"]
        group = ProcessGroup(log_dir=self.tmp / "logs", env=self.env(env), cwd=ROOT)
        group.start(
            f"gateway-{port}", argv, ready_when_http_ok(f"http://127.0.0.1:{port}/health/live")
        )
        self.groups.append(group)
        group.wait_ready(deadline_seconds=30)
        return Gateway(port=port, routes=routes, group=group, access_log=access_log)

    def refused_start(
        self, table: Mapping[str, Any], *args: str, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``python -m gateway serve`` on ``table`` with ``args``, for a start that must be
        refused (a bad flag or setting: exit 2, saying why on stderr): run to its exit, within
        a minute, its output captured."""
        port = free_port()
        routes = self.tmp / f"routes-{port}.yaml"
        routes.write_text(yaml.safe_dump(dict(table), sort_keys=False))
        argv = [sys.executable, "-m", "gateway", "serve", "--routes", str(routes)]
        argv += ["--port", str(port), "--access-log", "off", *args]
        return subprocess.run(
            argv,
            cwd=ROOT,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def close(self) -> None:
        for group in reversed(self.groups):
            group.stop(grace_seconds=5)


def table(
    routes: list[dict[str, Any]],
    upstreams: Mapping[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    return {"version": 1, "upstreams": dict(upstreams), "routes": routes, **extra}
