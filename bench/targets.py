"""The processes under test: the static upstream, the monolith, our gateway, exported nginx.

:class:`Bench` starts each target in its own process group (pinned, waited for by polling
readiness) and stops them all at the end: nginx answering a fixed JSON as the trivial
upstream, the monolith under gunicorn on a seeded SQLite database, ``python -m gateway
serve`` and nginx running the configuration exported from the same route table
(:func:`bench_table`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cpu import LOAD_CPU, PROXY_CPU, Pinning
from bench.progress import say
from strangler.routing.nginx import ExportOptions, export_nginx
from strangler.routing.table import parse_route_table
from strangler.stages.processes import ProcessFailed, ProcessGroup, free_port, ready_when_http_ok

ROOT = Path(__file__).resolve().parents[1]
STATIC_BODY = (
    '{"id": 1, "sku": "BENCH-0001", "name": "Benchmark desk lamp", "price": "19.99", '
    '"stock": 42, "active": true}'
)
TRIVIAL_PATH = "/trivial/item"
FEATURES_PATH = "/features/item"  # the same upstream, with auth, rate limit (and the log)
REAL_PATH = "/api/v1/products"


def _base_env() -> dict[str, str]:
    drop = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PYTEST_", "GATEWAY_", "DJANGO_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def static_nginx_conf(port: int) -> str:
    body = STATIC_BODY.replace("'", "\\'")
    return f"""daemon off;
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    access_log off;
    keepalive_requests 1000000;
    default_type application/json;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 '{body}'; }}
    }}
}}
"""


def bench_table() -> dict[str, Any]:
    health = {"path": "/health/ready", "interval": 2.0, "timeout": 1.0, "fall": 2, "rise": 2}
    return {
        "version": 1,
        "upstreams": {
            "static": {"instances": ["127.0.0.1:{static}"], "health": health},
            "monolith": {"instances": ["127.0.0.1:{monolith}"], "health": health},
        },
        # The limiter runs on the features and real routes (as in stage 1) but never says no
        # under load.
        "rate_limits": {"bench": {"rate": "1000000/s", "burst": 1000000}},
        # auth: none except on the features route: with auth, nginx adds an auth_request round
        # trip to the Python gateway per request (even without a token), measured with it.
        "defaults": {"auth": "none", "rate_limit": None, "timeout": 30.0, "retries": 0},
        "routes": [
            {"name": "trivial", "prefix": "/trivial", "upstream": "static"},
            {
                "name": "features",
                "prefix": "/features",
                "auth": "optional",  # no token is sent: anonymous, as most public traffic
                "rate_limit": "bench",
                "upstream": "static",
            },
            {
                "name": "products",
                "prefix": "/api/v1/products",
                "rate_limit": "bench",
                "upstream": "monolith",
            },
        ],
    }


@dataclass
class Bench:
    args: argparse.Namespace
    tmp: Path
    pinning: Pinning
    groups: list[ProcessGroup] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)  # name -> session id (leader pid)

    def group(self, name: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> ProcessGroup:
        group = ProcessGroup(log_dir=self.tmp / "logs", env=env or _base_env(), cwd=cwd)
        self.groups.append(group)
        return group

    def start(
        self,
        name: str,
        argv: Sequence[str],
        ready_url: str,
        *,
        cpu: str,
        deadline: float = 60,
        env: dict[str, str] | None = None,
    ) -> None:
        group = self.group(name, env)
        process = group.start(name, self.pinning.argv(cpu, argv), ready_when_http_ok(ready_url))
        self.sessions[name] = process.pid or 0
        group.wait_ready(deadline_seconds=deadline)

    def nginx(self, name: str, conf: str, port: int, ready_path: str, cpu: str) -> None:
        prefix = self.tmp / name
        prefix.mkdir(mode=0o755)
        (prefix / "nginx.conf").write_text(conf)
        argv = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(prefix)]
        argv += ["-c", str(prefix / "nginx.conf"), "-e", "stderr"]
        self.start(name, argv, f"http://127.0.0.1:{port}{ready_path}", cpu=cpu, deadline=20)

    def start_static(self) -> None:
        port = self.ports["static"] = free_port()
        say(f"static upstream: nginx answering a {len(STATIC_BODY)}-byte JSON on :{port}")
        self.nginx("static", static_nginx_conf(port), port, "/", LOAD_CPU)

    def start_monolith(self) -> None:
        env = {**_base_env(), "STRANGLER_VAR_DIR": str(self.tmp / "var")}
        env["DJANGO_SETTINGS_MODULE"] = "monolith.shop.settings"
        for step in (["migrate", "--noinput"], ["seed_demo"]):
            say(f"monolith set-up: manage.py {' '.join(step)} (SQLite under {self.tmp / 'var'})")
            result = subprocess.run(
                [sys.executable, "manage.py", *step],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if result.returncode != 0:
                raise ProcessFailed(f"manage.py {step[0]} failed:\n{result.stdout}{result.stderr}")
        port = self.ports["monolith"] = free_port()
        say(f"monolith: gunicorn (2 workers x 4 threads) on :{port}")
        argv = [sys.executable, "-m", "gunicorn", "monolith.shop.wsgi:application"]
        argv += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
        group = self.group("monolith", env)
        process = group.start(
            "monolith",
            self.pinning.argv(LOAD_CPU, argv),
            ready_when_http_ok(f"http://127.0.0.1:{port}/health/ready"),
        )
        self.sessions["monolith"] = process.pid or 0
        group.wait_ready(deadline_seconds=90)

    def start_gateway(self, table_path: Path) -> None:
        if not (ROOT / "gateway" / "__main__.py").exists():
            raise ProcessFailed("the Python gateway is not there yet (gateway/__main__.py)")
        port = self.ports["gateway"] = free_port()
        say(f"our gateway: python -m gateway serve on :{port}, pinned to core {PROXY_CPU}")
        argv = [sys.executable, "-m", "gateway", "serve", "--routes", str(table_path)]
        argv += ["--host", "127.0.0.1", "--port", str(port)]
        argv += ["--access-log", str(self.tmp / "gateway-access.log")]
        for name in ("static", "monolith"):
            argv += ["--upstream-port", f"{name}={self.ports[name]}"]
        # Traced as in a stage: a span per request (wrk sends no traceparent: each is a root).
        env = {**_base_env(), "TRACES_DIR": str(self.tmp / "traces")}
        self.start("gateway", argv, f"http://127.0.0.1:{port}/health/live", cpu=PROXY_CPU, env=env)

    def start_proxy_nginx(self, data: dict[str, Any] | None = None) -> None:
        """``data``: the route table to export (default :func:`bench_table`)."""
        port = self.ports["nginx"] = free_port()
        say(f"nginx: the exported configuration on :{port}, pinned to core {PROXY_CPU}")
        table = parse_route_table(data or bench_table(), self.ports, source="bench table")
        options = ExportOptions(
            listen=f"127.0.0.1:{port}",
            workers="1",
            access_log="access.log",
            # the features route's auth_request goes to our gateway's /_gateway/verify
            verifier=f"127.0.0.1:{self.ports['gateway']}" if "gateway" in self.ports else None,
        )
        self.nginx("proxy-nginx", export_nginx(table, options), port, "/health/live", PROXY_CPU)

    def stop(self) -> None:
        for group in reversed(self.groups):
            group.stop()
