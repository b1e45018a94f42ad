"""The ``location`` blocks: the reserved ones and one (or two) per exported route.

:class:`LocationsWriter` writes the locations the gateway reserves (health, ``/metrics``,
the internal token check proxied to the verifier) and each route's locations: an exact and
a ``/``-prefixed one for a prefix route, ``=`` or a regex for a path template, and an
internal mirror location for a shadowed route. :func:`route_body` holds what a route's
location does: method check, rewrite, rate limit, ``auth_request``, timeouts, retries,
mirroring and the ``proxy_pass``.
"""

from __future__ import annotations

import json
import re

from strangler.routing.model import Route, RouteTable
from strangler.routing.nginx.error_pages import json_error
from strangler.routing.nginx.options import VERIFY_PATH
from strangler.routing.nginx.syntax import (
    ConfigWriter,
    location_regex,
    quote,
    regex,
    retry_after,
    seconds,
    split_var,
)


class LocationsWriter(ConfigWriter):
    def reserved_locations(self) -> None:
        ok = quote(json.dumps({"status": "ok"}))
        self.block("location = /health/live", [f"return 200 {ok};"])
        self.line("# nginx has no active checks: ready means the process is up.")
        self.block("location = /health/ready", [f"return 200 {ok};"])
        self.block("location = /metrics", [f"return 404 {quote(json_error(404))};"])
        if self.options.verifier is not None:
            self.block(
                f"location = {VERIFY_PATH}",
                [
                    "internal;",
                    "proxy_pass http://gw_verifier;",
                    "proxy_pass_request_body off;",
                    'proxy_set_header Content-Length "";',
                    'proxy_set_header Connection "";',
                    "proxy_set_header X-Original-URI $request_uri;",
                    "proxy_set_header X-Original-Method $request_method;",
                    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                    "proxy_set_header X-Request-ID $gw_request_id;",
                    "proxy_connect_timeout 2s;",
                    "proxy_read_timeout 5s;",
                ],
            )
        else:
            self.block(f"location = {VERIFY_PATH}", [f"return 404 {quote(json_error(404))};"])
        self.line()

    def route_locations(self, route: Route) -> None:
        self.line(f"# route {route.name}: {describe(route)}")
        body = route_body(self.table, route)
        if route.path is not None:
            if route.path.params:
                self.block(f"location ~ {regex(location_regex(route))}", body)
            else:
                self.block(f"location = {route.path.text}", body)
        elif route.prefix == "/":
            self.block("location /", body)
        else:
            self.block(f"location = {route.prefix}", body)
            self.block(f"location {route.prefix}/", body)
        if route.shadow is not None:
            self.block(f"location = /_gw_mirror/{route.name}", mirror_body(self.table, route))
        self.line()


def describe(route: Route) -> str:
    where = route.prefix if route.path is None else route.path.text
    methods = ",".join(sorted(route.methods)) if route.methods else "any method"
    if route.handler is not None:
        target = f"handler {route.handler} (Python gateway)"
    elif route.split:
        target = " / ".join(f"{t.upstream} {t.weight}%" for t in route.split)
    else:
        target = str(route.upstream)
    return f"{where} [{methods}] -> {target}"


def route_body(table: RouteTable, route: Route) -> list[str]:
    handler = route.handler is not None
    body = [f"set $gw_route {route.name};"]
    target = "gw_handlers" if handler else (route.upstream or split_var(route))
    body.append(f"set $gw_upstream {target};")
    if route.methods is not None:
        allowed = sorted(route.methods)
        pattern, allow = "|".join(allowed), ", ".join(allowed)
        body += [
            f'if ($request_method !~ "^({pattern})$") {{',
            "    add_header X-Request-ID $gw_request_id always;",
            f'    add_header Allow "{allow}" always;',
            f"    return 405 {quote(json_error(405))};",
            "}",
        ]
    if route.rewrite is not None and not handler:
        body.append(rewrite_directive(route))
    if route.rate_limit is not None and not handler:
        policy = table.rate_limits[route.rate_limit]
        client = "$binary_remote_addr" if route.auth == "none" else "$gw_client_key"
        body += [
            f"set $gw_rl_client {client};",
            f"set $gw_retry_after {retry_after(policy.rate_per_second)};",
            f"limit_req zone=rl_{route.rate_limit} burst={policy.burst} nodelay;",
        ]
    if not handler and route.auth != "none":
        body += [
            f"auth_request {VERIFY_PATH};",
            "auth_request_set $gw_user_id $upstream_http_x_user_id;",
        ]
    if handler:
        body.append(f"proxy_read_timeout {seconds(route.timeout)};")
        body.append("proxy_next_upstream off;")
        body.append("proxy_pass http://gw_handlers;")
        return body
    upstream = table.upstreams[route.upstream or route.split[0].upstream]
    body.append(f"proxy_connect_timeout {seconds(upstream.connect_timeout)};")
    body.append(f"proxy_read_timeout {seconds(route.timeout)};")
    body.append(f"proxy_send_timeout {seconds(route.timeout)};")
    if route.retries:
        body.append("proxy_next_upstream error timeout;")
        body.append(f"proxy_next_upstream_tries {route.retries + 1};")
    else:
        # No retry, but nginx still sends a request again when the kept-alive connection it
        # reused was closed by the upstream (it adds a try for that), as the gateway does:
        # "off" would answer 502 to every such request during an upstream's restart.
        body.append("proxy_next_upstream error;")
        body.append("proxy_next_upstream_tries 1;")
    if route.shadow is not None:
        body.append(f"mirror /_gw_mirror/{route.name};")
        body.append("mirror_request_body on;")
    body.append(f"proxy_pass http://{target};")
    return body


def rewrite_directive(route: Route) -> str:
    assert route.rewrite is not None
    source = re.escape(route.rewrite.from_prefix)
    if route.rewrite.to_prefix == "/":
        return f"rewrite {regex('^' + source + '(?:/(.*))?$')} /$1 break;"
    return f"rewrite {regex('^' + source + '(.*)$')} {route.rewrite.to_prefix}$1 break;"


def mirror_body(table: RouteTable, route: Route) -> list[str]:
    assert route.shadow is not None
    upstream = table.upstreams[route.shadow]
    return [
        "internal;",
        f"set $gw_upstream {route.shadow};",
        f"proxy_connect_timeout {seconds(upstream.connect_timeout)};",
        f"proxy_read_timeout {seconds(route.timeout)};",
        "proxy_next_upstream off;",
        f"proxy_pass http://{route.shadow}$request_uri;",
    ]
