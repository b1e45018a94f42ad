"""Export a route table to a complete nginx.conf: the production gateway, from the same file.

The output runs unprivileged: ``nginx -p DIR -c DIR/nginx.conf -e stderr`` keeps its pid,
logs and temp files under ``DIR`` and stays in the foreground. What nginx (open source, no
modules beyond the Debian package's) cannot express is refused with a clear message rather
than exported wrong; the few places where it behaves differently from the Python gateway are
said in comments in the output and asserted by the conformance suite:

- rate limits are keyed on the ``Authorization`` header (or the client IP without one), not
  on the user id: ``limit_req`` runs before ``auth_request``, so the id is not known yet;
- no ``RateLimit-*`` headers (``Retry-After`` is sent, from the policy's rate);
- no active health checks: an instance leaves the pool after ``eject_after`` failures
  (``max_fails``) and is tried again after ``fail_timeout``; with no instance left nginx
  answers 502 where the Python gateway answers 503;
- ``X-Authenticated-*`` headers are stripped by a fixed list of names (nginx cannot drop
  headers by prefix), as are the headers named in ``Connection``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from strangler.routing.model import Route, RouteTable, Upstream

# Headers only the gateway may set: a client sending them is stripped, never trusted.
IDENTITY_HEADERS = (
    "X-User-Id",
    "X-User-Email",
    "X-Authenticated-User",
    "X-Authenticated-Userid",
    "X-Authenticated-User-Id",
    "X-Authenticated-Email",
    "X-Authenticated-Scope",
    "X-Authenticated-Groups",
    "X-Authenticated-Roles",
    "X-Authenticated-Claims",
)
HOP_BY_HOP_REQUEST = (
    "Connection",
    "Keep-Alive",
    "Proxy-Authorization",
    "Proxy-Connection",
    "TE",
    "Trailer",
    "Upgrade",
)
HOP_BY_HOP_RESPONSE = ("Proxy-Authenticate", "Trailer", "Upgrade")

VERIFY_PATH = "/_gateway/verify"
DEFAULT_MAX_BODY = 10 * 1024 * 1024
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
PATH_ATTACK_PATTERN = r"^[^?]*(/\.\.?(/|\?|$)|%2e|%2f|%5c|%00|\\|%25(2e|2f|5c|00))"

# status -> (code, message) of the project's JSON error shape, for the replies nginx makes.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("malformed_request", "The request could not be parsed."),
    401: ("$gw_auth_code", "Authentication credentials were missing or invalid."),
    404: ("route_not_found", "No route matches this path."),
    405: ("method_not_allowed", "This method is not allowed on this path."),
    408: ("request_timeout", "The request was not received in time."),
    413: ("payload_too_large", "The request body is larger than the gateway accepts."),
    414: ("uri_too_long", "The request URL is too long."),
    429: ("rate_limited", "Too many requests; retry later."),
    431: ("headers_too_large", "The request headers are too large."),
    500: ("internal_error", "The gateway failed to handle the request."),
    502: ("bad_gateway", "The upstream service could not be reached."),
    503: ("service_unavailable", "No upstream instance is available."),
    504: ("gateway_timeout", "The upstream service did not answer in time."),
}
PATH_ATTACK = ("path_traversal", "The path holds a dot segment or an encoded separator.")


class NginxExportError(ValueError):
    """The table uses something nginx cannot do; ``problems`` names each route and why."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"cannot export to nginx: {len(problems)} problem(s):\n{listing}")


@dataclass(frozen=True)
class ExportOptions:
    listen: str = "8000"  # "PORT" (every interface) or "HOST:PORT"
    verifier: str | None = None  # host:port of the Python gateway's /_gateway/verify
    handlers_upstream: str | None = None  # host:port of a Python gateway answering handlers
    max_body: int = DEFAULT_MAX_BODY
    header_timeout: float = 10.0
    workers: str = "auto"
    access_log: str = "access.log"  # relative to the nginx prefix, or "off"
    error_log: str = "stderr"
    keepalive: int = 64
    source: str = ""


def export_nginx(table: RouteTable, options: ExportOptions) -> str:
    """The nginx.conf text for ``table``; raises :class:`NginxExportError` listing problems."""
    plan = _plan(table, options)
    return _Writer(table, options, plan).render()


@dataclass(frozen=True)
class _Plan:
    proxied: tuple[Route, ...]  # exported, in the file's order
    handlers: tuple[Route, ...]  # exported to the handlers upstream
    skipped: tuple[tuple[Route, str], ...]  # left out, with the reason written as a comment
    upstreams: tuple[Upstream, ...]  # the upstream blocks the locations need


def _plan(table: RouteTable, options: ExportOptions) -> _Plan:
    problems: list[str] = []
    skipped: list[tuple[Route, str]] = []
    by_key: dict[str, list[Route]] = {}
    for route in table.routes:
        by_key.setdefault(route.key, []).append(route)
    kept: list[Route] = []
    for route in table.routes:
        siblings = [r for r in by_key[route.key] if r is not route]
        if route.match is not None:
            if any(sibling.match is None for sibling in siblings):
                skipped.append((route, "a canary variant (match on claims/headers): not exported"))
                continue
            problems.append(
                f"route {route.name}: nginx cannot match on token claims or headers "
                "(only a canary variant next to a plain route of the same path can be left out)"
            )
            continue
        if route.handler is not None and options.handlers_upstream is None:
            skipped.append(
                (route, f"answered by the handler {route.handler}: pass --handlers-upstream")
            )
            continue
        kept.append(route)
    for key, group in by_key.items():
        plain = [r for r in group if r in kept]
        if len(plain) > 1:
            listed = ", ".join(r.name for r in plain)
            problems.append(
                f"routes {listed}: one {key.replace(':', ' ', 1)} split by method across routes "
                "cannot be exported (nginx routes a location to one target)"
            )
    exact = {r.prefix for r in kept if r.prefix is not None}
    for route in kept:
        if route.path is not None and not route.path.params and route.path.text in exact:
            problems.append(f"route {route.name}: path {route.path.text} is also a prefix route")
    needs_verifier = [r.name for r in kept if r.handler is None and r.auth != "none"]
    if needs_verifier and options.verifier is None:
        problems.append(
            f"routes {', '.join(needs_verifier)} check tokens: pass --verifier HOST:PORT "
            f"(the Python gateway's {VERIFY_PATH}, used by auth_request)"
        )
    names: list[str] = []
    for route in kept:
        if route.handler is not None:
            continue
        targets = [route.upstream] if route.upstream else [t.upstream for t in route.split]
        for name in [*targets, route.shadow]:
            if name is None or name in names:
                continue
            if table.upstreams[name].protocol != "http":
                problems.append(f"route {route.name}: upstream {name} speaks grpc, not http")
            names.append(name)
    if problems:
        raise NginxExportError(problems)
    return _Plan(
        proxied=tuple(r for r in kept if r.handler is None),
        handlers=tuple(r for r in kept if r.handler is not None),
        skipped=tuple(skipped),
        upstreams=tuple(table.upstreams[name] for name in names),
    )


def _seconds(value: float) -> str:
    """nginx time: whole seconds when exact, else milliseconds."""
    if value == int(value):
        return f"{int(value)}s"
    return f"{max(1, round(value * 1000))}ms"


def _quote(text: str) -> str:
    """An nginx string literal; the JSON bodies we write hold no quote nginx would read."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _regex(pattern: str) -> str:
    """A regex as an nginx double-quoted string: nginx unescapes backslashes there once."""
    return '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _json_error(status: int) -> str:
    code, message = ERRORS[status]
    return json.dumps({"error": {"code": code, "message": message, "details": {}}})


def _nginx_rate(rate: str) -> str:
    number, unit = rate.split("/")
    return f"{number}r/{unit}"


def _retry_after(rate_per_second: float) -> int:
    return max(1, math.ceil(1 / rate_per_second))


def _location_regex(route: Route) -> str:
    assert route.path is not None
    pattern = route.path.regex.pattern
    return "^" + re.sub(r"\(\?P<[a-z0-9_]+>", "(?:", pattern) + "$"


class _Writer:
    def __init__(self, table: RouteTable, options: ExportOptions, plan: _Plan) -> None:
        self.table = table
        self.options = options
        self.plan = plan
        self.lines: list[str] = []
        self.depth = 0

    def line(self, text: str = "") -> None:
        self.lines.append(("    " * self.depth + text) if text else "")

    def block(self, opener: str, body: Iterable[str]) -> None:
        self.line(opener + " {")
        self.depth += 1
        for text in body:
            self.line(text)
        self.depth -= 1
        self.line("}")

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

    # --- http level -------------------------------------------------------------------------

    def http(self) -> None:
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            self.line(f"{kind}_temp_path {kind}_temp;")
        self.line("server_tokens off;")
        self.line("default_type application/json;")
        self.line(f"client_max_body_size {self.options.max_body};")
        self.line(f"client_header_timeout {_seconds(self.options.header_timeout)};")
        self.line(f"client_body_timeout {_seconds(self.options.header_timeout)};")
        self.line("large_client_header_buffers 4 16k;")
        self.line("keepalive_timeout 75s;")
        self.line("keepalive_requests 10000;")
        self.line("proxy_http_version 1.1;")
        self.line("limit_req_status 429;")
        self.line("limit_req_log_level warn;")
        self.line()
        self.log_format()
        self.maps()
        self.rate_limit_zones()
        self.split_clients()
        self.upstream_blocks()
        self.server()

    def log_format(self) -> None:
        fields = {
            "ts": "$time_iso8601",
            "method": "$request_method",
            "path": "$uri",
            "route": "$gw_route",
            "upstream": "$gw_upstream",
            "instance": "$upstream_addr",
            "status": "$status",
            "duration_s": "$request_time",
            "bytes": "$body_bytes_sent",
            "request_id": "$gw_request_id",
            "traceparent": "$gw_traceparent",
            "user": "$gw_user_id",
            "client": "$remote_addr",
        }
        body = ",".join(f'"{key}":"{value}"' for key, value in fields.items())
        self.line(f"log_format gateway escape=json '{{{body}}}';")
        log = self.options.access_log
        self.line(
            "access_log off;" if log == "off" else f"access_log {log} gateway buffer=64k flush=1s;"
        )
        self.line()

    def maps(self) -> None:
        self.line("# A sane client X-Request-ID is passed on, anything else replaced.")
        self.block(
            "map $http_x_request_id $gw_request_id",
            [f'"~{REQUEST_ID_PATTERN}" $http_x_request_id;', "default $request_id;"],
        )
        self.block("map $request_id $gw_span_id", ['"~^(?<span>.{16})" $span;'])
        self.block(
            "map $http_traceparent $gw_traceparent",
            [
                f'"~{TRACEPARENT_PATTERN}" $http_traceparent;',
                'default "00-$request_id-$gw_span_id-01";',
            ],
        )
        self.block(
            "map $http_authorization $gw_auth_code",
            ['"" not_authenticated;', "default invalid_token;"],
        )
        self.line("# Rate-limit and canary key: nginx cannot key on the user id, known only after")
        self.line("# auth_request (which runs after limit_req), so a token stands for its user.")
        self.block(
            "map $http_authorization $gw_client_key",
            ['"" $binary_remote_addr;', "default $http_authorization;"],
        )
        self.line()

    def rate_limit_zones(self) -> None:
        used = sorted({r.rate_limit for r in self.plan.proxied if r.rate_limit})
        for name in used:
            policy = self.table.rate_limits[name]
            self.line(
                f"limit_req_zone $gw_route$gw_rl_client zone=rl_{name}:10m "
                f"rate={_nginx_rate(policy.rate)};"
            )
        if used:
            self.line()

    def split_clients(self) -> None:
        for route in self.plan.proxied:
            if not route.split:
                continue
            entries = [f"{t.weight}% {t.upstream};" for t in route.split[:-1]]
            entries.append(f"* {route.split[-1].upstream};")
            self.line("# Sticky per token (or IP); nginx's hash, not the Python gateway's buckets.")
            self.block(f'split_clients "$gw_client_key" {_split_var(route)}', entries)
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
        return _seconds(max(health.interval * health.rise, 0.2))

    # --- the server -------------------------------------------------------------------------

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
        for text in self.proxy_headers():
            self.line(text)
        self.line("# Never normalise-and-forward: traversal and encoded separators are refused.")
        self.block(
            f"if ($request_uri ~* {_regex(PATH_ATTACK_PATTERN)})",
            [f"return 400 {_quote(self.path_attack_body())};"],
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
            self.block("location /", [f"return 404 {_quote(_json_error(404))};"])
        self.depth -= 1
        self.line("}")

    def path_attack_body(self) -> str:
        code, message = PATH_ATTACK
        return json.dumps({"error": {"code": code, "message": message, "details": {}}})

    def error_pages(self) -> None:
        """Every location repeats these: nginx inherits error_page only into a bare location."""
        self.line("error_page 400 @gw_400;")
        self.line("error_page 494 =431 @gw_431;")
        for status in (401, 404, 413, 414, 429, 500, 502, 503, 504):
            self.line(f"error_page {status} @gw_{status};")

    def error_locations(self) -> None:
        for status in (400, 401, 404, 413, 414, 429, 431, 500, 502, 503, 504):
            body = ["add_header X-Request-ID $gw_request_id always;"]
            if status == 401:
                body.append("add_header WWW-Authenticate Bearer always;")
            if status == 429:
                body.append("add_header Retry-After $gw_retry_after always;")
            body.append(f"return {status} {_quote(_json_error(status))};")
            self.block(f"location @gw_{status}", body)
        self.line()

    def reserved_locations(self) -> None:
        ok = _quote(json.dumps({"status": "ok"}))
        self.block("location = /health/live", [f"return 200 {ok};"])
        self.line("# nginx has no active checks: ready means the process is up.")
        self.block("location = /health/ready", [f"return 200 {ok};"])
        self.block("location = /metrics", [f"return 404 {_quote(_json_error(404))};"])
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
            self.block(f"location = {VERIFY_PATH}", [f"return 404 {_quote(_json_error(404))};"])
        self.line()

    # --- one route --------------------------------------------------------------------------

    def route_locations(self, route: Route) -> None:
        self.line(f"# route {route.name}: {self.describe(route)}")
        body = self.route_body(route)
        if route.path is not None:
            if route.path.params:
                self.block(f"location ~ {_regex(_location_regex(route))}", body)
            else:
                self.block(f"location = {route.path.text}", body)
        elif route.prefix == "/":
            self.block("location /", body)
        else:
            self.block(f"location = {route.prefix}", body)
            self.block(f"location {route.prefix}/", body)
        if route.shadow is not None:
            self.block(f"location = /_gw_mirror/{route.name}", self.mirror_body(route))
        self.line()

    def describe(self, route: Route) -> str:
        where = route.prefix if route.path is None else route.path.text
        methods = ",".join(sorted(route.methods)) if route.methods else "any method"
        if route.handler is not None:
            target = f"handler {route.handler} (Python gateway)"
        elif route.split:
            target = " / ".join(f"{t.upstream} {t.weight}%" for t in route.split)
        else:
            target = str(route.upstream)
        return f"{where} [{methods}] -> {target}"

    def route_body(self, route: Route) -> list[str]:
        handler = route.handler is not None
        body = [f"set $gw_route {route.name};"]
        target = "gw_handlers" if handler else (route.upstream or _split_var(route))
        body.append(f"set $gw_upstream {target};")
        if route.methods is not None:
            allowed = sorted(route.methods)
            pattern, allow = "|".join(allowed), ", ".join(allowed)
            body += [
                f'if ($request_method !~ "^({pattern})$") {{',
                "    add_header X-Request-ID $gw_request_id always;",
                f'    add_header Allow "{allow}" always;',
                f"    return 405 {_quote(_json_error(405))};",
                "}",
            ]
        if route.rewrite is not None and not handler:
            body.append(self.rewrite(route))
        if route.rate_limit is not None and not handler:
            policy = self.table.rate_limits[route.rate_limit]
            client = "$binary_remote_addr" if route.auth == "none" else "$gw_client_key"
            body += [
                f"set $gw_rl_client {client};",
                f"set $gw_retry_after {_retry_after(policy.rate_per_second)};",
                f"limit_req zone=rl_{route.rate_limit} burst={policy.burst} nodelay;",
            ]
        if not handler and route.auth != "none":
            body += [
                f"auth_request {VERIFY_PATH};",
                "auth_request_set $gw_user_id $upstream_http_x_user_id;",
            ]
        if handler:
            body.append(f"proxy_read_timeout {_seconds(route.timeout)};")
            body.append("proxy_next_upstream off;")
            body.append("proxy_pass http://gw_handlers;")
            return body
        upstream = self.table.upstreams[route.upstream or route.split[0].upstream]
        body.append(f"proxy_connect_timeout {_seconds(upstream.connect_timeout)};")
        body.append(f"proxy_read_timeout {_seconds(route.timeout)};")
        body.append(f"proxy_send_timeout {_seconds(route.timeout)};")
        if route.retries:
            body.append("proxy_next_upstream error timeout;")
            body.append(f"proxy_next_upstream_tries {route.retries + 1};")
        else:
            body.append("proxy_next_upstream off;")
        if route.shadow is not None:
            body.append(f"mirror /_gw_mirror/{route.name};")
            body.append("mirror_request_body on;")
        body.append(f"proxy_pass http://{target};")
        return body

    def rewrite(self, route: Route) -> str:
        assert route.rewrite is not None
        source = re.escape(route.rewrite.from_prefix)
        if route.rewrite.to_prefix == "/":
            return f"rewrite {_regex('^' + source + '(?:/(.*))?$')} /$1 break;"
        return f"rewrite {_regex('^' + source + '(.*)$')} {route.rewrite.to_prefix}$1 break;"

    def proxy_headers(self) -> list[str]:
        """$gw_user_id is empty unless auth_request set it: a client's X-User-Id never passes."""
        lines = [
            "proxy_set_header Host $http_host;",
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "proxy_set_header X-Forwarded-Proto $scheme;",
            "proxy_set_header X-Forwarded-Host $http_host;",
            "proxy_set_header X-Request-ID $gw_request_id;",
            "proxy_set_header traceparent $gw_traceparent;",
        ]
        for name in IDENTITY_HEADERS:
            value = "$gw_user_id" if name == "X-User-Id" else '""'
            lines.append(f"proxy_set_header {name} {value};")
        lines += [f'proxy_set_header {name} "";' for name in HOP_BY_HOP_REQUEST]
        lines += [f"proxy_hide_header {name};" for name in (*HOP_BY_HOP_RESPONSE, "X-Request-ID")]
        return lines

    def mirror_body(self, route: Route) -> list[str]:
        assert route.shadow is not None
        upstream = self.table.upstreams[route.shadow]
        return [
            "internal;",
            f"set $gw_upstream {route.shadow};",
            f"proxy_connect_timeout {_seconds(upstream.connect_timeout)};",
            f"proxy_read_timeout {_seconds(route.timeout)};",
            "proxy_next_upstream off;",
            f"proxy_pass http://{route.shadow}$request_uri;",
        ]


def _split_var(route: Route) -> str:
    return "$gw_split_" + route.name.replace("-", "_")
