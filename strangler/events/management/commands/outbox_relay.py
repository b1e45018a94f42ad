"""``manage.py outbox_relay``: publish the outbox to the broker, for as long as it runs.

The outbox tables are named by the ``EVENTS_OUTBOX_MODELS`` setting
(``["orders_outbox.OutboxMessage"]``).
Several relays may run against PostgreSQL (rows are locked with SKIP LOCKED); run one on SQLite.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from strangler.events.broker import EventPublisher
from strangler.events.models import OutboxMessage
from strangler.events.relay import Backoff, Relay, RoundResult
from strangler.telemetry.tracing import setup_tracing


def outbox_models() -> list[type[OutboxMessage]]:
    models = []
    for label in getattr(settings, "EVENTS_OUTBOX_MODELS", []):
        model = apps.get_model(label)
        if not issubclass(model, OutboxMessage):
            raise TypeError(f"{label} is not an OutboxMessage")
        models.append(model)
    return models


class Command(BaseCommand):
    help = "Publish unsent outbox rows to the broker (topic exchange), with publisher confirms."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument("--interval", type=float, default=0.2, help="poll when idle (s)")
        parser.add_argument("--backoff-max", type=float, default=10.0, help="broker down (s)")
        parser.add_argument(
            "--heartbeat-file",
            default="",
            help="touched after every round: a container health check reads its age",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        setup_tracing(getattr(settings, "SERVICE_NAME", "relay"))
        models = outbox_models()
        if not models:
            self.stderr.write("EVENTS_OUTBOX_MODELS names no outbox table; nothing to relay")
            return
        publisher = EventPublisher(
            url=settings.CELERY_BROKER_URL,
            transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        )
        relay = Relay(models, publisher, batch_size=options["batch_size"])
        if options["once"]:
            result = relay.run_once()
            publisher.close()
            self.stdout.write(f"published {result.published} {result.error}".strip())
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        names = ", ".join(m._meta.label for m in models)
        self.stdout.write(f"outbox relay ready: {names} -> {publisher.exchange}", ending="\n")
        self.stdout.flush()

        heartbeat = Path(options["heartbeat_file"]) if options["heartbeat_file"] else None

        def report(result: RoundResult) -> None:
            if heartbeat is not None:
                heartbeat.touch()
            if result.published:
                self.stdout.write(f"published {result.published}")
                self.stdout.flush()

        relay.run_forever(
            stop=stop,
            idle_interval=options["interval"],
            backoff=Backoff(maximum=options["backoff_max"]),
            on_round=report,
        )
        self.stdout.write("outbox relay stopped")
