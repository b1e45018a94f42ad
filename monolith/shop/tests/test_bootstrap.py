"""The monolith's composition root and the system check that guards its adapter settings."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from monolith.orders.ports import StockLine
from monolith.orders.wiring import EVENTS, INVENTORY, PAYMENTS
from monolith.shop.bootstrap import PORTS, check_adapters
from strangler.composition import root
from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES, latest_stage, retired_here


class InventoryWithoutRestock:
    """Everything an inventory adapter does but putting paid units back on the shelf."""

    def available(self, sku: str) -> int:
        return 0

    def reserve(self, *, order_id: int, lines: Sequence[StockLine]) -> datetime:
        raise NotImplementedError

    def commit(self, *, order_id: int) -> None:
        return None

    def release(self, *, order_id: int) -> None:
        return None


# The ports of the contexts stage 4 retires: the tree holds them up to stage 3 (and on main).
PAYMENTS_PORTS = {
    "PAYMENTS_ORDER_BOOK",
    "PAYMENTS_EVENTS_ADAPTER",
    "PAYMENTS_CARD_PROCESSOR",
    "PAYMENTS_FRAUD_ADAPTER",
}
INVENTORY_PORTS = {"INVENTORY_EVENTS_ADAPTER"}


def test_every_port_of_the_monolith_has_its_adapter_from_the_settings() -> None:
    assert check_adapters() == []
    expected = {
        "ORDERS_INVENTORY_ADAPTER",
        "ORDERS_PAYMENTS_ADAPTER",
        "ORDERS_EVENTS_ADAPTER",
        "CUSTOMERS_CREDENTIALS_ADAPTER",
    }
    if apps.is_installed("monolith.payments"):
        expected |= PAYMENTS_PORTS
    if apps.is_installed("monolith.inventory"):
        expected |= INVENTORY_PORTS
    assert {port.setting for port in PORTS} == expected
    # without a stage's environment, the adapters are those of the latest stage the tree holds
    for adapter, setting in (
        (type(root.get(INVENTORY)), "ORDERS_INVENTORY_ADAPTER"),
        (type(root.get(PAYMENTS)), "ORDERS_PAYMENTS_ADAPTER"),
        (type(root.get(EVENTS)), "ORDERS_EVENTS_ADAPTER"),
    ):
        own = latest_stage().settings_env[setting]
        assert f"{adapter.__module__}.{adapter.__qualname__}" == own


def test_the_check_passes_for_the_real_settings() -> None:
    call_command("check")


def test_every_adapter_a_stage_sets_implements_its_port(settings: pytest.FixtureRequest) -> None:
    port_settings = {port.setting for port in PORTS}
    checked = [stage for stage in STAGES if not retired_here(stage)]  # main: every stage
    assert checked[-1] == STAGES[-1]
    for stage in checked:
        for name, path in stage.settings_env.items():
            if name in port_settings:
                setattr(settings, name, path)

        assert check_adapters() == [], stage.tag


def test_the_check_names_a_misspelled_adapter_path(settings: pytest.FixtureRequest) -> None:
    settings.ORDERS_EVENTS_ADAPTER = "monolith.orders.adapters.OutboxEvent"  # type: ignore[attr-defined]

    with pytest.raises(SystemCheckError) as failed:
        call_command("check")

    assert "ORDERS_EVENTS_ADAPTER names no usable adapter: the path does not import" in str(
        failed.value
    )


def test_the_check_names_an_adapter_missing_a_method_of_its_port(
    settings: pytest.FixtureRequest,
) -> None:
    settings.ORDERS_INVENTORY_ADAPTER = f"{__name__}.InventoryWithoutRestock"  # type: ignore[attr-defined]

    [error] = check_adapters()

    assert error.id == "shop.E001"
    assert error.msg == (
        "ORDERS_INVENTORY_ADAPTER names no usable adapter: "
        "InventoryWithoutRestock does not implement InventoryPort: no restock."
    )


def test_manage_py_check_fails_naming_the_setting_a_stage_misspelled(tmp_path: Path) -> None:
    """As a stage sets adapters: through the environment of the process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        STRANGLER_VAR_DIR=str(tmp_path),
        ORDERS_EVENTS_ADAPTER="monolith.orders.outbox.adapter.OutboxEvents",
    )

    checked = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert checked.returncode == 1
    assert "shop.E001" in checked.stderr
    assert "ORDERS_EVENTS_ADAPTER names no usable adapter" in checked.stderr
