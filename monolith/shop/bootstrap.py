"""The monolith's composition root: every context's adapters, built once from the settings.

``ShopConfig.ready`` composes them and registers :func:`check_adapters`, so a misspelled
adapter path (or a class missing a method of its port) fails ``manage.py check``, ``migrate``
and ``runserver`` with the setting's name instead of the first checkout that needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks

from monolith.customers import wiring as customers
from monolith.orders import wiring as orders
from strangler.composition import BrokenAdapter, Port, adapter_errors, root

logger = logging.getLogger(__name__)

# The contexts stage 4 retires (payments and inventory became services): their ports where the
# tree still holds them, as INSTALLED_APPS says (stages 0 to 3, and main, which keeps every
# stage's code).
RETIRED_AT_STAGE_4 = ("monolith.payments", "monolith.inventory")


def _installed_ports(*contexts: str) -> tuple[Port[Any], ...]:
    return tuple(
        port
        for context in contexts
        if apps.is_installed(context)
        for port in import_module(f"{context}.wiring").PORTS
    )


PORTS: tuple[Port[Any], ...] = (
    *orders.PORTS,
    *_installed_ports(*RETIRED_AT_STAGE_4),
    *customers.PORTS,
)


def compose() -> list[BrokenAdapter]:
    """Build every port's adapter into the process's root; the broken ones are left out.

    A process that runs no system check (a Celery worker, gunicorn) logs them at start-up, and
    fails on the first call to a broken port with the same message.
    """
    broken = root.compose(PORTS, settings)
    for adapter in broken:
        logger.error("broken adapter setting: %s", adapter)
    return broken


def check_adapters(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """System check: every adapter setting names a class that implements its port."""
    return adapter_errors(PORTS, settings, check_id="shop.E001")
