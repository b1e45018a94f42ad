"""A running gateway takes its rate limits from the config store, and their changes at once.

A real gateway process reads a file store (the embedded one; etcd's client is the same agent,
tested in strangler/configstore) named by ``CONFIG_STORE_URL`` with ``CONFIG_STORE=on``, as
from stage 5. Each phase counts from a loopback address of its own, so one phase's spent
budget is not the next one's.
"""

from __future__ import annotations

import re
from itertools import count

import yaml

from gateway.policy.live_limits import table_values
from gateway.tests.harness import ROOT, Gateway, Harness, table
from strangler.configstore.files import FileStore
from strangler.configstore.folder import read_folder
from strangler.http.testing import closed_port_url
from strangler.routing.table import load_route_table
from strangler.stages.manifest import DEFAULT_PORTS
from strangler.testing import eventually

ROUTES = [{"name": "limited", "prefix": "/limited", "upstream": "app", "rate_limit": "tight"}]
UPSTREAMS = {"app": {"instances": ["127.0.0.1:{app}"]}}
LIMITS = {"tight": {"rate": "1/m", "burst": 2}}
ADDRESSES = (f"127.0.0.{n}" for n in count(10))


def _gateway_on_a_store(harness: Harness, **stored: int | str) -> tuple[FileStore, Gateway]:
    """A gateway in front of one upstream, with LIMITS in its table and a file store that
    holds ``stored`` before it starts."""
    app = harness.upstream("app")
    folder = harness.tmp / "config"
    store = FileStore(str(folder))
    _set(store, **stored)
    env = {"CONFIG_STORE": "on", "CONFIG_STORE_URL": f"file://{folder}"}
    routes = table(ROUTES, UPSTREAMS, rate_limits=LIMITS)
    return store, harness.gateway(routes, {"app": app.port}, env=env)


def _set(store: FileStore, **values: int | str | None) -> int:
    return store.apply("gateway", values, author="test", source="test")


def _statuses(gateway: Gateway, n: int) -> list[int]:
    """``n`` requests from a loopback address no request came from before."""
    source = next(ADDRESSES)
    return [gateway.get("/limited", source=source).status for _ in range(n)]


def _revision(gateway: Gateway) -> int:
    metrics = gateway.get("/metrics").body.decode()
    found = re.search(r'^strangler_config_revision\{service="gateway"\} (\d+)', metrics, re.M)
    return int(found.group(1)) if found else -1


def test_the_store_overrides_the_tables_limit_from_the_first_request_and_follows_changes(
    harness: Harness,
) -> None:
    store, gateway = _gateway_on_a_store(harness, RATE_LIMIT_TIGHT_BURST=0)

    # burst 0 from the store, not the table's 2: one request, then 429
    assert _statuses(gateway, 2) == [200, 429]
    assert _revision(gateway) == 1

    revision = _set(store, RATE_LIMIT_TIGHT_BURST=3)
    eventually(lambda: _revision(gateway) == revision, "the gateway at the new revision")
    assert _statuses(gateway, 5) == [200, 200, 200, 200, 429]
    assert "rate limit tight: 0.0166667/s burst 0 -> 0.0166667/s burst 3" in gateway.log_text()

    # a bad rate is refused and logged; the limit in force stays
    revision = _set(store, RATE_LIMIT_TIGHT_RATE="lots")
    eventually(lambda: _revision(gateway) == revision, "the gateway at the refused revision")
    assert "refused RATE_LIMIT_TIGHT_RATE must be 'N/s' or 'N/m'" in gateway.log_text()
    assert _statuses(gateway, 5) == [200, 200, 200, 200, 429]

    # the name removed from the store: the table's value again
    revision = _set(store, RATE_LIMIT_TIGHT_RATE=None, RATE_LIMIT_TIGHT_BURST=None)
    eventually(lambda: _revision(gateway) == revision, "the gateway at the emptied revision")
    assert _statuses(gateway, 4) == [200, 200, 200, 429]


def test_a_reloaded_table_with_a_new_policy_takes_the_stores_value_for_it(
    harness: Harness,
) -> None:
    _, gateway = _gateway_on_a_store(harness, RATE_LIMIT_STRICT_BURST=1)
    assert _statuses(gateway, 4) == [200, 200, 200, 429]

    routes = [{**ROUTES[0], "rate_limit": "strict"}]
    limits = {"strict": {"rate": "1/m", "burst": 5}}
    gateway.routes.write_text(yaml.safe_dump(table(routes, UPSTREAMS, rate_limits=limits)))
    gateway.reload()

    # the table's burst of 5 for a moment at most, then the store's 1
    eventually(lambda: _statuses(gateway, 3) == [200, 200, 429], "the store's burst for strict")


def test_with_the_store_out_of_reach_the_table_s_limits_apply_reloaded_ones_too(
    harness: Harness,
) -> None:
    app = harness.upstream("app")
    nowhere = closed_port_url().replace("http://", "etcd://")
    env = {"CONFIG_STORE": "on", "CONFIG_STORE_URL": nowhere}
    gateway = harness.gateway(
        table(ROUTES, UPSTREAMS, rate_limits=LIMITS), {"app": app.port}, env=env
    )
    assert _statuses(gateway, 4) == [200, 200, 200, 429]
    assert b'strangler_config_loaded{service="gateway"} 0.0' in gateway.get("/metrics").body

    wider = {"tight": {"rate": "1/m", "burst": 4}}
    gateway.routes.write_text(yaml.safe_dump(table(ROUTES, UPSTREAMS, rate_limits=wider)))
    gateway.reload()

    eventually(lambda: "route table reloaded" in gateway.log_text(), "the reload")
    assert _statuses(gateway, 6) == [200, 200, 200, 200, 200, 429]


def test_the_repository_s_gateway_settings_are_the_route_tables_limits() -> None:
    """From stage 5 every table's policies and values are deploy/config/gateway.yaml's: a name
    the gateway does not read would change nothing, another value would make the store and the
    table disagree."""
    stored = read_folder(ROOT / "deploy" / "config")["gateway"]
    tables = sorted((ROOT / "gateway" / "routes").glob("stage-*.yaml"))
    read = [t for t in tables if int(t.stem.removeprefix("stage-")) >= 5]
    assert read, "no route table from stage 5 here"
    for path in read:
        assert table_values(load_route_table(path, DEFAULT_PORTS)) == stored, path.name


def test_a_config_store_url_it_cannot_open_stops_the_gateway_with_a_message(
    harness: Harness,
) -> None:
    ran = harness.refused_start(
        table(ROUTES, UPSTREAMS, rate_limits=LIMITS),
        "--upstream-port",
        "app=1",
        env={"CONFIG_STORE": "on", "CONFIG_STORE_URL": "consul://127.0.0.1:8500"},
    )

    assert ran.returncode == 2, ran.stderr
    assert "gateway: CONFIG_STORE_URL: config store 'consul://127.0.0.1:8500'" in ran.stderr
