from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from monolith.inventory.models import StockItem
from monolith.inventory.services import stock_set


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_stock(db: None) -> Callable[[str, int], StockItem]:
    def make(sku: str, on_hand: int) -> StockItem:
        return stock_set(sku=sku, on_hand=on_hand)

    return make
