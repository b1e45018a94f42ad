"""Where requests go: ``split_clients`` for weighted routes and the ``upstream`` blocks.

:class:`UpstreamBlocksWriter` writes one ``split_clients`` per split route (sticky per token
or client IP), one ``upstream`` block per upstream the locations need (passive checks only:
``max_fails`` from ``eject_after``, ``fail_timeout`` from the health check's rhythm), and
the export's own ``gw_verifier`` and ``gw_handlers`` upstreams when they are given.
"""

from __future__ import annotations

from strangler.routing.model import Upstream
from strangler.routing.nginx.syntax import ConfigWriter, seconds, split_var


class UpstreamBlocksWriter(ConfigWriter):
    def split_clients(self) -> None:
        for route in self.plan.proxied:
            if not route.split:
                continue
            entries = [f"{t.weight}% {t.upstream};" for t in route.split[:-1]]
            entries.append(f"* {route.split[-1].upstream};")
            self.line("# Sticky per token (or IP); nginx's hash, not the Python gateway's buckets.")
            self.block(f'split_clients "$gw_client_key" {split_var(route)}', entries)
        self.line()

    def upstream_blocks(self) -> None:
        for upstream in self.plan.upstreams:
            body = ["least_conn;"] if upstream.balance == "least_conn" else []
            fail_timeout = self.fail_timeout(upstream)
            for instance in upstream.instances:
                body.append(
                    f"server {instance.address} max_fails={upstream.eject_after} "
                    f"fail_timeout={fail_timeout};"
                )
            body.append(f"keepalive {self.options.keepalive};")
            self.line("# Passive checks only (nginx open source): out after max_fails errors,")
            self.line("# tried again after fail_timeout.")
            self.block(f"upstream {upstream.name}", body)
        for name, address in (
            ("gw_verifier", self.options.verifier),
            ("gw_handlers", self.options.handlers_upstream),
        ):
            if address is not None:
                self.block(f"upstream {name}", [f"server {address};", "keepalive 16;"])
        self.line()

    def fail_timeout(self, upstream: Upstream) -> str:
        health = upstream.health
        if health is None:
            return "10s"
        return seconds(max(health.interval * health.rise, 0.2))
