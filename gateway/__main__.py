"""``python -m gateway serve --routes FILE --port 8000 --upstream-port monolith=8001``.

``--upstream NAME=HOST:PORT[,HOST:PORT...]`` replaces the instances the table lists for the
upstream ``NAME`` (repeatable, one per upstream), and keeps doing so across reloads: the same
table serves one local process or two replicas, or containers by name
(``--upstream monolith=monolith:8001``). An unknown upstream or a bad address exits with 2.

Environment: ``REDIS_URL`` (shared rate limits; in-memory without it), ``GATEWAY_JWKS_URL``
(else the route table's ``auth.jwks``), ``GATEWAY_MAX_BODY`` (bytes, default 10 MiB),
``GATEWAY_HEADER_TIMEOUT`` (seconds a client may take to send a request head, default 10),
``GATEWAY_TRUSTED_PROXIES`` (comma-separated IPs/CIDRs of proxies in front whose
``X-Forwarded-For`` names the client, default none; a bad entry exits with 2).
Tracing as in the services: ``OTEL_EXPORTER_OTLP_ENDPOINT``, else ``TRACES_DIR`` or
``<STRANGLER_VAR_DIR>/traces``; ``OTEL_SDK_DISABLED=true`` records no span;
``OTEL_TRACES_SAMPLER`` (``traceidratio`` with ``OTEL_TRACES_SAMPLER_ARG``) samples a share of
the traces the gateway starts (:mod:`gateway.sinks.spans`; a bad value exits with 2).
From stage 5 (``CONFIG_STORE=on``) the central config store (``CONFIG_STORE_URL``, else the
embedded one) may override the table's rate limits, applied as the store changes, without a
reload (:mod:`gateway.policy.live_limits`; a bad URL exits with 2).
``SIGHUP`` reloads the route table (a bad one is refused and the current one kept);
``SIGTERM``/``SIGINT`` stop accepting, let in-flight requests finish (up to 10 s), and exit.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from pathlib import Path

import uvloop

from gateway.app import ConfigStoreUrlError, Gateway, Settings
from gateway.policy.forwarded import TrustedProxies, TrustedProxiesError
from gateway.server import ClientConnection
from gateway.sinks.spans import SamplerError, root_sample_ratio, span_sink_from_env
from strangler.config import config_store_url
from strangler.routing.table import Ports, RouteTableError, parse_instance_override

logger = logging.getLogger("gateway")

DRAIN_SECONDS = 10.0


def _port_pair(text: str) -> tuple[str, int]:
    name, sep, port = text.partition("=")
    if not sep or not name or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=PORT, got {text!r}")
    return name, int(port)


def _instances(text: str) -> tuple[str, tuple[str, ...]]:
    try:
        return parse_instance_override(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument("--routes", type=Path, required=True, help="route table (YAML)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--upstream-port",
        type=_port_pair,
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="fills the {NAME} placeholders of the route table; repeatable",
    )
    serve.add_argument(
        "--upstream",
        type=_instances,
        action="append",
        default=[],
        metavar="NAME=HOST:PORT[,HOST:PORT...]",
        help="the instances of upstream NAME, instead of the table's; repeatable",
    )
    serve.add_argument("--access-log", default="-", help="a file, '-' for stdout, 'off' for none")
    args = parser.parse_args(argv)
    names = [name for name, _ in args.upstream]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        parser.error(f"--upstream given more than once for {', '.join(twice)}")
    return args


def settings_from(args: argparse.Namespace) -> Settings:
    access_log = None if args.access_log == "off" else args.access_log
    return Settings(
        routes=args.routes,
        ports=Ports(dict(args.upstream_port), instances=dict(args.upstream)),
        max_body=int(os.environ.get("GATEWAY_MAX_BODY", 10 * 1024 * 1024)),
        header_timeout=float(os.environ.get("GATEWAY_HEADER_TIMEOUT", 10.0)),
        access_log=access_log,
        redis_url=os.environ.get("REDIS_URL") or None,
        jwks_url=os.environ.get("GATEWAY_JWKS_URL") or None,
        trusted_proxies=TrustedProxies.parse(os.environ.get("GATEWAY_TRUSTED_PROXIES", "")),
        spans=span_sink_from_env(),
        root_sample_ratio=root_sample_ratio(os.environ),
        config_store_url=config_store_url(),
    )


async def serve(settings: Settings, host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    gateway = Gateway(settings, loop)
    gateway.load()
    gateway.start_config()
    # What is loaded now lives as long as the process: out of the collector's sight, a full
    # collection no longer walks it (one took 54 ms, under load, in the middle of a bench run).
    gc.collect()
    gc.freeze()
    server = await loop.create_server(
        lambda: ClientConnection(gateway.listener), host, port, backlog=2048, reuse_address=True
    )
    gateway.start_sweepers()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGHUP, gateway.reload)

    def request_stop() -> None:
        if not stop.done():
            stop.set_result(None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop)
    logger.warning("gateway listening on http://%s:%d (routes %s)", host, port, settings.routes)
    await stop
    server.close()
    deadline = loop.time() + DRAIN_SECONDS
    while gateway.in_flight and loop.time() < deadline:
        await asyncio.sleep(0.05)
    gateway.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = settings_from(args)
        uvloop.run(serve(settings, args.host, args.port))
    except (RouteTableError, TrustedProxiesError, SamplerError, ConfigStoreUrlError) as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
