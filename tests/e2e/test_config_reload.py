"""Stage 5 end to end: a setting changed in Git and synced reaches a running service.

The stage's set-up pushed ``deploy/config/`` to the central store (the embedded one here, a
folder of files; etcd where ``CONFIG_STORE_URL`` names it). The test syncs a copy of that
folder with the payments service's ``FRAUD_BREAKER_FAILURES`` lowered to 1, waits until the
service reports the new revision in its ``/metrics``, stops the fraud service, and sees the
circuit open after one failed checkout instead of five (the payments service's answer,
passed on by the monolith to the client): the process was not restarted. The history then
names the change, its author and its source. Fraud is started again, and the folder synced
back, before the test ends, and the cart checks out once the circuit's trial has closed it.
A flag works the same way: ``CUSTOMERS_REGISTRATION_OPEN`` synced off closes registration on
every monolith replica (403, nothing written), synced back on reopens it, with no restart. So
does the gateway's rate limit on the log-in: lowered in ``gateway.yaml`` and synced, the next
attempts from one address meet it, with no reload.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import pytest
import requests

from strangler.config import REPO_ROOT
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage
from tests.e2e.shoppers import Shopper, skus

STAGE = 5
REVISION = re.compile(r'^strangler_config_revision\{service="(\w+)"\} (\d+)', re.MULTILINE)


def _config(started: StartedStage, *args: str) -> str:
    store = f"file://{started.env['STRANGLER_VAR_DIR']}/config"
    result = subprocess.run(
        [sys.executable, "-m", "strangler", "config", *args, "--store", store],
        cwd=REPO_ROOT,
        env=started.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _revision(started: StartedStage, process: str = "payments") -> int:
    metrics = requests.get(f"{started.running.urls[process]}/metrics", timeout=10).text
    revisions = {service: int(revision) for service, revision in REVISION.findall(metrics)}
    return revisions.get(process, 0)


@contextmanager
def _synced(started: StartedStage, folder: Path) -> Iterator[int]:
    """The folder synced; the repository's synced back at the end, whatever happened."""
    output = _config(started, "sync", "--folder", str(folder))
    [revision] = [int(n) for n in re.findall(r"revision (\d+)", output)][-1:]
    try:
        yield revision
    finally:
        _config(started, "sync", "--folder", str(REPO_ROOT / "deploy" / "config"))


def _changed_copy(tmp_path: Path, service: str, name: str, value: str) -> Path:
    """A copy of the repository's folder in which ``service``'s ``name`` is ``value``."""
    folder = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "deploy" / "config", folder)
    source = (folder / f"{service}.yaml").read_text()
    changed = re.sub(rf"(?m)^{name}: [^ #]+", f"{name}: {value}", source)
    assert changed != source, f"deploy/config/{service}.yaml sets {name} to another value"
    (folder / f"{service}.yaml").write_text(changed)
    return folder


@pytest.fixture
def lowered(tmp_path: Path) -> Path:
    return _changed_copy(tmp_path, "payments", "FRAUD_BREAKER_FAILURES", "1")


def test_a_synced_change_reaches_the_running_service_without_a_restart(
    stages: Callable[[int], StartedStage], lowered: Path
) -> None:
    started = stages(STAGE)
    shopper = Shopper(started.base_url)
    shopper.add_to_cart(skus(started.base_url)[-4], 1)
    pids = [p.pid for p in started.running.group.processes if p.name == "payments"]

    assert "in sync" in _config(started, "diff")
    with _synced(started, lowered) as revision:
        eventually(
            lambda: _revision(started) >= revision,
            f"the payments service on config revision {revision}",
            deadline=30,
        )
        with started.stopped("fraud"):
            first = shopper.checkout(timeout=30)
            assert first.status_code == 503, first.text
            assert "could not be reached" in first.json()["error"]["message"]
            refused = shopper.checkout(timeout=30)
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["details"].get("circuit") == "open", refused.text

        history = _config(started, "history", "--service", "payments")
        assert re.search(r"FRAUD_BREAKER_FAILURES\s.*\b5\b.*\b1\b", history), history

    assert [p.pid for p in started.running.group.processes if p.name == "payments"] == pids, (
        "the payments service was restarted"
    )

    # fraud back, the breaker's reset time past: its trial call goes through and closes the
    # circuit, and the cart checks out (the stage's other tests find checkouts working)
    def checked_out() -> bool:
        answer = shopper.checkout(timeout=30)
        assert answer.status_code in (201, 503), answer.text
        return answer.status_code == 201

    eventually(checked_out, "a checkout once fraud is back", deadline=60, poll=1)


def test_a_flag_synced_off_pauses_registration_at_once_and_on_again_reopens_it(
    stages: Callable[[int], StartedStage], tmp_path: Path
) -> None:
    started = stages(STAGE)
    folder = _changed_copy(tmp_path, "monolith", "CUSTOMERS_REGISTRATION_OPEN", "false")
    pids = {p.name: p.pid for p in started.running.group.processes}

    def register() -> int:  # a new e-mail each time: a 403 must have written nothing
        body = {
            "email": f"flag-{uuid.uuid4().hex[:10]}@example.com",
            "password": "pass-9-word",
            "full_name": "Flag Tester",
        }
        url = f"{started.base_url}/api/v1/auth/register"
        reply = requests.post(url, json=body, timeout=30)
        assert reply.status_code in (201, 403), reply.text
        return reply.status_code

    def answers(status: int) -> Callable[[], bool]:  # both replicas: a few in a row
        return lambda: all(register() == status for _ in range(4))

    with _synced(started, folder):
        eventually(answers(403), "registration closed on every replica", deadline=30, poll=0.5)
    eventually(answers(201), "registration open again", deadline=30, poll=0.5)
    assert {p.name: p.pid for p in started.running.group.processes} == pids, "a restart"


ADDRESSES = (f"127.0.0.{n}" for n in count(20))


def _log_in_attempts(started: StartedStage, n: int) -> list[int]:
    """``n`` log-ins with a wrong password through the gateway, from a loopback address no
    request came from before (the log-in's limit counts per address)."""
    host, port = started.base_url.removeprefix("http://").split(":")
    source = next(ADDRESSES)
    body = json.dumps({"email": "nobody@example.com", "password": "wrong-pass-1"})
    statuses = []
    for _ in range(n):
        conn = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
        try:
            conn.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
            statuses.append(conn.getresponse().status)
        finally:
            conn.close()
    return statuses


def test_a_rate_limit_synced_down_applies_at_the_gateway_without_a_reload(
    stages: Callable[[int], StartedStage], tmp_path: Path
) -> None:
    started = stages(STAGE)
    folder = _changed_copy(tmp_path, "gateway", "RATE_LIMIT_LOGIN_BURST", "1")
    [gateway] = [p.pid for p in started.running.group.processes if p.name == "gateway"]
    assert _log_in_attempts(started, 3) == [401, 401, 401]

    with _synced(started, folder) as revision:
        eventually(
            lambda: _revision(started, "gateway") >= revision,
            f"the gateway on config revision {revision}",
            deadline=30,
        )
        assert _log_in_attempts(started, 3) == [401, 401, 429]
    eventually(
        lambda: _log_in_attempts(started, 3) == [401, 401, 401],
        "the repository's limit again",
        deadline=30,
        poll=0.5,
    )
    assert [p.pid for p in started.running.group.processes if p.name == "gateway"] == [gateway]
