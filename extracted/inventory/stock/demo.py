"""The demo's shelves, the inventory service's own from stage 4 on (the monolith's inventory
context, which seeded them up to stage 3, is retired there): a level for every SKU of the demo
catalog, the same levels the monolith gave them, so a demo shows the same shelves at every
stage. ``manage.py seed_demo_stock`` writes them; a test keeps ``DEMO_SKUS`` equal to the
catalog's demo products (``tests/architecture/test_demo_data.py``).
"""

from __future__ import annotations

import hashlib

DEMO_STOCK_MIN = 5
DEMO_STOCK_MAX = 120

DEMO_SKUS: tuple[str, ...] = (
    "COF-ETH-YIRG-250",
    "COF-KEN-NYERI-250",
    "COF-COL-HUILA-250",
    "COF-BRA-CERR-1KG",
    "COF-GUA-ANTI-250",
    "COF-SUM-MAND-250",
    "COF-ESP-HOUSE-1KG",
    "COF-DECAF-PERU-250",
    "COF-PAN-GEISHA-100",
    "TEA-DARJ-FF-100",
    "TEA-ASSAM-BRK-250",
    "TEA-SENCHA-KAGO-100",
    "TEA-MATCHA-UJI-30",
    "TEA-OOLONG-TGY-100",
    "TEA-EARLGREY-100",
    "TEA-ROOIBOS-100",
    "TEA-CHAMOMILE-50",
    "GEAR-DRIP-CER-02",
    "GEAR-FILTER-02-100",
    "GEAR-KETTLE-GOOSE-1L",
    "GEAR-GRIND-HAND-38",
    "GEAR-GRIND-ELEC-40",
    "GEAR-PRESS-FR-1L",
    "GEAR-PRESS-IMM-1",
    "GEAR-SCALE-TIMER",
    "GEAR-MOKA-6CUP",
    "GEAR-CARAFE-GLASS-6",
    "GEAR-COLDBREW-1L",
    "GEAR-ESPRESSO-SB",
    "BOOK-ORIGINS-FIELD",
    "BOOK-HOME-BARISTA",
    "BOOK-STEEPED-ASIA",
    "BOOK-WATER-EXTRACT",
    "BOOK-ROASTER-NOTES",
    "BOOK-CAFE-KITCHEN",
    "KIT-MUG-STONE-350",
    "KIT-CUP-ESP-SET2",
    "KIT-GLASS-DW-SET2",
    "KIT-CANISTER-500",
    "KIT-PITCHER-600",
    "KIT-TEAPOT-CAST-08",
    "KIT-TRAY-WALNUT",
    "KIT-FROTHER-HAND",
    "APP-APRON-CANVAS",
    "APP-TEE-ROAST-M",
    "APP-TEE-ROAST-L",
    "APP-HOODIE-BEAN-M",
    "APP-CAP-LOGO",
    "APP-TOTE-CANVAS",
)


def demo_stock_level(sku: str) -> int:
    """A deterministic stock level between 5 and 120 derived from the SKU."""
    digest = int.from_bytes(hashlib.sha256(sku.encode()).digest()[:8], "big")
    return DEMO_STOCK_MIN + digest % (DEMO_STOCK_MAX - DEMO_STOCK_MIN + 1)
