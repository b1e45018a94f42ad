"""The orders context's composition root: which adapter stands behind each port.

The dotted paths come from settings (``ORDERS_INVENTORY_ADAPTER``, ``ORDERS_PAYMENTS_ADAPTER``);
extracting a context changes the setting, not the code. Each adapter is built once and
cached; changing its setting (e.g. with pytest-django's ``settings`` fixture) drops that
adapter, which is how tests put fakes behind the ports.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from monolith.orders.ports import InventoryPort, OrderEventsPort, PaymentsPort

INVENTORY_SETTING = "ORDERS_INVENTORY_ADAPTER"
PAYMENTS_SETTING = "ORDERS_PAYMENTS_ADAPTER"
EVENTS_SETTING = "ORDERS_EVENTS_ADAPTER"

_built: dict[str, Any] = {}


def _adapter(setting: str) -> Any:
    if setting not in _built:
        _built[setting] = import_string(getattr(settings, setting))()
    return _built[setting]


def inventory() -> InventoryPort:
    return cast(InventoryPort, _adapter(INVENTORY_SETTING))


def payments() -> PaymentsPort:
    return cast(PaymentsPort, _adapter(PAYMENTS_SETTING))


def events() -> OrderEventsPort:
    return cast(OrderEventsPort, _adapter(EVENTS_SETTING))


def reset() -> None:
    """Forget the built adapters (the next call builds them again from the settings)."""
    _built.clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in (INVENTORY_SETTING, PAYMENTS_SETTING, EVENTS_SETTING):
        _built.pop(setting, None)
