"""``python -m gateway serve --upstream NAME=HOST:PORT,...`` on real processes: the instances
given on the command line replace the table's, are balanced over, and survive a reload."""

from __future__ import annotations

import json
import os
import signal
import sys
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
import yaml

from gateway.tests.harness import ROOT, Harness
from strangler.stages.processes import ProcessGroup, free_port, http_ok, ready_when_http_ok
from strangler.testing import eventually

# The file lists one instance behind a placeholder nobody fills: only the flag can make it run.
TABLE = {
    "version": 1,
    "upstreams": {"app": {"instances": ["127.0.0.1:{app}"]}},
    "routes": [{"name": "api", "prefix": "/api", "upstream": "app", "auth": "none"}],
}


def gateway_argv(routes: Path, port: int, *extra: str) -> list[str]:
    argv = [sys.executable, "-m", "gateway", "serve", "--routes", str(routes)]
    return [*argv, "--port", str(port), "--access-log", "off", *extra]


def test_two_instances_given_on_the_command_line_are_balanced_and_kept_on_reload(
    harness: Harness, tmp_path: Path
) -> None:
    one, two = harness.upstream("one"), harness.upstream("two")
    routes = tmp_path / "routes.yaml"
    routes.write_text(yaml.safe_dump(TABLE))
    port = free_port()
    group = ProcessGroup(log_dir=tmp_path / "logs", env=harness.env(), cwd=ROOT)
    harness.groups.append(group)
    flag = f"app=127.0.0.1:{one.port},127.0.0.1:{two.port}"
    gateway = group.start(
        "gateway",
        gateway_argv(routes, port, "--upstream", flag),
        ready_when_http_ok(f"http://127.0.0.1:{port}/health/ready"),
    )
    group.wait_ready(deadline_seconds=30)

    def served() -> Counter[str]:
        counts: Counter[str] = Counter()
        for _ in range(10):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/x", timeout=10) as reply:
                counts[json.loads(reply.read())["instance"]] += 1
        return counts

    assert served() == {"one": 5, "two": 5}

    assert gateway.pid is not None
    os.kill(gateway.pid, signal.SIGHUP)
    eventually(lambda: "route table reloaded" in gateway.log_tail(50), "the gateway reloaded")
    assert http_ok(f"http://127.0.0.1:{port}/health/ready")
    assert served() == {"one": 5, "two": 5}


@pytest.mark.parametrize(
    ("flag", "says"),
    [
        ("nope=127.0.0.1:1", "--upstream nope: the table has no such upstream (it has: app)"),
        ("app=127.0.0.1", "'127.0.0.1' is not HOST:PORT"),
        ("app", "expected NAME=HOST:PORT"),
    ],
)
def test_an_unknown_upstream_or_a_bad_address_exits_with_2_and_says_why(
    harness: Harness, flag: str, says: str
) -> None:
    result = harness.refused_start(TABLE, "--upstream", flag)

    assert result.returncode == 2, result.stderr
    assert says in result.stderr
