"""``GATEWAY_TRUSTED_PROXIES`` on real processes: X-Forwarded-For decides the client's rate-limit
key, access-log address and canary bucket only when the peer is a trusted proxy.

One gateway trusts 127.0.0.2: the tests connect from 127.0.0.1 (an untrusted client forging the
header) and from 127.0.0.2 (the trusted proxy), both on loopback.
"""

from __future__ import annotations

import json
import zlib

import pytest

from gateway.tests.harness import Gateway, Harness, table
from strangler.stages.processes import free_port
from strangler.testing import eventually

PROXY, CLIENT = "127.0.0.2", "127.0.0.1"


def _side(address: str) -> str:
    """The side of a 50/50 split a client key lands on (gateway.router.split_upstream)."""
    return "v1" if zlib.crc32(address.encode()) % 100 < 50 else "v2"


def _addresses_on_each_side() -> tuple[str, str]:
    candidates = [f"203.0.113.{n}" for n in range(1, 255)]
    on_v1 = next(a for a in candidates if _side(a) == "v1")
    on_v2 = next(a for a in candidates if _side(a) == "v2")
    return on_v1, on_v2


@pytest.fixture
def gateway(harness: Harness) -> Gateway:
    v1, v2 = harness.upstream("v1"), harness.upstream("v2")
    return harness.gateway(
        table(
            [
                {"name": "limited", "prefix": "/limited", "upstream": "v1", "rate_limit": "one"},
                {
                    "name": "canary",
                    "prefix": "/canary",
                    "split": [{"upstream": "v1", "weight": 50}, {"upstream": "v2", "weight": 50}],
                },
            ],
            {"v1": {"instances": ["127.0.0.1:{v1}"]}, "v2": {"instances": ["127.0.0.1:{v2}"]}},
            rate_limits={"one": {"rate": "1/m", "burst": 0}},
            defaults={"auth": "none"},
        ),
        {"v1": v1.port, "v2": v2.port},
        env={"GATEWAY_TRUSTED_PROXIES": f"{PROXY}/32, 10.0.0.0/8"},
    )


def _statuses(gateway: Gateway, source: str, forwarded: list[str]) -> list[int]:
    return [
        gateway.get("/limited", headers={"X-Forwarded-For": xff}, source=source).status
        for xff in forwarded
    ]


def _logged_clients(gateway: Gateway, route: str) -> list[str]:
    if not gateway.access_log.exists():
        return []
    entries = [json.loads(line) for line in gateway.access_log.read_text().splitlines()]
    return [entry["client"] for entry in entries if entry["route"] == route]


def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_change_the_key(
    gateway: Gateway,
) -> None:
    first = gateway.get("/limited", headers={"X-Forwarded-For": "203.0.113.1"}, source=CLIENT)
    assert first.status == 200
    # still passed on, with the peer appended
    assert ["x-forwarded-for", f"203.0.113.1, {CLIENT}"] in first.json()["headers"]

    assert _statuses(gateway, CLIENT, ["203.0.113.2", "198.51.100.3"]) == [429, 429]
    eventually(
        lambda: _logged_clients(gateway, "limited") == [CLIENT] * 3,
        "the access log names the peer, not the forged addresses",
    )


def test_from_a_trusted_peer_the_right_most_untrusted_address_is_the_key(
    gateway: Gateway,
) -> None:
    forwarded = [
        "203.0.113.1",
        "203.0.113.2",
        "203.0.113.3, 10.1.1.1",  # one more trusted hop: the client is 203.0.113.3
        "198.51.100.9, 203.0.113.1",  # the left part is the client's claim: 203.0.113.1 again
    ]
    assert _statuses(gateway, PROXY, forwarded) == [200, 200, 200, 429]
    eventually(
        lambda: (
            _logged_clients(gateway, "limited")
            == ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.1"]
        ),
        "the access log names the forwarded clients",
    )


def test_the_canary_bucket_follows_the_forwarded_client_only_from_a_trusted_peer(
    gateway: Gateway,
) -> None:
    addresses = _addresses_on_each_side()

    def sides(source: str) -> list[str]:
        return [
            gateway.get("/canary", headers={"X-Forwarded-For": a}, source=source).json()["instance"]
            for a in addresses
        ]

    assert sides(PROXY) == ["v1", "v2"]
    assert sides(CLIENT) == [_side(CLIENT)] * 2


@pytest.mark.parametrize("value", ["proxy.local", "10.0.0.1/8", "10.0.0.0/33"])
def test_a_bad_trusted_proxies_value_exits_with_2_and_names_it(
    harness: Harness, value: str
) -> None:
    result = harness.refused_start(
        table(
            [{"name": "api", "prefix": "/api", "upstream": "app"}],
            {"app": {"instances": ["127.0.0.1:{app}"]}},
        ),
        "--upstream-port",
        f"app={free_port()}",
        env={"GATEWAY_TRUSTED_PROXIES": f"127.0.0.2, {value}"},
    )

    assert result.returncode == 2, result.stderr
    assert "GATEWAY_TRUSTED_PROXIES" in result.stderr
    assert repr(value) in result.stderr
