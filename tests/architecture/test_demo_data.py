"""The demo's data, kept by more than one owner, agrees: every product of the catalog's demo
has a shelf in the inventory service's demo (which seeds the stock from stage 4 on, when the
monolith's inventory context is retired), and no shelf is for a product the demo lacks.

Read from the files (the service's modules are not imported into the monolith's test process).
"""

from __future__ import annotations

import runpy

from strangler.config import REPO_ROOT


def test_the_inventory_service_seeds_a_shelf_for_every_demo_product_and_no_other() -> None:
    catalog = runpy.run_path(str(REPO_ROOT / "monolith/catalog/demo_data.py"))
    inventory = runpy.run_path(str(REPO_ROOT / "extracted/inventory/stock/demo.py"))

    products = [sku for _, sku, *_ in catalog["DEMO_PRODUCTS"]]
    assert sorted(inventory["DEMO_SKUS"]) == sorted(products)
    assert len(set(products)) == len(products)
