"""/metrics shows what the service owns: its outbox's backlog and its consumer's tables."""

from __future__ import annotations

import pytest
from django.test import Client

from extracted.inventory.stock.services import stock_reserve, stock_set

pytestmark = pytest.mark.django_db


def test_the_outbox_backlog_is_exported(client: Client) -> None:
    stock_set(sku="MUG", on_hand=5)
    stock_reserve(order_id=1, lines=[("MUG", 1)])

    text = client.get("/metrics").content.decode()

    [line] = [
        line
        for line in text.splitlines()
        if line.startswith("events_outbox_unsent{")
        and 'outbox="inventory_outbox.OutboxMessage"' in line
    ]
    assert line.endswith(" 1.0")
    assert 'consumer="inventory"' in text
