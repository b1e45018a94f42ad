"""``make demo``: bring a stage up on embedded defaults and drive one customer journey.

    python -m strangler.stages.demo [--stage N] [--exit]

Without ``--exit`` the stage keeps running until Ctrl-C, so the control room (the stage's
processes, routes and events on one page, http://127.0.0.1:8009/), the admin, the API docs
and the mail folder can be looked at.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from functools import partial
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

from strangler.config import REPO_ROOT, var_dir
from strangler.console import progress, table
from strangler.stages.journey import Journey, JourneyFailed
from strangler.stages.launcher import RunningStage, require_free_ports, run_setup, start
from strangler.stages.manifest import DEFAULT_PORTS, Stage, get_stage, latest_stage
from strangler.stages.processes import ProcessFailed
from strangler.stages.runner.control_room import ControlRoom
from strangler.stages.runner.room_page import snapshot

ROOM = "control-room"  # the port name of the page that shows the running stage


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stage", type=int, default=None, help="stage number (default: latest)")
    parser.add_argument("--exit", action="store_true", help="stop after the journey")
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="override a default port, e.g. --port monolith=18001",
    )
    args = parser.parse_args(argv)
    try:
        stage = get_stage(args.stage) if args.stage is not None else latest_stage()
    except KeyError as exc:
        print(f"demo: {exc.args[0]}", file=sys.stderr)
        return 2
    try:
        _ports(stage_port_names=set(), overrides=args.port)
    except ValueError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "monolith.shop.settings"}
    var = var_dir(f"stage-{stage.number}")
    print(f"\n== {stage.tag}: {stage.title}\n")
    database = env.get("DATABASE_URL")
    broker = env.get("CELERY_BROKER_URL")
    print(f"database: {_masked(database) if database else 'embedded SQLite under var/'}")
    print(f"broker:   {_masked(broker) if broker else 'embedded filesystem:// under var/broker'}\n")
    # Explicit handlers: a shell may start the demo with SIGINT ignored (a background job).
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    running: RunningStage | None = None
    room: ControlRoom | None = None
    try:
        names = {p.port_name for p in stage.required_processes() if p.port_name}
        ports = _ports(stage_port_names=names | {ROOM}, overrides=args.port)
        room_port = ports.pop(ROOM)  # not a process's: this one serves it, after the journey
        # before the set-up, so a clash fails at once
        require_free_ports(ports if args.exit else {**ports, ROOM: room_port})
        run_setup(stage, env, var, progress)
        running = start(stage, ports=ports, env=env, var=var, progress=progress)
        progress("driving one customer journey through the HTTP API")
        report = Journey(running.base_url).run()
        _print_summary(running, report.steps, report.facts)
        if args.exit:
            return 0
        room = ControlRoom(partial(snapshot, running, var), room_port).start()
        print(f"\nRunning; the control room shows it at {room.url}. Press Ctrl-C to stop.")
        sys.stdout.flush()
        while True:
            running.group.check_alive()
            time.sleep(1)
    except (KeyboardInterrupt, _Stop):
        print("\nstopping ...")
        return 0
    except (ProcessFailed, JourneyFailed) as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        if "ports already in use" in str(exc):
            print('pick other ports: make demo DEMO_ARGS="--port monolith=18001"', file=sys.stderr)
        return 1
    finally:
        if room is not None:
            room.close()
        if running is not None:
            running.stop()


def _masked(url: str) -> str:
    """The URL without its password, fit to print."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _ports(*, stage_port_names: set[str], overrides: list[str]) -> dict[str, int]:
    ports = {name: DEFAULT_PORTS[name] for name in stage_port_names}
    for item in overrides:
        name, _, value = item.partition("=")
        if not value.isdigit() or not 0 < int(value) < 65536:
            raise ValueError(f"--port wants NAME=PORT with a port number, got {item!r}")
        ports[name] = int(value)
    return ports


def mailer(stage: Stage) -> str:
    """The service whose Celery worker sends the order e-mail at ``stage``."""
    services = {process.service for process in stage.processes}
    return "notifications" if "notifications" in services else "monolith"


def _print_summary(running: RunningStage, steps: list, facts: dict) -> None:  # type: ignore[type-arg]
    sender = mailer(running.stage)
    print("\nThe customer journey\n")
    print(
        table(
            ["step", "request", "status", "outcome"],
            [(s.name, s.request, s.status, s.outcome) for s in steps],
        )
    )
    print("\nWhat happened\n")
    print(
        table(
            ["fact", "value"],
            [
                ("order", f"{facts['order_id']} ({facts['order_status']}, total {facts['total']})"),
                (
                    "checkout repeated with the same Idempotency-Key",
                    f"order {facts['replayed_order_id']}, {facts['payments']} payment",
                ),
                (f"stock of {facts['sku']}", f"{facts['stock_before']} -> {facts['stock_after']}"),
                ("order e-mail", f"{facts['email_status']} by the Celery worker of {sender}"),
                (
                    "the checkout's trace",
                    f"python -m strangler trace show {facts['checkout_trace_id'][:12]}",
                ),
            ],
        )
    )
    base = running.base_url
    mail = os.environ.get("EMAIL_FILE_PATH", str(var_dir(sender) / "mail"))
    print("\nLook around\n")
    print(
        table(
            ["what", "where"],
            [
                ("API docs (Swagger UI)", f"{base}/api/docs/"),
                ("OpenAPI document", f"{base}/api/schema/"),
                ("Django admin (admin / admin)", f"{base}/admin/"),
                ("liveness / readiness", f"{base}/health/live  {base}/health/ready"),
                ("sent e-mails (a file per mail connection)", os.path.relpath(mail, REPO_ROOT)),
                ("process logs", os.path.relpath(running.group.log_dir, REPO_ROOT)),
                ("demo customer", "demo@example.com / demo-password-1"),
            ],
        )
    )


if __name__ == "__main__":
    sys.exit(main())
