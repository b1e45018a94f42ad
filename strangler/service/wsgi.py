"""A service's WSGI application, traced from its first request."""

from __future__ import annotations

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

from strangler.telemetry.tracing import setup_tracing


def wsgi_application(name: str, settings_module: str) -> WSGIHandler:
    """Service ``name`` on ``settings_module`` (never the environment's, which may name the
    monolith's); tracing is set up before the app, because it adds its middleware."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    setup_tracing(name, django=True)
    return get_wsgi_application()
