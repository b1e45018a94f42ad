"""The gateway: route table, auth, rate limits, and the request path from match to reply.

Order of the request path (the brief's contract): reserved paths, then route match (404/405),
auth (401), rate limit (429), then the proxy or the route's handler. Upstream failures are the
gateway's own 502/503/504; anything else that goes wrong is a 500 and a bug.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

from gateway.accesslog import AccessLog
from gateway.auth import AuthError, Identity, JwksKeySource, TokenVerifier, url_fetcher
from gateway.handlers import (
    Handler,
    HandlerRequest,
    HandlerResponse,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from gateway.metrics import Metrics
from gateway.proxy import RelayExchange, error_body, response_bytes
from gateway.ratelimit import MemoryRateLimiter, Policy, RateLimiter, RedisRateLimiter
from gateway.router import RESERVED, Router, split_upstream
from gateway.server import _SANE_REQUEST_ID, _TRACEPARENT_RE, ClientConnection, Reject, Request
from gateway.upstreams import HOP_BY_HOP, UpstreamConnection, UpstreamRegistry
from strangler.routing.model import IDEMPOTENT_METHODS, Match, Route, RouteTable
from strangler.routing.table import RouteTableError, load_route_table, resolve_handler

logger = logging.getLogger("gateway")

_getrandbits = random.getrandbits  # ids need to be unique, not secret: no syscall per request


class ClientGone(Exception):
    """The client closed its connection before its request was complete."""


@dataclass(frozen=True)
class Settings:
    routes: Path
    ports: Mapping[str, int]
    max_body: int = 10 * 1024 * 1024
    header_timeout: float = 10.0
    access_log: str | None = "-"
    redis_url: str | None = None
    jwks_url: str | None = None


@dataclass
class Loaded:
    """Everything derived from one route table; swapped as a whole on reload."""

    table: RouteTable
    router: Router
    policies: dict[str, Policy]
    handlers: dict[str, Handler]


class Gateway:
    def __init__(self, settings: Settings, loop: asyncio.AbstractEventLoop) -> None:
        self.settings = settings
        self.loop = loop
        self.max_body = settings.max_body
        self.header_timeout = settings.header_timeout
        self.connections: set[ClientConnection] = set()
        self.metrics = Metrics()
        self.access_log = AccessLog(settings.access_log, loop)
        self.registry = UpstreamRegistry(loop)
        self.registry.on_membership = self.metrics.set_membership
        self.limiter: RateLimiter = (
            RedisRateLimiter(settings.redis_url) if settings.redis_url else MemoryRateLimiter()
        )
        self.verifier: TokenVerifier | None = None
        self._auth_config: object = None
        self._warm_up: asyncio.Task[None] | None = None
        self.loaded: Loaded | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self.in_flight = 0

    # --- the route table -------------------------------------------------------------------

    def load(self) -> None:
        """Load the table; raises RouteTableError, and then the current table stays."""
        table = load_route_table(self.settings.routes, self.settings.ports)
        handlers = {
            route.handler: resolve_handler(route.handler)
            for route in table.routes
            if route.handler is not None
        }
        loaded = Loaded(
            table=table,
            router=Router(table),
            policies={
                name: Policy(name=name, rate_per_second=p.rate_per_second, burst=p.burst)
                for name, p in table.rate_limits.items()
            },
            handlers=handlers,
        )
        self.registry.configure(table.upstreams)
        for group in self.registry.groups.values():
            for state in group.instances:
                self.metrics.set_membership(group.name, state.address, state.healthy)
        self._configure_auth(table)
        self.loaded = loaded

    def reload(self) -> bool:
        try:
            self.load()
        except RouteTableError as exc:
            self.metrics.reloads["error"] += 1
            logger.error("route table reload refused, keeping the current table: %s", exc)
            return False
        self.metrics.reloads["ok"] += 1
        assert self.loaded is not None
        logger.warning(
            "route table reloaded: %s (%d routes)",
            self.settings.routes,
            len(self.loaded.table.routes),
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
            self.verifier = None
            return
        keys = JwksKeySource(fetch)
        self.verifier = TokenVerifier(keys, issuer=auth.issuer, audience=auth.audience)
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

    # --- lifecycle ---------------------------------------------------------------------------

    def start_sweeper(self) -> None:
        interval = max(0.05, min(1.0, self.header_timeout / 4))

        def sweep() -> None:
            now = self.loop.time()
            for conn in list(self.connections):
                conn.check_timeouts(now, self.header_timeout)
            self._sweeper = self.loop.call_later(interval, sweep)

        self._sweeper = self.loop.call_later(interval, sweep)
        self.registry.start_timeouts()

    def close(self) -> None:
        if self._warm_up is not None:
            self._warm_up.cancel()
        if self._sweeper is not None:
            self._sweeper.cancel()
        self.registry.close()
        self.access_log.close()

    # --- dispatch ------------------------------------------------------------------------------

    def dispatch(self, conn: ClientConnection, request: Request) -> None:
        if self._try_fast(conn, request):
            return
        self.in_flight += 1
        self.loop.create_task(self._serve(conn, request))

    async def _serve(self, conn: ClientConnection, request: Request) -> None:
        state = _Trace(request)
        close = False
        try:
            if request.path in RESERVED:
                await self._reserved(conn, request, state)
            else:
                await self._route(conn, request, state)
        except ClientGone:
            close = True
        except Exception:
            logger.exception("unhandled error on %s %s", request.method, request.path)
            if state.status == 0:
                self._error(conn, request, state, 500, "internal_error", "Internal gateway error.")
            else:
                close = True
        finally:
            self.in_flight -= 1
        self._record(conn, request, state, close or state.close)

    def _record(self, conn: ClientConnection, request: Request, state: _Trace, close: bool) -> None:
        duration = perf_counter() - request.started
        self.metrics.observe(state.route, state.status, duration)
        self.access_log.log(
            method=request.method,
            path=request.path,
            route=state.route,
            upstream=state.upstream,
            instance=state.instance,
            status=state.status,
            duration=duration,
            sent=state.sent,
            request_id=state.request_id,
            trace_id=state.trace_id,
            user=state.user,
            client=conn.client,
        )
        conn.finished(request, close)

    def log_rejection(self, conn: ClientConnection, reject: Reject) -> None:
        self.access_log.log(
            method="-",
            path="-",
            route="-",
            upstream="-",
            instance="-",
            status=reject.status,
            duration=0.0,
            sent=0,
            request_id="-",
            trace_id="-",
            user="",
            client=conn.client,
        )

    def _error(
        self,
        conn: ClientConnection,
        request: Request,
        state: _Trace,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: Sequence[tuple[bytes, bytes]] = (),
    ) -> None:
        state.status = status
        close = not request.keep_alive or not request.complete
        state.close = close
        all_headers = [(b"x-request-id", state.request_id.encode()), *headers]
        conn.write(
            response_bytes(
                status,
                error_body(code, message, details),
                all_headers,
                close=close,
                head=request.method == "HEAD",
            )
        )

    # --- the request path ----------------------------------------------------------------------

    async def _route(self, conn: ClientConnection, request: Request, state: _Trace) -> None:
        loaded = self.loaded
        assert loaded is not None
        candidates = loaded.router.candidates(request.path)
        if candidates is None:
            self._error(
                conn, request, state, 404, "route_not_found", f"No route for {request.path}."
            )
            return
        identity: Identity | None = None
        auth_error: AuthError | None = None
        if request.authorization is not None and any(
            r.match is not None and r.match.claims for r in candidates.routes
        ):  # claims decide the route: verify first, the route's auth mode judges after
            identity, auth_error = await self._verify(request.authorization)
        route = candidates.select(request.method, _Holds(request, identity))
        if route is None:
            if not candidates.method_allowed(request.method):
                self._error(
                    conn,
                    request,
                    state,
                    405,
                    "method_not_allowed",
                    f'Method "{request.method}" not allowed.',
                    headers=((b"allow", candidates.allow.encode()),),
                )
            else:
                self._error(
                    conn, request, state, 404, "route_not_found", f"No route for {request.path}."
                )
            return
        state.route = route.name
        if route.auth != "none":
            if request.authorization is None:
                if route.auth == "required":
                    self._unauthenticated(
                        conn,
                        request,
                        state,
                        AuthError(
                            "not_authenticated",
                            "missing",
                            "Authentication credentials were not provided.",
                        ),
                    )
                    return
            else:
                if identity is None and auth_error is None:
                    identity, auth_error = await self._verify(request.authorization)
                if auth_error is not None:
                    self._unauthenticated(conn, request, state, auth_error)
                    return
        else:
            identity = None
        if identity is not None:
            state.user = identity.user_id
        extra = b"x-request-id: " + state.request_id.encode() + b"\r\n"
        if route.rate_limit is not None:
            policy = loaded.policies[route.rate_limit]
            client_key = identity.user_id if identity is not None else conn.client
            decision = await self.limiter.hit(f"{route.name}:{client_key}", policy)
            if not decision.allowed:
                self._refuse(conn, request, state, route, decision)
                return
            extra += _limit_headers(decision)
        if route.handler is not None:
            await self._handler(conn, request, state, route, identity, loaded, extra)
            return
        upstream = route.upstream
        if upstream is None:
            upstream = split_upstream(
                route, identity.user_id if identity is not None else conn.client
            )
        await self._proxy(conn, request, state, route, upstream, identity, extra)

    def _refuse(
        self, conn: ClientConnection, request: Request, state: _Trace, route: Route, decision: Any
    ) -> None:
        self.metrics.rate_limited[route.name] += 1
        retry_after = max(1, math.ceil(decision.retry_after))
        self._error(
            conn,
            request,
            state,
            429,
            "rate_limited",
            f"Too many requests. Retry in {retry_after} s.",
            headers=(
                (b"retry-after", b"%d" % retry_after),
                (b"ratelimit-limit", b"%d" % decision.limit),
                (b"ratelimit-remaining", b"0"),
                (b"ratelimit-reset", b"%d" % math.ceil(decision.reset_after)),
            ),
        )

    async def _verify(self, authorization: bytes) -> tuple[Identity | None, AuthError | None]:
        if self.verifier is None:
            return None, AuthError(
                "invalid_token", "no_keys", "The gateway has no key source configured."
            )
        try:
            return await self.verifier.verify(authorization), None
        except AuthError as exc:
            return None, exc

    def _unauthenticated(
        self, conn: ClientConnection, request: Request, state: _Trace, exc: AuthError
    ) -> None:
        status = exc.status
        code = exc.code
        headers: tuple[tuple[bytes, bytes], ...] = ()
        if status == 401:
            headers = ((b"www-authenticate", b"Bearer"),)
        self._error(conn, request, state, status, code, exc.message, exc.details, headers)

    def _upstream_headers(
        self,
        conn: ClientConnection,
        request: Request,
        state: _Trace,
        identity: Identity | None,
    ) -> list[tuple[bytes, bytes]]:
        headers = list(request.headers)
        client = conn.client.encode()
        forwarded = request.xff + b", " + client if request.xff is not None else client
        headers.append((b"x-forwarded-for", forwarded))
        headers.append((b"x-forwarded-proto", b"http"))
        if request.host is not None:
            headers.append((b"x-forwarded-host", request.host))
        headers.append((b"x-request-id", state.request_id.encode()))
        headers.append((b"traceparent", state.traceparent))
        if identity is not None:
            headers.append((b"x-user-id", identity.user_id.encode()))
        return headers

    def _head(
        self,
        conn: ClientConnection,
        request: Request,
        state: _Trace,
        route: Route,
        default_host: str,
        identity: Identity | None,
    ) -> tuple[bytes, str, list[tuple[bytes, bytes]]]:
        """The request head sent upstream, the target, and the headers (for a shadow copy)."""
        path = route.rewrite.apply(request.path) if route.rewrite is not None else request.path
        target = path + "?" + request.query if request.query else path
        headers = self._upstream_headers(conn, request, state, identity)
        lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode(), target.encode("latin-1"))]
        for name, value in headers:
            lines.append(name + b": " + value + b"\r\n")
        if request.host is None:
            lines.append(b"host: " + default_host.encode() + b"\r\n")
        if request.chunked:  # sent on with a Content-Length: Django reads no chunked body
            lines.append(b"content-length: %d\r\n" % request.received)
        elif request.content_length >= 0:
            lines.append(b"content-length: %d\r\n" % request.content_length)
        lines.append(b"\r\n")
        return b"".join(lines), target, headers

    def _start(
        self,
        conn: ClientConnection,
        request: Request,
        route: Route,
        upstream_conn: UpstreamConnection,
        head: bytes,
        extra: bytes,
        on_done: Callable[[str], None],
    ) -> RelayExchange:
        exchange = RelayExchange(conn, request, extra, on_done)
        conn.upstream = upstream_conn
        upstream_conn.start(exchange, head, route.timeout, request.method == "HEAD")
        if conn.write_paused:
            upstream_conn.pause_reading()
        self._attach(conn, request, upstream_conn)
        return exchange

    def _settle(
        self,
        conn: ClientConnection,
        request: Request,
        state: _Trace,
        route: Route,
        upstream: str,
        exchange: RelayExchange,
        outcome: str,
        stale_retry: bool,
    ) -> bool:
        """Account for a finished exchange; True when it should be tried once more."""
        conn.upstream = None
        request.sink = None
        state.status = exchange.status
        state.sent = exchange.sent
        state.close = exchange.close_after
        if outcome == "ok":
            return False
        if outcome == "client_gone":
            state.close = True
            return False
        if exchange.head_seen:  # a reply cut short: the client connection is aborted
            self.metrics.upstream_error(upstream, outcome)
            state.close = True
            return False
        conn_up = exchange.conn
        if outcome == "reset" and stale_retry and conn_up is not None and conn_up.reused:
            return True  # a pooled connection the upstream had already closed
        self.metrics.upstream_error(upstream, outcome)
        if outcome == "timeout":
            self._error(
                conn,
                request,
                state,
                504,
                "gateway_timeout",
                f"Upstream {upstream} did not answer within {route.timeout:g} s.",
                {"upstream": upstream},
            )
        else:
            self._error(
                conn,
                request,
                state,
                502,
                "bad_gateway",
                f"Upstream {upstream} closed the connection without a reply.",
                {"upstream": upstream},
            )
        if request.has_body and not request.complete:
            state.close = True
        return False

    def _try_fast(self, conn: ClientConnection, request: Request) -> bool:
        """Proxy without a task when nothing needs to wait: no token to verify, an idle pooled
        connection at hand, an in-memory rate limiter. Anything else takes the full path."""
        loaded = self.loaded
        if loaded is None or request.chunked or request.path in RESERVED:
            return False
        candidates = loaded.router.candidates(request.path)
        if candidates is None or len(candidates.routes) != 1:
            return False
        route = candidates.routes[0]
        if (
            route.upstream is None
            or route.match is not None
            or route.shadow is not None
            or (route.methods is not None and request.method not in route.methods)
            or (route.auth != "none" and request.authorization is not None)
            or route.auth == "required"
        ):
            return False
        limiter = self.limiter
        if route.rate_limit is not None and not isinstance(limiter, MemoryRateLimiter):
            return False
        group = self.registry.groups[route.upstream]
        instance = group.pick()
        if instance is None:
            return False
        upstream_conn = instance.take_idle(self.loop)
        if upstream_conn is None:
            group.unpick()  # the full path picks again: keep the rotation fair
            return False
        self.in_flight += 1
        state = _Trace(request)
        state.route = route.name
        state.upstream = route.upstream
        state.instance = instance.address
        extra = b"x-request-id: " + state.request_id.encode() + b"\r\n"
        if route.rate_limit is not None:
            assert isinstance(limiter, MemoryRateLimiter)
            policy = loaded.policies[route.rate_limit]
            decision = limiter.hit_now(route.name + ":" + conn.client, policy)
            if not decision.allowed:
                instance.release(upstream_conn, True)
                self._refuse(conn, request, state, route, decision)
                self.in_flight -= 1
                self._record(conn, request, state, False)
                return True
            extra += _limit_headers(decision)
        head, _, _ = self._head(conn, request, state, route, instance.address, None)
        fast = _FastExchange(self, conn, request, state, route)
        fast.exchange = self._start(conn, request, route, upstream_conn, head, extra, fast.done)
        return True

    async def _proxy(
        self,
        conn: ClientConnection,
        request: Request,
        state: _Trace,
        route: Route,
        upstream: str,
        identity: Identity | None,
        extra: bytes,
        *,
        stale_retry: bool = True,
    ) -> None:
        state.upstream = upstream
        group = self.registry.groups[upstream]
        if request.chunked:
            await self._whole_body(conn, request)
        head, target, headers = self._head(
            conn, request, state, route, group.instances[0].address, identity
        )
        if route.shadow is not None:
            body = await self._whole_body(conn, request)
            self._shadow(route, request.method, target, headers, body)
        retries = route.retries if request.method in IDEMPOTENT_METHODS else 0
        tried: list[Any] = []
        stale_retry = stale_retry and not request.has_body
        while True:
            instance = group.pick(tried)
            if instance is None:
                self.metrics.upstream_error(upstream, "unavailable")
                self._error(
                    conn,
                    request,
                    state,
                    503,
                    "service_unavailable",
                    f"No healthy instance of upstream {upstream}.",
                    {"upstream": upstream},
                )
                return
            state.instance = instance.address
            try:
                upstream_conn = await instance.acquire(self.loop)
            except (OSError, TimeoutError) as exc:
                group.connect_failed(instance)
                kind = "connect_timeout" if isinstance(exc, TimeoutError) else "connect"
                self.metrics.upstream_error(upstream, kind)
                tried.append(instance)
                if len(tried) <= retries:
                    continue
                if isinstance(exc, TimeoutError):
                    self._error(
                        conn,
                        request,
                        state,
                        504,
                        "gateway_timeout",
                        f"Upstream {upstream} did not accept a connection in time.",
                        {"upstream": upstream},
                    )
                else:
                    self._error(
                        conn,
                        request,
                        state,
                        502,
                        "bad_gateway",
                        f"Upstream {upstream} refused the connection.",
                        {"upstream": upstream},
                    )
                return
            if conn.closed:
                instance.release(upstream_conn, True)
                raise ClientGone
            group.connect_ok(instance)
            future: asyncio.Future[str] = self.loop.create_future()
            exchange = self._start(
                conn, request, route, upstream_conn, head, extra, future.set_result
            )
            outcome = await future
            if self._settle(conn, request, state, route, upstream, exchange, outcome, stale_retry):
                stale_retry = False
                continue
            return

    def _attach(self, conn: ClientConnection, request: Request, upstream: Any) -> None:
        if request.chunked:  # already whole: send what was buffered
            for chunk in request.chunks:
                upstream.write(chunk)
            upstream.exchange_request_sent()
        elif request.has_body:
            conn.attach_body(request, upstream)
        else:
            upstream.exchange_request_sent()

    async def _whole_body(self, conn: ClientConnection, request: Request) -> bytes:
        body = await conn.read_body(request)
        if not request.complete:
            raise ClientGone
        return body

    def _shadow(
        self,
        route: Route,
        method: str,
        target: str,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        shadow = route.shadow
        assert shadow is not None

        async def mirror() -> None:
            try:
                await self.registry.request(
                    shadow, method, target, headers=headers, body=body, timeout=route.timeout
                )
            except (UpstreamTimeout, UpstreamUnavailable) as exc:
                kind = "timeout" if isinstance(exc, UpstreamTimeout) else "unavailable"
                self.metrics.upstream_error(shadow, f"shadow_{kind}")

        self.loop.create_task(mirror())

    async def _handler(
        self,
        conn: ClientConnection,
        request: Request,
        state: _Trace,
        route: Route,
        identity: Identity | None,
        loaded: Loaded,
        extra: bytes,
    ) -> None:
        assert route.handler is not None
        handler = loaded.handlers[route.handler]
        body = await self._whole_body(conn, request)
        candidates = loaded.router.candidates(request.path)
        params = candidates.params if candidates is not None else {}
        handler_request = HandlerRequest(
            method=request.method,
            path=request.path,
            query=request.query,
            path_params=params,
            headers=self._upstream_headers(conn, request, state, identity),
            body=body,
            identity=identity,
            request_id=state.request_id,
        )
        state.upstream = "handler"
        try:
            async with asyncio.timeout(route.timeout):
                response: HandlerResponse = await handler(
                    handler_request, self.registry, route.options
                )
        except (UpstreamTimeout, TimeoutError):
            self._error(
                conn,
                request,
                state,
                504,
                "gateway_timeout",
                "An upstream did not answer in time.",
            )
            return
        except UpstreamUnavailable as exc:
            self._error(conn, request, state, 502, "bad_gateway", f"{exc}.")
            return
        headers = [
            (name, value)
            for name, value in response.headers
            if name.lower() not in HOP_BY_HOP
            and name.lower() not in (b"content-length", b"x-request-id")
        ]
        state.status = response.status
        state.sent = len(response.body)
        close = not request.keep_alive
        state.close = close
        has_type = any(name.lower() == b"content-type" for name, _ in headers)
        conn.write(
            response_bytes(
                response.status,
                response.body,
                [*headers, *_split_extra(extra)],
                content_type=b"" if has_type else b"application/json",
                close=close,
                head=request.method == "HEAD",
            )
        )

    # --- the gateway's own endpoints -------------------------------------------------------------

    async def _reserved(self, conn: ClientConnection, request: Request, state: _Trace) -> None:
        path = request.path
        state.route = path
        if path == "/health/live":
            self._json(conn, request, state, 200, {"status": "ok"})
        elif path == "/health/ready":
            counts = self.registry.is_ready() if self.loaded is not None else {}
            empty = sorted(name for name, count in counts.items() if count == 0)
            if self.loaded is None or empty:
                self._error(
                    conn,
                    request,
                    state,
                    503,
                    "service_unavailable",
                    "No healthy instance of: " + ", ".join(empty) + "."
                    if empty
                    else "No route table loaded.",
                    {"upstreams": counts, "unavailable": empty},
                )
            else:
                self._json(conn, request, state, 200, {"status": "ok", "upstreams": counts})
        elif path == "/metrics":
            body = self.metrics.render()
            state.status = 200
            conn.write(
                response_bytes(
                    200,
                    body,
                    ((b"x-request-id", state.request_id.encode()),),
                    content_type=b"text/plain; version=0.0.4; charset=utf-8",
                    close=not request.keep_alive,
                    head=request.method == "HEAD",
                )
            )
        else:
            await self._verify_endpoint(conn, request, state)

    async def _verify_endpoint(
        self, conn: ClientConnection, request: Request, state: _Trace
    ) -> None:
        """nginx ``auth_request``: 204 (with ``X-User-Id`` when signed in) or 401."""
        loaded = self.loaded
        assert loaded is not None
        original = _header(request, b"x-original-uri") or b"/"
        method = (_header(request, b"x-original-method") or b"GET").decode("latin-1")
        path = original.decode("latin-1").partition("?")[0]
        candidates = loaded.router.candidates(path)
        route = candidates.select(method, lambda m: True) if candidates else None
        mode = route.auth if route is not None else "optional"
        identity = None
        if mode != "none":
            if request.authorization is None:
                if mode == "required":
                    self._unauthenticated(
                        conn,
                        request,
                        state,
                        AuthError(
                            "not_authenticated",
                            "missing",
                            "Authentication credentials were not provided.",
                        ),
                    )
                    return
            else:
                identity, error = await self._verify(request.authorization)
                if error is not None:
                    self._unauthenticated(conn, request, state, error)
                    return
        headers = [(b"x-request-id", state.request_id.encode())]
        if identity is not None:
            headers.append((b"x-user-id", identity.user_id.encode()))
            state.user = identity.user_id
        state.status = 204
        conn.write(
            response_bytes(204, b"", headers, content_type=b"", close=not request.keep_alive)
        )

    def _json(
        self, conn: ClientConnection, request: Request, state: _Trace, status: int, data: Any
    ) -> None:
        state.status = status
        conn.write(
            response_bytes(
                status,
                json.dumps(data).encode(),
                ((b"x-request-id", state.request_id.encode()),),
                close=not request.keep_alive,
                head=request.method == "HEAD",
            )
        )


class _FastExchange:
    """Completion of a proxied request started without a task (see ``Gateway._try_fast``)."""

    __slots__ = ("conn", "exchange", "gateway", "request", "route", "state")

    def __init__(
        self,
        gateway: Gateway,
        conn: ClientConnection,
        request: Request,
        state: _Trace,
        route: Route,
    ) -> None:
        self.gateway = gateway
        self.conn = conn
        self.request = request
        self.state = state
        self.route = route
        self.exchange: RelayExchange | None = None

    def done(self, outcome: str) -> None:
        gateway, state, route = self.gateway, self.state, self.route
        exchange = self.exchange
        assert exchange is not None and route.upstream is not None
        stale = not self.request.has_body
        if gateway._settle(
            self.conn, self.request, state, route, route.upstream, exchange, outcome, stale
        ):  # the full path tries once more, on a fresh connection
            gateway.loop.create_task(self._retry())
            return
        gateway.in_flight -= 1
        gateway._record(self.conn, self.request, state, state.close)

    async def _retry(self) -> None:
        gateway, state, route = self.gateway, self.state, self.route
        assert route.upstream is not None
        close = False
        try:
            extra = b"x-request-id: " + state.request_id.encode() + b"\r\n"
            await gateway._proxy(
                self.conn,
                self.request,
                state,
                route,
                route.upstream,
                None,
                extra,
                stale_retry=False,
            )
        except ClientGone:
            close = True
        finally:
            gateway.in_flight -= 1
        gateway._record(self.conn, self.request, state, close or state.close)


def _limit_headers(decision: Any) -> bytes:
    return b"ratelimit-limit: %d\r\nratelimit-remaining: %d\r\nratelimit-reset: %d\r\n" % (
        decision.limit,
        decision.remaining,
        math.ceil(decision.reset_after),
    )


class _Trace:
    """What the access log and metrics need to know about one request."""

    __slots__ = (
        "close",
        "instance",
        "request_id",
        "route",
        "sent",
        "status",
        "trace_id",
        "traceparent",
        "upstream",
        "user",
    )

    def __init__(self, request: Request) -> None:
        self.route = "-"
        self.upstream = "-"
        self.instance = "-"
        self.status = 0
        self.sent = 0
        self.close = False
        self.user = ""
        given = request.traceparent
        found = _TRACEPARENT_RE.fullmatch(given) if given is not None else None
        if given is not None and found is not None and found.group(1) != b"0" * 32:
            self.traceparent: bytes = given
            self.trace_id = found.group(1).decode()
        else:
            self.trace_id = f"{_getrandbits(128):032x}"
            self.traceparent = b"00-%s-%016x-01" % (self.trace_id.encode(), _getrandbits(64))
        rid = request.request_id
        if rid is not None and _SANE_REQUEST_ID.fullmatch(rid):
            self.request_id = rid.decode()
        else:
            self.request_id = self.trace_id


class _Holds:
    """Whether a route's ``match`` holds for this request (claims need a verified token)."""

    __slots__ = ("identity", "request")

    def __init__(self, request: Request, identity: Identity | None) -> None:
        self.request = request
        self.identity = identity

    def __call__(self, match: Match) -> bool:
        for name, expected in match.headers:
            if _header(self.request, name.encode("latin-1")) != expected.encode("latin-1"):
                return False
        if match.claims:
            if self.identity is None:
                return False
            claims = self.identity.claims
            for name, expected in match.claims:
                value = claims.get(name)
                if value is None or _claim_text(value) != expected:
                    return False
        return True


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _header(request: Request, name: bytes) -> bytes | None:
    for key, value in request.headers:
        if key == name:
            return value
    return None


def _split_extra(extra: bytes) -> list[tuple[bytes, bytes]]:
    pairs = []
    for line in extra.split(b"\r\n"):
        if line:
            name, _, value = line.partition(b": ")
            pairs.append((name, value))
    return pairs
