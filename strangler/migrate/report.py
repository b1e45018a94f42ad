"""``migrate report``: the shadow comparison's figures per route, read from a gateway's /metrics.

The gateway counts each compared safe request in ``gateway_shadow_comparisons_total`` by route
and result (match, mismatch, candidate_failed, not_compared); the mismatch rate is mismatches
over the requests actually compared (match + mismatch).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from strangler.migrate.errors import MigrateError

METRIC = "gateway_shadow_comparisons"
RESULTS = ("match", "mismatch", "candidate_failed", "not_compared")


@dataclass(frozen=True)
class RouteFigures:
    route: str
    counts: dict[str, int]

    @property
    def compared(self) -> int:
        return self.counts.get("match", 0) + self.counts.get("mismatch", 0)

    @property
    def mismatch_rate(self) -> float | None:
        return self.counts.get("mismatch", 0) / self.compared if self.compared else None


def shadow_figures(metrics_text: str) -> list[RouteFigures]:
    """Per route, in name order, the comparison counts in a Prometheus text exposition."""
    counts: defaultdict[str, dict[str, int]] = defaultdict(dict)
    try:
        families = list(text_string_to_metric_families(metrics_text))
    except ValueError as exc:
        raise MigrateError(f"the metrics are not Prometheus text: {exc}") from None
    for family in families:
        if family.name != METRIC:
            continue
        for sample in family.samples:
            if sample.name == METRIC + "_total":
                route, result = sample.labels["route"], sample.labels["result"]
                counts[route][result] = int(sample.value)
    return [RouteFigures(route, counts[route]) for route in sorted(counts)]


def fetch_metrics(gateway: str, timeout: float = 5.0) -> str:
    url = gateway.rstrip("/") + "/metrics"
    if not url.startswith(("http://", "https://")):
        raise MigrateError(f"--gateway must be an http:// URL, not {gateway!r}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return str(reply.read().decode())
    except (OSError, urllib.error.URLError) as exc:
        raise MigrateError(f"cannot read {url}: {exc}") from None


def rows(figures: list[RouteFigures]) -> list[tuple[object, ...]]:
    """Table rows: route, each result's count, and the mismatch rate."""
    return [
        (
            f.route,
            *(f.counts.get(result, 0) for result in RESULTS),
            "-" if f.mismatch_rate is None else f"{f.mismatch_rate:.2%}",
        )
        for f in figures
    ]
