"""The payments service's composition root: the adapter behind each of its ports, built once
from the settings when the app is ready.

A misspelled adapter path (or a class missing a method of its port) fails ``manage.py check``,
``migrate`` and ``runserver`` naming the setting (the system check below) instead of the first
charge that needs it; a process that runs no check logs it at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from extracted.payments.charges.wiring import PORTS
from strangler.composition import BrokenAdapter, adapter_errors, root

logger = logging.getLogger(__name__)


def compose() -> list[BrokenAdapter]:
    """Build every port's adapter into the process's root; the broken ones are left out."""
    broken = root.compose(PORTS, settings)
    for adapter in broken:
        logger.error("broken adapter setting: %s", adapter)
    return broken


def check_adapters(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """System check: every adapter setting names a class that implements its port."""
    return adapter_errors(PORTS, settings, check_id="payments.E001")
