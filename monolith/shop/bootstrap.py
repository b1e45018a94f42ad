"""The monolith's composition root: every context's adapters, built once from the settings.

``ShopConfig.ready`` composes them and registers :func:`check_adapters`, so a misspelled
adapter path (or a class missing a method of its port) fails ``manage.py check``, ``migrate``
and ``runserver`` with the setting's name instead of the first checkout that needs it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from monolith.inventory import wiring as inventory
from monolith.orders import wiring as orders
from monolith.payments import wiring as payments
from strangler.composition import BrokenAdapter, Port, adapter_errors, root

PORTS: tuple[Port[Any], ...] = (*orders.PORTS, *payments.PORTS, *inventory.PORTS)


def compose() -> list[BrokenAdapter]:
    """Build every port's adapter into the process's root; the broken ones are left out."""
    return root.compose(PORTS, settings)


def check_adapters(**kwargs: Any) -> list[checks.CheckMessage]:
    """System check: every adapter setting names a class that implements its port."""
    return list(adapter_errors(PORTS, settings, check_id="shop.E001"))
