"""The real Prometheus scrapes the running latest stage with the configuration the kit writes.

``stage prometheus`` output (ports of this run, 1 s interval) is given to ``/usr/bin/prometheus``
(Debian package ``prometheus``); the test waits until every target is up, drives one customer
journey through the entrypoint, then asks Prometheus, not the services, for the figures.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings

from strangler.stages import prometheus as prometheus_config
from strangler.stages.journey import Journey
from strangler.stages.manifest import Stage, latest_stage
from strangler.stages.processes import free_port
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage

STAGE = latest_stage().number
BINARY = shutil.which("prometheus") or "/usr/bin/prometheus"
if not Path(BINARY).is_file() and not os.environ.get("CI"):
    pytest.skip(
        "no Prometheus binary (Debian: apt-get install prometheus); CI installs it in .ci/run",
        allow_module_level=True,
    )


@dataclass
class Prometheus:
    url: str
    stage: Stage
    jobs: dict[str, int]  # job -> number of targets

    def query(self, promql: str) -> list[tuple[dict[str, str], float]]:
        reply = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=5)
        reply.raise_for_status()
        body = reply.json()
        assert body["status"] == "success", body
        return [(r["metric"], float(r["value"][1])) for r in body["data"]["result"]]

    def value(self, promql: str) -> float | None:
        """The single value of ``promql``, or None while it has no sample."""
        result = self.query(promql)
        assert len(result) <= 1, f"{promql}: {result}"
        return result[0][1] if result else None

    def targets(self) -> list[dict[str, object]]:
        reply = requests.get(f"{self.url}/api/v1/targets", timeout=5)
        reply.raise_for_status()
        active: list[dict[str, object]] = reply.json()["data"]["activeTargets"]
        return active


@pytest.fixture(scope="module")
def scraped(
    stages: Callable[[int], StartedStage], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Prometheus, StartedStage]]:
    assert Path(BINARY).is_file(), f"CI must install Prometheus: no {BINARY}"
    started = stages(STAGE)
    stage = started.stage
    ports = {name: urlsplit(url).port or 0 for name, url in started.running.urls.items()}
    config = prometheus_config.scrape_config(
        stage, ports, with_optional=False, interval="1s", timeout="1s"
    )
    folder = tmp_path_factory.mktemp("prometheus")
    config_file = folder / "prometheus.yml"
    config_file.write_text(
        prometheus_config.render(stage, ports, with_optional=False, interval="1s", timeout="1s")
    )
    port = free_port()
    log = (folder / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    jobs = {job["job_name"]: len(job["static_configs"]) for job in config["scrape_configs"]}
    try:
        yield Prometheus(f"http://127.0.0.1:{port}", stage, jobs), started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()


def _all_up(prom: Prometheus) -> bool:
    try:
        targets = prom.targets()
    except requests.RequestException:
        return False  # Prometheus itself still starting
    expected = sum(prom.jobs.values())
    return len(targets) == expected and all(t["health"] == "up" for t in targets)


def _eventually_positive(prom: Prometheus, selector: str) -> None:
    eventually(
        lambda: (prom.value(f"sum({selector})") or 0) > 0,
        f"sum({selector}) > 0 in Prometheus",
    )


def _eventually_all_closed(prom: Prometheus) -> None:
    query = 'circuit_breaker_state{job="gateway",state="closed"}'
    last: list[list[tuple[dict[str, str], float]]] = [[]]

    def all_closed() -> bool:
        last[0] = prom.query(query)
        return bool(last[0]) and all(value == 1 for _, value in last[0])

    eventually(
        all_closed,
        lambda: f"{query}: 1 for every instance; last read: {last[0]}",
        deadline=30,
        poll=0.5,
    )


def test_prometheus_scrapes_every_service_and_the_messaging_figures(
    scraped: tuple[Prometheus, StartedStage],
) -> None:
    prom, started = scraped
    eventually(
        lambda: _all_up(prom),
        f"every target of {prom.jobs} up in Prometheus ({prom.url}/api/v1/targets)",
        deadline=60,
        poll=0.5,
    )

    facts = Journey(started.base_url).run().facts
    assert facts["order_status"] == "paid"

    for job in ("monolith", "notifications"):
        if job in prom.jobs:
            _eventually_positive(prom, f'django_http_requests_total_by_method_total{{job="{job}"}}')
            _eventually_positive(prom, f'django_db_execute_total{{job="{job}"}}')
    if "gateway" in prom.jobs:
        _eventually_positive(prom, 'gateway_requests_total{job="gateway"}')
        # Every upstream instance of a healthy stage: its breaker closed. On a loaded machine a
        # readiness check can miss its 1 s timeout twice and eject an instance until two checks
        # pass again (a few seconds): wait for that, and name what is still not closed.
        _eventually_all_closed(prom)

    if prom.stage.settings_env.get("ORDERS_INVENTORY_ADAPTER", "").endswith(".HttpInventory"):
        # stage 3 on: each monolith replica reports the breaker of its calls to inventory, the
        # same state (shared through Redis), closed after the journey's checkout
        breakers = prom.query(
            'circuit_breaker_state{job="monolith",client="monolith",upstream="inventory",'
            'state="closed"}'
        )
        assert len(breakers) == prom.jobs["monolith"], breakers
        assert all(value == 1 for _, value in breakers), breakers

    # Every outbox table of every monolith replica is measured, and the relay drains them: one
    # per context that publishes (stage 4's tag retired payments' and inventory's; main keeps them)
    outboxes = prom.query('events_outbox_unsent{job="monolith"}')
    assert len(outboxes) >= len(settings.OUTBOX_APPS) * prom.jobs["monolith"], outboxes
    eventually(
        lambda: prom.value('sum(events_outbox_unsent{job="monolith"})') == 0,
        "the outbox backlog back to 0 after the checkout",
    )
    if prom.stage.subscriptions:
        # the journey's order.paid was applied by the notifications consumer
        _eventually_positive(
            prom, 'events_processed_total{job="notifications",event_type="order.paid"}'
        )
        assert prom.value('sum(events_dead_letters{job="notifications"})') == 0
        queues = {
            labels["role"]: value
            for labels, value in prom.query('events_queue_messages_ready{job="notifications"}')
        }
        assert set(queues) == {"events", "dead_letters"}, queues
        assert queues["dead_letters"] == 0
    sources = prom.query("events_metrics_source_up")
    assert sources and all(value == 1 for _, value in sources), sources
