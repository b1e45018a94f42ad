"""The control room's signals: what the processes' ``/metrics`` say about the patterns at work.

Each process with a metrics path is scraped (side by side, a short timeout each) and a few
figures are kept, each as one row a person can read: a circuit breaker's state (the gateway's
per upstream instance, a service client's per dependency), a gateway pool member in or out,
outbox rows not yet relayed, messages waiting in a consumer's queue or dead-letter queue, dead
letters, events processed per consumer, the configuration revision a service runs on. A
figure that needs attention (a breaker not closed, an instance out of its pool, a dead letter,
a source that did not answer) is marked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

SCRAPE_TIMEOUT = 2.5  # seconds; the messaging figures give the broker 2 s (telemetry/messaging)


@dataclass(frozen=True)
class Signal:
    process: str
    figure: str
    subject: str
    value: str
    alert: bool = False


def read_signals(urls: Mapping[str, str]) -> list[Signal]:
    """Every process's signals, in the order of ``urls``; one that does not answer says so."""
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=min(len(urls), 8)) as pool:
        scraped = list(pool.map(_scrape, urls.items()))
    return [signal for signals in scraped for signal in signals]


def _scrape(item: tuple[str, str]) -> list[Signal]:
    process, url = item
    try:
        response = requests.get(url, timeout=SCRAPE_TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        reason = type(exc).__name__
        return [Signal(process, "metrics", url, f"no answer ({reason})", alert=True)]
    return signals_of(process, response.text)


def signals_of(process: str, exposition: str) -> list[Signal]:
    """The kept figures of one process's Prometheus text exposition."""
    samples = [
        sample for family in text_string_to_metric_families(exposition) for sample in family.samples
    ]
    return [*_breakers(process, samples), *_pools(process, samples), *_messaging(process, samples)]


def _named(samples: Iterable[Sample], *names: str) -> Iterator[Sample]:
    return (sample for sample in samples if sample.name in names)


def _breakers(process: str, samples: list[Sample]) -> Iterator[Signal]:
    for sample in _named(samples, "circuit_breaker_state"):
        if sample.value != 1:
            continue
        labels = sample.labels
        who = f"{labels['client']} → " if labels.get("client") else ""
        where = f" ({labels['instance']})" if labels.get("instance") else ""
        state = labels.get("state", "?")
        subject = f"{who}{labels.get('upstream', '?')}{where}"
        yield Signal(process, "circuit breaker", subject, state, alert=state != "closed")


def _pools(process: str, samples: list[Sample]) -> Iterator[Signal]:
    for sample in _named(samples, "gateway_upstream_instance_up"):
        labels = sample.labels
        subject = f"{labels.get('upstream', '?')} {labels.get('instance', '')}".strip()
        member = sample.value == 1
        yield Signal(process, "in the pool", subject, "yes" if member else "NO", alert=not member)


def _messaging(process: str, samples: list[Sample]) -> Iterator[Signal]:
    for sample in _named(samples, "events_metrics_source_up"):
        if sample.value != 1:
            source = sample.labels.get("source", "?")
            yield Signal(process, "figures unavailable", source, "no answer", alert=True)
    for sample in _named(samples, "events_outbox_unsent"):
        subject = sample.labels.get("outbox", "?")
        yield Signal(process, "outbox rows not yet relayed", subject, f"{sample.value:g}")
    for sample in _named(samples, "events_queue_messages_ready"):
        role = sample.labels.get("role", "")
        subject = f"{sample.labels.get('queue', '?')} ({role.replace('_', ' ')})"
        dead = role == "dead_letters" and sample.value > 0
        yield Signal(process, "messages waiting", subject, f"{sample.value:g}", alert=dead)
    for sample in _named(samples, "events_dead_letters"):
        subject = sample.labels.get("consumer", "?")
        yield Signal(process, "dead letters", subject, f"{sample.value:g}", alert=sample.value > 0)
    processed: dict[str, float] = defaultdict(float)
    for sample in _named(samples, "events_processed_total"):
        processed[sample.labels.get("consumer", "?")] += sample.value
    for consumer, total in processed.items():
        yield Signal(process, "events processed", consumer, f"{total:g}")
    for sample in _named(samples, "strangler_config_revision"):
        subject = sample.labels.get("service", "?")
        yield Signal(process, "config revision", subject, f"{sample.value:g}")
