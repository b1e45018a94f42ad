"""Rate limits the central config store may change while the gateway runs (stage 5 on).

The route table gives each policy its rate and burst. Where the gateway reads a config store,
its service ``gateway`` (``deploy/config/gateway.yaml``) may override them, two settings per
policy: ``RATE_LIMIT_<POLICY>_RATE`` (``N/s`` or ``N/m``, as in the table) and
``RATE_LIMIT_<POLICY>_BURST``, the policy's name in capitals with ``-`` as ``_``
(``login`` -> ``RATE_LIMIT_LOGIN_RATE``). A name the store lacks keeps the table's value, so
the table stays the whole truth until someone changes the store. A rate that is not
``N/s`` or ``N/m``, or a negative burst, is refused: that policy keeps what it had.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gateway.policy.ratelimit import Policy
from strangler.routing.model import RouteTable
from strangler.routing.table import rate_per_second

SERVICE = "gateway"

# a config store's scalar (strangler.configstore.Scalar: that package arrives with stage 5)
Value = int | float | bool | str


def setting_names(policy: str) -> tuple[str, str]:
    """The store's names for ``policy``'s rate and burst."""
    stem = "RATE_LIMIT_" + policy.upper().replace("-", "_")
    return f"{stem}_RATE", f"{stem}_BURST"


def table_values(table: RouteTable) -> dict[str, Value]:
    """The table's rates and bursts by their store names: the config agent's defaults."""
    values: dict[str, Value] = {}
    for name, policy in table.rate_limits.items():
        rate, burst = setting_names(name)
        values[rate], values[burst] = policy.rate, policy.burst
    return values


@dataclass(frozen=True)
class LivePolicies:
    """The policies in force, and what was refused (one line each, for the log)."""

    policies: dict[str, Policy]
    refused: list[str]


def live_policies(
    table: RouteTable, values: Mapping[str, Value], current: Mapping[str, Policy]
) -> LivePolicies:
    """The table's policies with ``values`` laid over them; a refused value leaves its policy
    as in ``current`` (as in the table where ``current`` lacks it)."""
    policies: dict[str, Policy] = {}
    refused: list[str] = []
    for name, written in table.rate_limits.items():
        rate_name, burst_name = setting_names(name)
        rate, burst = values.get(rate_name, written.rate), values.get(burst_name, written.burst)
        per_second = rate_per_second(rate)
        if per_second is None:
            refused.append(f"{rate_name} must be 'N/s' or 'N/m' with N > 0, not {rate!r}")
        elif isinstance(burst, bool) or not isinstance(burst, int) or burst < 0:
            refused.append(f"{burst_name} must be a whole number >= 0, not {burst!r}")
        else:
            policies[name] = Policy(name, per_second, burst)
            continue
        policies[name] = current.get(name) or Policy(name, written.rate_per_second, written.burst)
    return LivePolicies(policies, refused)


def describe(policy: Policy) -> str:
    """``50/s burst 100``, for the log line of a change."""
    return f"{policy.rate_per_second:g}/s burst {policy.burst}"
