"""The rate limits a config store may lay over the route table's (gateway.policy.live_limits).

What the store's values make of the table's policies, without a store or a gateway: the
names, the overlay, and what is refused. The gateway following a real store is in
``test_rate_limits_from_the_store.py`` (stage 5 on, where the store's client is).
"""

from __future__ import annotations

import pytest

from gateway.policy.live_limits import (
    describe,
    live_policies,
    setting_names,
    table_values,
)
from gateway.policy.ratelimit import Policy
from strangler.routing.model import RouteTable
from strangler.routing.table import parse_route_table


def _table() -> RouteTable:
    return parse_route_table(
        {
            "version": 1,
            "upstreams": {"app": {"instances": ["127.0.0.1:{app}"]}},
            "rate_limits": {
                "default": {"rate": "50/s", "burst": 100},
                "per-ip": {"rate": "30/m", "burst": 20},
            },
            "routes": [{"name": "all", "prefix": "/", "upstream": "app"}],
        },
        {"app": 8001},
        "test",
    )


def test_each_policy_has_a_rate_and_a_burst_named_in_capitals() -> None:
    assert setting_names("login") == ("RATE_LIMIT_LOGIN_RATE", "RATE_LIMIT_LOGIN_BURST")
    assert setting_names("per-ip") == ("RATE_LIMIT_PER_IP_RATE", "RATE_LIMIT_PER_IP_BURST")


def test_the_tables_values_are_the_defaults_as_written() -> None:
    assert table_values(_table()) == {
        "RATE_LIMIT_DEFAULT_RATE": "50/s",
        "RATE_LIMIT_DEFAULT_BURST": 100,
        "RATE_LIMIT_PER_IP_RATE": "30/m",
        "RATE_LIMIT_PER_IP_BURST": 20,
    }


def test_without_values_the_policies_are_the_tables() -> None:
    live = live_policies(_table(), {}, {})

    assert live.policies == {
        "default": Policy("default", 50.0, 100),
        "per-ip": Policy("per-ip", 0.5, 20),
    }
    assert live.refused == []


def test_the_stores_values_override_the_rate_and_the_burst_each_on_its_own() -> None:
    values: dict[str, int | str] = {"RATE_LIMIT_PER_IP_RATE": "6/m", "RATE_LIMIT_DEFAULT_BURST": 0}

    live = live_policies(_table(), values, {})

    assert live.policies["per-ip"] == Policy("per-ip", 0.1, 20)
    assert live.policies["default"] == Policy("default", 50.0, 0)
    assert describe(live.policies["per-ip"]) == "0.1/s burst 20"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"RATE_LIMIT_PER_IP_RATE": "fast"}, "RATE_LIMIT_PER_IP_RATE must be 'N/s' or 'N/m'"),
        ({"RATE_LIMIT_PER_IP_RATE": "0/s"}, "RATE_LIMIT_PER_IP_RATE must be 'N/s' or 'N/m'"),
        ({"RATE_LIMIT_PER_IP_BURST": -1}, "RATE_LIMIT_PER_IP_BURST must be a whole number"),
        ({"RATE_LIMIT_PER_IP_BURST": True}, "RATE_LIMIT_PER_IP_BURST must be a whole number"),
    ],
)
def test_a_bad_value_is_refused_and_its_policy_keeps_the_one_in_force(
    values: dict[str, int | str], named: str
) -> None:
    in_force = {"per-ip": Policy("per-ip", 1.0, 3)}

    live = live_policies(_table(), values, in_force)

    assert live.policies["per-ip"] == Policy("per-ip", 1.0, 3)
    assert live.policies["default"] == Policy("default", 50.0, 100)
    [refused] = live.refused
    assert refused.startswith(named), refused


def test_a_bad_value_for_a_policy_not_in_force_yet_gets_the_tables() -> None:
    live = live_policies(_table(), {"RATE_LIMIT_PER_IP_RATE": "lots"}, {})

    assert live.policies["per-ip"] == Policy("per-ip", 0.5, 20)
    assert len(live.refused) == 1
