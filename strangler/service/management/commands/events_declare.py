"""``manage.py events_declare``: declare this service's event queue, bindings and DLQ."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from kombu import Connection

from strangler.events.consumer import EventConsumer
from strangler.events.wiring import configured_consumer


class Command(BaseCommand):
    help = "Declare the topic exchange, this consumer's durable queue (bound) and its DLQ."

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "EVENTS_CONSUMER", ""):
            # a service that subscribes to nothing (fraud): every stage's set-up still runs this
            self.stdout.write(f"{settings.SERVICE_NAME} consumes no events: no queue to declare")
            return
        consumer: EventConsumer = configured_consumer()
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        ) as connection:
            consumer.declare(connection)
        self.stdout.write(
            f"{consumer.queue_name} bound to {consumer.exchange} for "
            f"{', '.join(consumer.event_types)}; dead letters in {consumer.dlq_name}"
        )
