"""The nginx export: what it writes, what it refuses, and that real nginx accepts the result.

Behaviour on the wire is the conformance suite's job (test_conformance.py runs every test on
nginx too); here: the export's decisions, its CLI, and ``nginx -t`` on every exported file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from strangler.routing.model import RouteTable
from strangler.routing.nginx import ExportOptions, NginxExportError, export_nginx
from strangler.routing.table import load_route_table, parse_route_table
from strangler.stages.processes import ProcessGroup, free_port, ready_when_http_ok
from strangler.testing import eventually
from tests.gateway.conftest import NGINX, call, nginx_prefix, route_table, skip_without_nginx

ROOT = Path(__file__).resolve().parents[2]
STAGE_1 = ROOT / "gateway" / "routes" / "stage-1.yaml"
STAGE_1_PORTS = {"monolith": 8001, "monolith-grpc": 8011}


def table(routes: list[dict[str, Any]], **extra: Any) -> RouteTable:
    data: dict[str, Any] = {
        "version": 1,
        "upstreams": {
            "monolith": {"instances": ["127.0.0.1:{monolith}"]},
            "v2": {"instances": ["127.0.0.1:9002", "127.0.0.1:9003"], "balance": "least_conn"},
            "grpc": {"instances": ["127.0.0.1:9004"], "protocol": "grpc"},
        },
        "rate_limits": {
            "login": {"rate": "10/m", "burst": 5},
            "fast": {"rate": "50/s", "burst": 100},
        },
        "defaults": {"auth": "none"},
        "routes": routes,
        **extra,
    }
    return parse_route_table(data, {"monolith": 8001}, source="test table")


@pytest.fixture
def prefix() -> Iterator[Path]:
    """A prefix for ``nginx -t``: the tests that take it run nginx."""
    skip_without_nginx()
    path = nginx_prefix()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def nginx_accepts(conf: str, prefix: Path) -> None:
    (prefix / "nginx.conf").write_text(conf)
    result = subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def stage_1() -> RouteTable:
    return load_route_table(STAGE_1, STAGE_1_PORTS)


# --- real nginx accepts what we write ---------------------------------------------------------


def test_stage_1_table_exports_to_a_config_nginx_accepts(prefix: Path) -> None:
    conf = export_nginx(
        stage_1(), ExportOptions(listen="127.0.0.1:8000", verifier="127.0.0.1:8000")
    )

    nginx_accepts(conf, prefix)
    assert "upstream monolith {" in conf
    assert "server 127.0.0.1:8001 max_fails=3" in conf
    assert "# route order-summary left out: answered by the handler" in conf


def test_stage_1_handlers_go_to_the_python_gateway_when_it_is_named(prefix: Path) -> None:
    options = ExportOptions(
        listen="127.0.0.1:8080", verifier="127.0.0.1:8000", handlers_upstream="127.0.0.1:8000"
    )

    conf = export_nginx(stage_1(), options)

    nginx_accepts(conf, prefix)
    assert "upstream gw_handlers {" in conf
    assert 'location ~ "^/api/v1/orders/(?:[0-9]+)/summary$"' in conf
    assert "left out" not in conf


def test_conformance_table_exports_to_a_config_nginx_accepts(prefix: Path) -> None:
    ports = {name: 20000 + i for i, name in enumerate(sorted(_placeholders()))}
    routes = parse_route_table(route_table(), ports, source="conformance")

    nginx_accepts(export_nginx(routes, ExportOptions(verifier="127.0.0.1:1")), prefix)


def _placeholders() -> set[str]:
    from tests.gateway.conftest import POOLS

    return {instance for instances in POOLS.values() for instance in instances}


# --- what the export writes -------------------------------------------------------------------


def test_prefix_route_becomes_an_exact_and_a_subtree_location() -> None:
    conf = export_nginx(
        table([{"name": "p", "prefix": "/api/p", "upstream": "monolith"}]), ExportOptions()
    )

    assert "location = /api/p {" in conf
    assert "location /api/p/ {" in conf
    assert "location / {" in conf  # everything else: the JSON 404


def test_methods_become_a_405_with_allow() -> None:
    conf = export_nginx(
        table([{"name": "p", "prefix": "/p", "methods": ["GET", "HEAD"], "upstream": "monolith"}]),
        ExportOptions(),
    )

    assert 'if ($request_method !~ "^(GET|HEAD)$")' in conf
    assert 'add_header Allow "GET, HEAD" always;' in conf
    assert '"code": "method_not_allowed"' in conf


def test_rate_limits_keep_their_unit_and_key_anonymous_routes_on_the_ip() -> None:
    conf = export_nginx(
        table(
            [
                {
                    "name": "login",
                    "prefix": "/login",
                    "rate_limit": "login",
                    "upstream": "monolith",
                },
                {"name": "api", "prefix": "/api", "rate_limit": "fast", "upstream": "monolith"},
            ]
        ),
        ExportOptions(),
    )

    assert "zone=rl_login:10m rate=10r/m;" in conf
    assert "zone=rl_fast:10m rate=50r/s;" in conf
    assert "limit_req zone=rl_login burst=5 nodelay;" in conf
    assert "set $gw_retry_after 6;" in conf  # one request per 6 s
    # auth: none -> never a token, so a random Authorization header cannot buy a fresh budget
    assert conf.count("set $gw_rl_client $binary_remote_addr;") == 4
    assert "cannot key on the user id" in conf


def test_timeouts_retries_rewrite_and_shadow() -> None:
    conf = export_nginx(
        table(
            [
                {
                    "name": "p",
                    "prefix": "/old",
                    "timeout": 2.5,
                    "retries": 2,
                    "rewrite": {"from": "/old", "to": "/"},
                    "shadow": "v2",
                    "upstream": "monolith",
                }
            ]
        ),
        ExportOptions(),
    )

    assert "proxy_read_timeout 2500ms;" in conf
    assert "proxy_connect_timeout 2s;" in conf
    assert "proxy_next_upstream_tries 3;" in conf
    assert 'rewrite "^/old(?:/(.*))?$" /$1 break;' in conf
    assert "mirror /_gw_mirror/p;" in conf
    assert "location = /_gw_mirror/p {" in conf
    assert "least_conn;" in conf  # v2, named only as the shadow


def test_weighted_split_becomes_split_clients() -> None:
    conf = export_nginx(
        table(
            [
                {
                    "name": "canary",
                    "prefix": "/p",
                    "split": [
                        {"upstream": "monolith", "weight": 95},
                        {"upstream": "v2", "weight": 5},
                    ],
                }
            ]
        ),
        ExportOptions(),
    )

    assert 'split_clients "$gw_client_key" $gw_split_canary {' in conf
    assert "95% monolith;" in conf
    assert "* v2;" in conf
    assert "proxy_pass http://$gw_split_canary;" in conf


def test_auth_routes_check_tokens_through_auth_request() -> None:
    conf = export_nginx(
        table([{"name": "me", "prefix": "/me", "auth": "required", "upstream": "monolith"}]),
        ExportOptions(verifier="127.0.0.1:8000"),
    )

    assert "auth_request /_gateway/verify;" in conf
    assert "auth_request_set $gw_user_id $upstream_http_x_user_id;" in conf
    assert "proxy_set_header X-User-Id $gw_user_id;" in conf
    assert "server 127.0.0.1:8000;" in conf


# --- what the export refuses ------------------------------------------------------------------


def test_auth_routes_without_a_verifier_are_refused() -> None:
    routes = table([{"name": "me", "prefix": "/me", "auth": "optional", "upstream": "monolith"}])

    with pytest.raises(NginxExportError, match="routes me check tokens: pass --verifier"):
        export_nginx(routes, ExportOptions())


def test_a_claims_match_alone_is_refused_naming_the_route() -> None:
    routes = table(
        [
            {
                "name": "admins",
                "prefix": "/p",
                "match": {"claims": {"role": "admin"}},
                "upstream": "v2",
            }
        ]
    )

    with pytest.raises(NginxExportError, match="route admins: nginx cannot match on token claims"):
        export_nginx(routes, ExportOptions())


def test_a_canary_variant_is_left_out_with_a_comment() -> None:
    routes = table(
        [
            {
                "name": "admins",
                "prefix": "/p",
                "match": {"claims": {"role": "admin"}},
                "upstream": "v2",
            },
            {"name": "everyone", "prefix": "/p", "upstream": "monolith"},
        ]
    )

    conf = export_nginx(routes, ExportOptions())

    assert "# route admins left out: a canary variant" in conf
    assert "set $gw_route everyone;" in conf
    assert "set $gw_route admins;" not in conf


def test_per_method_upstreams_on_one_prefix_are_refused() -> None:
    routes = table(
        [
            {"name": "reads", "prefix": "/p", "methods": ["GET"], "upstream": "v2"},
            {"name": "writes", "prefix": "/p", "methods": ["POST"], "upstream": "monolith"},
        ]
    )

    with pytest.raises(NginxExportError, match="routes reads, writes"):
        export_nginx(routes, ExportOptions())


def test_a_route_to_a_grpc_upstream_is_refused() -> None:
    routes = table([{"name": "g", "prefix": "/g", "upstream": "grpc"}])

    with pytest.raises(NginxExportError, match="route g: upstream grpc speaks grpc"):
        export_nginx(routes, ExportOptions())


def test_upstream_names_of_the_export_itself_are_refused() -> None:
    data: dict[str, Any] = {
        "version": 1,
        "upstreams": {"gw_verifier": {"instances": ["127.0.0.1:9000"]}},
        "routes": [{"name": "p", "prefix": "/p", "auth": "none", "upstream": "gw_verifier"}],
    }
    routes = parse_route_table(data, {}, source="test table")

    with pytest.raises(NginxExportError, match="upstream gw_verifier: names starting with 'gw_'"):
        export_nginx(routes, ExportOptions())


def test_every_problem_is_reported_at_once() -> None:
    routes = table(
        [
            {"name": "g", "prefix": "/g", "upstream": "grpc"},
            {"name": "me", "prefix": "/me", "auth": "required", "upstream": "monolith"},
        ]
    )

    with pytest.raises(NginxExportError) as raised:
        export_nginx(routes, ExportOptions())

    assert len(raised.value.problems) == 2


# --- the CLI ----------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strangler.routing", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def write_table(path: Path, routes: list[dict[str, Any]]) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "upstreams": {"monolith": {"instances": ["127.0.0.1:{monolith}"]}},
                "routes": routes,
            }
        )
    )
    return path


def test_cli_check_prints_the_routes_and_placeholders(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "t.yaml", [{"name": "p", "prefix": "/p", "auth": "none", "upstream": "monolith"}]
    )

    result = run_cli("check", str(path))

    assert result.returncode == 0, result.stderr
    assert "valid, 1 routes" in result.stdout
    assert "127.0.0.1:{monolith}" in result.stdout
    assert "prefix /p" in result.stdout


def test_cli_check_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "t.yaml",
        [
            {"name": "p", "prefix": "/p", "upstream": "nowhere"},
            {"name": "q", "prefix": "/q/", "upstream": "monolith", "retires": 1},
        ],
    )

    result = run_cli("check", str(path))

    assert result.returncode == 1
    assert "unknown upstream 'nowhere'" in result.stderr
    assert "retires" in result.stderr
    assert "must not end with '/'" in result.stderr


def test_cli_export_writes_a_config_nginx_accepts(tmp_path: Path, prefix: Path) -> None:
    path = write_table(
        tmp_path / "t.yaml", [{"name": "p", "prefix": "/p", "auth": "none", "upstream": "monolith"}]
    )

    result = run_cli(
        "export-nginx",
        "--routes",
        str(path),
        "--upstream-port",
        "monolith=8001",
        "--listen",
        "127.0.0.1:8000",
        "--max-body",
        "1m",
        "--out",
        str(prefix / "nginx.conf"),
    )

    assert result.returncode == 0, result.stderr
    conf = (prefix / "nginx.conf").read_text()
    assert "client_max_body_size 1048576;" in conf
    nginx_accepts(conf, prefix)


def test_cli_export_takes_replicas_like_the_gateway(tmp_path: Path, prefix: Path) -> None:
    path = write_table(
        tmp_path / "t.yaml", [{"name": "p", "prefix": "/p", "auth": "none", "upstream": "monolith"}]
    )

    result = run_cli(
        "export-nginx",
        "--routes",
        str(path),
        "--upstream",
        "monolith=127.0.0.1:8001,127.0.0.1:8011",
        "--out",
        str(prefix / "nginx.conf"),
    )

    assert result.returncode == 0, result.stderr
    conf = (prefix / "nginx.conf").read_text()
    assert "server 127.0.0.1:8001 " in conf
    assert "server 127.0.0.1:8011 " in conf
    nginx_accepts(conf, prefix)


def test_cli_export_refusal_exits_1_with_the_reason(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "t.yaml",
        [{"name": "p", "prefix": "/p", "auth": "required", "upstream": "monolith"}],
    )

    result = run_cli("export-nginx", "--routes", str(path), "--upstream-port", "monolith=8001")

    assert result.returncode == 1
    assert "pass --verifier" in result.stderr


# --- the exported stage-1 configuration in front of the real monolith ---------------------------


def _routes(base: str) -> bool:
    return call(base, "GET", "/api/v1/products").status == 200


@pytest.fixture(scope="module")
def stage_1_behind_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Monolith (SQLite, seeded), our gateway as verifier and handler host, nginx in front."""
    skip_without_nginx()
    tmp = tmp_path_factory.mktemp("stage-1-nginx")
    drop = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PYTEST_", "GATEWAY_", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(STRANGLER_VAR_DIR=str(tmp / "var"), DJANGO_SETTINGS_MODULE="monolith.shop.settings")
    for step in (["migrate", "--noinput"], ["seed_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *step],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    ports = {"monolith": free_port(), "monolith-grpc": free_port()}
    gateway_port, nginx_port = free_port(), free_port()
    group = ProcessGroup(log_dir=tmp / "logs", env=env, cwd=ROOT)
    prefix = nginx_prefix()
    try:
        monolith = [sys.executable, "-m", "gunicorn", "monolith.shop.wsgi:application"]
        monolith += ["--bind", f"127.0.0.1:{ports['monolith']}", "--workers", "1", "--threads", "4"]
        group.start(
            "monolith",
            monolith,
            ready_when_http_ok(f"http://127.0.0.1:{ports['monolith']}/health/ready"),
        )
        argv = [sys.executable, "-m", "gateway", "serve", "--routes", str(STAGE_1)]
        argv += ["--host", "127.0.0.1", "--port", str(gateway_port)]
        for name, port in ports.items():
            argv += ["--upstream-port", f"{name}={port}"]
        group.start(
            "gateway", argv, ready_when_http_ok(f"http://127.0.0.1:{gateway_port}/health/live")
        )
        options = ExportOptions(
            listen=f"127.0.0.1:{nginx_port}",
            verifier=f"127.0.0.1:{gateway_port}",
            handlers_upstream=f"127.0.0.1:{gateway_port}",
            workers="1",
        )
        (prefix / "nginx.conf").write_text(export_nginx(load_route_table(STAGE_1, ports), options))
        group.start(
            "nginx",
            [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"],
            ready_when_http_ok(f"http://127.0.0.1:{nginx_port}/health/live"),
        )
        group.wait_ready(deadline_seconds=90)
        bases = {
            "gateway": f"http://127.0.0.1:{gateway_port}",
            "nginx": f"http://127.0.0.1:{nginx_port}",
        }
        # Each proxy is live before its first health check has put the monolith in its pool:
        # wait until a routed request gets through both.
        for kind, base in bases.items():
            eventually(partial(_routes, base), f"{kind} routing to the monolith", deadline=60)
        yield bases
    finally:
        group.stop()
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.mark.e2e
def test_exported_stage_1_answers_like_our_gateway_in_front_of_the_monolith(
    stage_1_behind_nginx: dict[str, str],
) -> None:
    seen: dict[str, list[tuple[int, str]]] = {}
    for kind, base in stage_1_behind_nginx.items():
        login = call(
            base,
            "POST",
            "/api/v1/auth/token",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"email": "demo@example.com", "password": "demo-password-1"}).encode(),
        )
        assert login.status == 200, (kind, login.body[:300])
        bearer = {"Authorization": f"Bearer {login.json()['access']}"}
        replies = [
            call(base, "GET", "/api/v1/products"),
            call(base, "GET", "/api/v1/products/no-such-sku"),
            call(base, "GET", "/api/v1/me", headers=bearer),
            call(base, "GET", "/api/v1/me"),
            call(base, "GET", "/api/v1/orders/999999/summary", headers=bearer),
            call(base, "GET", "/api/v1/nothing-here"),
        ]
        seen[kind] = [
            (r.status, r.error_code if r.status >= 400 else r.json().__class__.__name__)
            for r in replies
        ]
    assert seen["nginx"] == seen["gateway"]
    assert [status for status, _ in seen["nginx"]] == [200, 404, 200, 401, 404, 404]
