"""The whole nginx.conf, in order: the top level, the ``http`` block and the one server.

:class:`NginxConfWriter` combines the section writers and decides the order of the file:
the unprivileged top level (pid, error log, events), then the ``http`` block (settings, log
format, maps, rate zones, splits, upstreams) and the ``server`` (headers and error pages
every location inherits, the path-traversal refusal, the error, reserved and route
locations, and a JSON 404 for anything no route takes).
"""

from __future__ import annotations

from strangler.routing.nginx.error_pages import (
    PATH_ATTACK_PATTERN,
    ErrorPagesWriter,
    json_error,
    path_attack_body,
)
from strangler.routing.nginx.headers import proxy_headers
from strangler.routing.nginx.http_block import HttpBlockWriter
from strangler.routing.nginx.locations import LocationsWriter
from strangler.routing.nginx.syntax import quote, regex
from strangler.routing.nginx.upstreams import UpstreamBlocksWriter


class NginxConfWriter(HttpBlockWriter, UpstreamBlocksWriter, ErrorPagesWriter, LocationsWriter):
    def render(self) -> str:
        source = self.options.source or self.table.source
        self.line(f"# Generated from {source} by `python -m strangler.routing export-nginx`.")
        self.line("# Do not edit: change the route table and export again.")
        self.line("# Run unprivileged: nginx -p DIR -c DIR/nginx.conf -e stderr")
        self.line("daemon off;")
        self.line(f"worker_processes {self.options.workers};")
        self.line("pid nginx.pid;")
        self.line(f"error_log {self.options.error_log} warn;")
        self.block("events", ["worker_connections 4096;"])
        self.line()
        self.line("http {")
        self.depth += 1
        self.http()
        self.depth -= 1
        self.line("}")
        return "\n".join(self.lines) + "\n"

    def http(self) -> None:
        self.http_settings()
        self.log_format()
        self.maps()
        self.rate_limit_zones()
        self.split_clients()
        self.upstream_blocks()
        self.server()

    def server(self) -> None:
        self.line("server {")
        self.depth += 1
        self.line(f"listen {self.options.listen};")
        for variable in ("gw_route", "gw_upstream", "gw_user_id", "gw_rl_client"):
            self.line(f'set ${variable} "";')
        self.line("set $gw_retry_after 1;")
        self.line("add_header X-Request-ID $gw_request_id always;")
        self.line("# Inherited by every location that sets none of its own (nginx's rule), so the")
        self.line("# route locations below set none: one list of headers and error pages for all.")
        self.error_pages()
        for text in proxy_headers():
            self.line(text)
        self.line("# Never normalise-and-forward: traversal and encoded separators are refused.")
        self.block(
            f"if ($request_uri ~* {regex(PATH_ATTACK_PATTERN)})",
            [f"return 400 {quote(path_attack_body())};"],
        )
        self.line()
        self.error_locations()
        self.reserved_locations()
        for skipped, reason in self.plan.skipped:
            self.line(f"# route {skipped.name} left out: {reason}")
        for route in self.plan.proxied:
            self.route_locations(route)
        for route in self.plan.handlers:
            self.route_locations(route)
        if not any(r.prefix == "/" for r in (*self.plan.proxied, *self.plan.handlers)):
            self.block("location /", [f"return 404 {quote(json_error(404))};"])
        self.depth -= 1
        self.line("}")
