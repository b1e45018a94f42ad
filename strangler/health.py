"""Liveness and readiness probes, built on django-health-check.

``/health/live`` answers from the process alone and never touches a dependency: a database
outage must not make an orchestrator restart every healthy process. ``/health/ready`` checks
what the service needs to serve traffic (database, cache, broker, and from stage 5 the
central config store loaded once) and answers 503 when one is missing, so a balancer stops
sending it requests. It also answers 503 while the process is
*draining*: a runner that wants to stop one instance without failing a request first creates
the instance's drain file (``STRANGLER_DRAIN_FILE``), waits until the gateway's health checks
have taken it out of the pool, and only then sends SIGTERM.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import importlib
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from kombu import Connection


def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive", "service": settings.SERVICE_NAME})


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (RabbitMQ, or the embedded filesystem broker)."""

    timeout: datetime.timedelta = dataclasses.field(
        default=datetime.timedelta(seconds=3), repr=False
    )

    def run(self) -> None:
        url = settings.CELERY_BROKER_URL
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        try:
            with Connection(
                url, transport_options=options, connect_timeout=self.timeout.total_seconds()
            ) as connection:
                connection.ensure_connection(max_retries=1)
        except Exception as exc:
            raise ServiceUnavailable(f"Broker unreachable: {type(exc).__name__}") from exc


@dataclasses.dataclass
class NotDraining(HealthCheck):
    """Fails while this instance's drain file exists (set per process by the stage runner)."""

    def run(self) -> None:
        drain_file = os.environ.get("STRANGLER_DRAIN_FILE", "")
        if drain_file and Path(drain_file).exists():
            raise ServiceUnavailable("Draining: this instance is about to stop")


@dataclasses.dataclass
class ConfigLoaded(HealthCheck):
    """Where the process reads a central config store (stage 5 on), it has loaded it once:
    until then its dynamic settings are the environment's, not the ones the store holds."""

    def run(self) -> None:
        if not getattr(settings, "CONFIG_STORE_URL", ""):
            return
        # the store's client arrives with the stage that brings the store: found by name
        if not importlib.import_module("strangler.configstore.django").config_loaded():
            raise ServiceUnavailable("Config not loaded from the central store yet")


class ReadinessView(HealthCheckView):
    """Always JSON; 503 (not 500) when a dependency is down."""

    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        "strangler.health.Broker",
        "strangler.health.NotDraining",
        "strangler.health.ConfigLoaded",
    )

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        failed = any(result.error for result in self.results)
        checks = {
            type(result.check).__name__: "ok" if not result.error else str(result.error)
            for result in self.results
        }
        return JsonResponse(
            {"status": "unavailable" if failed else "ready", "checks": checks},
            status=503 if failed else 200,
        )
