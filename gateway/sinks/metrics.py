"""Prometheus metrics, counted in plain dicts on the request path and rendered on scrape.

A ``prometheus_client`` Counter/Histogram costs a lock and a label look-up per call; the
gateway's hot path only bumps integers, and :meth:`Metrics.render` builds the metric families
when ``/metrics`` is read.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from gateway.sinks.entry import Entry

BREAKER_STATES = ("closed", "open", "half_open")

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.requests: defaultdict[tuple[str, int], int] = defaultdict(int)
        self.latency: dict[str, list[int]] = {}
        self.latency_sum: defaultdict[str, float] = defaultdict(float)
        self.upstream_errors: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.membership: dict[tuple[str, str], int] = {}
        self.rate_limited: defaultdict[str, int] = defaultdict(int)
        self.reloads: defaultdict[str, int] = defaultdict(int)
        self.shadow: defaultdict[tuple[str, str], int] = defaultdict(int)  # (route, result)
        # (upstream, instance, state) of each instance's breaker, asked for on scrape only
        self.breakers: Callable[[], Iterable[tuple[str, str, str]]] = list
        # the config store agent's revision and whether it has read the store (stage 5 on)
        self.config: Callable[[], Iterable[Metric]] = list
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(self)  # type: ignore[arg-type]

    def answered(self, entry: Entry) -> None:
        route, seconds = entry[3], entry[7]  # and entry[6], the status
        self.requests[route, entry[6]] += 1
        counts = self.latency.get(route)
        if counts is None:
            counts = self.latency[route] = [0] * (len(BUCKETS) + 1)
        counts[bisect_left(BUCKETS, seconds)] += 1
        self.latency_sum[route] += seconds

    def close(self) -> None:
        pass

    def upstream_error(self, upstream: str, kind: str) -> None:
        self.upstream_errors[upstream, kind] += 1

    def shadow_compared(self, route: str, result: str) -> None:
        self.shadow[route, result] += 1

    def set_membership(self, upstream: str, instance: str, healthy: bool) -> None:
        self.membership[upstream, instance] = 1 if healthy else 0

    def render(self) -> bytes:
        return generate_latest(self._registry)

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "gateway_requests",
            "Requests answered, by route and status.",
            labels=["route", "status"],
        )
        for (route, status), count in sorted(self.requests.items()):
            requests.add_metric([route, str(status)], count)
        yield requests
        latency = HistogramMetricFamily(
            "gateway_request_duration_seconds",
            "Time from the request's head to the end of the reply, by route.",
            labels=["route"],
        )
        for route, counts in sorted(self.latency.items()):
            cumulative, buckets = 0, []
            for bound, count in zip((*BUCKETS, float("inf")), counts, strict=True):
                cumulative += count
                buckets.append(("+Inf" if bound == float("inf") else str(bound), cumulative))
            latency.add_metric([route], buckets, self.latency_sum[route])
        yield latency
        errors = CounterMetricFamily(
            "gateway_upstream_errors",
            "Failed upstream exchanges, by upstream and kind (connect, reset, timeout, ...).",
            labels=["upstream", "kind"],
        )
        for (upstream, kind), count in sorted(self.upstream_errors.items()):
            errors.add_metric([upstream, kind], count)
        yield errors
        members = GaugeMetricFamily(
            "gateway_upstream_instance_up",
            "1 while an instance is in its upstream's pool, 0 while it is out.",
            labels=["upstream", "instance"],
        )
        for (upstream, instance), up in sorted(self.membership.items()):
            members.add_metric([upstream, instance], up)
        yield members
        breakers = GaugeMetricFamily(
            "circuit_breaker_state",
            "1 for the state a circuit breaker is in (closed, open, half_open), 0 for the "
            "others; client is who calls (the gateway: its passive ejection per instance).",
            labels=["client", "upstream", "instance", "state"],
        )
        for upstream, instance, current in sorted(self.breakers()):
            for state in BREAKER_STATES:
                breakers.add_metric(
                    ["gateway", upstream, instance, state], 1 if state == current else 0
                )
        yield breakers
        limited = CounterMetricFamily(
            "gateway_rate_limited", "Requests refused with 429, by route.", labels=["route"]
        )
        for route, count in sorted(self.rate_limited.items()):
            limited.add_metric([route], count)
        yield limited
        reloads = CounterMetricFamily(
            "gateway_route_table_reloads", "Route table reloads, by result.", labels=["result"]
        )
        for result, count in sorted(self.reloads.items()):
            reloads.add_metric([result], count)
        yield reloads
        shadow = CounterMetricFamily(
            "gateway_shadow_comparisons",
            "Safe shadowed requests, by route and result: match, mismatch, candidate_failed, "
            "not_compared (the primary failed or its body was too large to keep).",
            labels=["route", "result"],
        )
        for (route, result), count in sorted(self.shadow.items()):
            shadow.add_metric([route, result], count)
        yield shadow
        yield from self.config()
