"""The top of the gateway: builds every layer, loads the route table, starts and stops.

Layers, each importing only those below it: ``http1`` (framing, the error body);
``server`` and ``upstreams`` (transports, calling up only through Protocols); ``policy``
(router, rate limits, auth, forwarded-for, the request's record); ``sinks`` (metrics, access
log, spans); ``handlers`` (the handler API); ``pipeline`` (the exchange and its two paths);
``composition`` and ``translation`` (handlers); this module and ``__main__``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gateway.handlers import UpstreamUnavailable
from gateway.pipeline import Dispatch, Loaded, Pipeline, fast_plans
from gateway.policy.auth import JwksKeySource, TokenVerifier, url_fetcher
from gateway.policy.forwarded import TrustedProxies
from gateway.policy.live_limits import SERVICE, Value, describe, live_policies, table_values
from gateway.policy.ratelimit import MemoryRateLimiter, Policy, RateLimiter, RedisRateLimiter
from gateway.policy.record import Trace
from gateway.policy.router import Router
from gateway.server import Listener
from gateway.sinks import AccessLogFile, Batched, BatchWriter, Metrics, Sink, SpanSink, span_writer
from gateway.upstreams import UpstreamRegistry
from strangler.routing.model import RouteTable
from strangler.routing.table import RouteTableError, load_route_table, resolve_handler

__all__ = ["ConfigStoreUrlError", "Gateway", "Settings"]

logger = logging.getLogger("gateway")


@dataclass(frozen=True)
class Settings:
    routes: Path
    ports: Mapping[str, int]
    max_body: int = 10 * 1024 * 1024
    header_timeout: float = 10.0
    access_log: str | None = "-"
    redis_url: str | None = None
    jwks_url: str | None = None
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
    spans: SpanSink | None = None  # where the gateway's own spans go (None: not traced)
    root_sample_ratio: float = 1.0  # the share of the traces it starts that are sampled
    config_store_url: str = ""  # stage 5 on: overrides of the rate limits (policy.live_limits)


class ConfigStoreUrlError(ValueError):
    """``CONFIG_STORE_URL`` names no store the gateway can open."""


def build_sinks(
    settings: Settings, loop: asyncio.AbstractEventLoop, metrics: Metrics
) -> list[Sink]:
    """Metrics, then the access log and the spans written together off the request path."""
    writers: list[BatchWriter] = []
    if settings.access_log is not None:
        writers.append(AccessLogFile(settings.access_log))
    if settings.spans is not None:
        writers.append(span_writer(settings.spans))
    sinks: list[Sink] = [metrics]
    if writers:
        sinks.append(Batched(loop, writers))
    return sinks


class Gateway:
    """Builds the layers and owns what outlives a request: the table, the key source, timers."""

    def __init__(self, settings: Settings, loop: asyncio.AbstractEventLoop) -> None:
        self.settings = settings
        self.loop = loop
        self.metrics = Metrics()
        Trace.root_ratio = settings.root_sample_ratio
        self.registry = UpstreamRegistry(loop)
        self.registry.on_membership = self.metrics.set_membership
        self.metrics.breakers = self.registry.breaker_states
        limiter: RateLimiter = (
            RedisRateLimiter(settings.redis_url) if settings.redis_url else MemoryRateLimiter()
        )
        self.sinks = build_sinks(settings, loop, self.metrics)
        self.pipeline = Pipeline(loop, self.registry, limiter, self.metrics, self.sinks)
        self.listener = Listener(
            loop,
            Dispatch(self.pipeline),
            max_body=settings.max_body,
            header_timeout=settings.header_timeout,
            trusted_proxies=settings.trusted_proxies,
        )
        self._auth_config: object = None
        self._warm_up: asyncio.Task[None] | None = None
        self._config: Any = None  # the ConfigAgent, where the settings name a store
        self.metrics.config = self._config_metrics

    # --- the route table -------------------------------------------------------------------

    def load(self) -> None:
        """Load the table; raises RouteTableError, and then the current table stays."""
        table = load_route_table(self.settings.routes, self.settings.ports)
        handlers = {
            route.handler: resolve_handler(route.handler)
            for route in table.routes
            if route.handler is not None
        }
        if self._config is not None and self._config.defaults != table_values(table):
            self._follow_config(table)  # a table with other policies: an agent for them
        current = self.pipeline.loaded.policies if self.pipeline.loaded is not None else {}
        policies = self._live_policies(table, current)
        loaded = Loaded(
            table=table,
            router=Router(table),
            policies=policies,
            handlers=handlers,
            fast=fast_plans(table, policies, self.pipeline.limiter),
        )
        self.registry.configure(table.upstreams)
        for group in self.registry.groups.values():
            for state in group.instances:
                self.metrics.set_membership(group.name, state.address, state.healthy)
        self._configure_auth(table)
        self.pipeline.loaded = loaded

    def reload(self) -> bool:
        try:
            self.load()
        except RouteTableError as exc:
            self.metrics.reloads["error"] += 1
            logger.error("route table reload refused, keeping the current table: %s", exc)
            return False
        self.metrics.reloads["ok"] += 1
        loaded = self.pipeline.loaded
        assert loaded is not None
        logger.warning(
            "route table reloaded: %s (%d routes)", self.settings.routes, len(loaded.table.routes)
        )
        return True

    def _configure_auth(self, table: RouteTable) -> None:
        auth = table.auth
        key = (auth, self.settings.jwks_url)
        if key == self._auth_config:
            return
        self._auth_config = key
        if self.settings.jwks_url:
            fetch = url_fetcher(self.settings.jwks_url)
        elif auth.jwks_upstream and auth.jwks_path:
            fetch = self._jwks_fetcher(auth.jwks_upstream, auth.jwks_path)
        else:
            self.pipeline.verifier = None
            return
        keys = JwksKeySource(fetch)
        self.pipeline.verifier = TokenVerifier(keys, issuer=auth.issuer, audience=auth.audience)
        if self._warm_up is not None:
            self._warm_up.cancel()
        self._warm_up = self.loop.create_task(self._warm_keys(keys))

    async def _warm_keys(self, keys: JwksKeySource) -> None:
        """Fetch the keys before the first token needs them; retry until the issuer is up."""
        while True:
            try:
                await keys.refresh()
                return
            except Exception as exc:  # the monolith may still be starting
                logger.info("JWKS not loaded yet (%s); retrying", exc)
                await asyncio.sleep(1.0)

    def _jwks_fetcher(self, upstream: str, path: str) -> Any:
        async def fetch() -> bytes:
            reply = await self.registry.request(upstream, "GET", path, timeout=5.0)
            if reply.status != 200:
                raise UpstreamUnavailable(f"JWKS {upstream}{path} answered {reply.status}")
            return reply.body

        return fetch

    # --- rate limits from the config store (stage 5 on) --------------------------------------

    def start_config(self) -> None:
        """Where the settings name a config store, read the rate limits it overrides before
        the first request (a store out of reach: the table's, and retries in the background),
        then apply each change it makes while the gateway runs, without a reload."""
        loaded = self.pipeline.loaded
        if self.settings.config_store_url and loaded is not None and self._config is None:
            self._follow_config(loaded.table).start()
            self._apply_config()

    def _follow_config(self, table: RouteTable) -> Any:
        # The store's client arrives with the stage that brings the store: found by name.
        configstore = importlib.import_module("strangler.configstore")
        previous = self._config
        if previous is not None:
            store = previous.store  # the agent for another table follows the same store
        else:
            try:
                store = configstore.open_store(self.settings.config_store_url)
            except ValueError as exc:
                raise ConfigStoreUrlError(f"CONFIG_STORE_URL: {exc}") from exc
        self._config = configstore.ConfigAgent(
            store, SERVICE, table_values(table), on_change=self._config_changed
        )
        if previous is not None:
            previous.stop(timeout=0)  # its thread ends at its next wake
            # in an executor's thread: the first read may wait on the store
            self.loop.run_in_executor(None, self._config.start)
        return self._config

    def _config_changed(self) -> None:
        """The agent's thread: the change is applied on the loop's."""
        self.loop.call_soon_threadsafe(self._apply_config)

    def _config_values(self) -> dict[str, Value]:
        agent = self._config
        return {} if agent is None else {name: agent.get(name) for name in agent.defaults}

    def _live_policies(self, table: RouteTable, current: Mapping[str, Policy]) -> dict[str, Policy]:
        live = live_policies(table, self._config_values(), current)
        for problem in live.refused:
            logger.error("config %s: refused %s", SERVICE, problem)
        return live.policies

    def _apply_config(self) -> None:
        loaded = self.pipeline.loaded
        if loaded is None or self._config is None:
            return
        policies = self._live_policies(loaded.table, loaded.policies)
        if policies == loaded.policies:
            return
        for name, policy in policies.items():
            before = loaded.policies.get(name)
            if policy != before:
                logger.warning(
                    "rate limit %s: %s -> %s (config revision %d)",
                    name,
                    describe(before) if before is not None else "none",
                    describe(policy),
                    self._config.revision,
                )
        fast = fast_plans(loaded.table, policies, self.pipeline.limiter)
        self.pipeline.loaded = replace(loaded, policies=policies, fast=fast)

    def _config_metrics(self) -> list[Any]:
        return [] if self._config is None else self._config.metric_families()

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return self.pipeline.in_flight

    def start_sweepers(self) -> None:
        self.listener.start_sweeper()
        self.registry.start_timeouts()

    def close(self) -> None:
        if self._warm_up is not None:
            self._warm_up.cancel()
        if self._config is not None:
            self._config.stop(timeout=0)
        self.listener.close()
        self.registry.close()
        for sink in self.sinks:
            sink.close()
