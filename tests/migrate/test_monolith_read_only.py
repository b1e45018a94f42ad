"""After a flip, the monolith's own code cannot write the context's tables: the guard triggers
of ``strangler.migrate.ownership`` refuse every ORM write, bulk updates included, with a
message naming the context and its new owner; a rollback's ``make_writable`` lifts them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection

from monolith.inventory.models import StockItem
from strangler.migrate.endpoints import Endpoint
from strangler.migrate.ownership import Owner, make_read_only, make_writable
from strangler.migrate.plan import TablePlan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def flipped() -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("on PostgreSQL (the SQLite guard is tested in strangler/migrate/tests)")
    connection.ensure_connection()
    endpoint = Endpoint(url="django", vendor="postgresql", connection=connection.connection)
    table = TablePlan(StockItem._meta.db_table, ("id",), "id")
    StockItem.objects.create(sku="LAMP", on_hand=5, reserved=0)
    make_read_only(endpoint, [table], Owner("inventory", "inventory", "/api/v1/inventory", "m"))
    try:
        yield
    finally:
        make_writable(endpoint, [table])


def test_every_kind_of_orm_write_is_refused_naming_the_owner(flipped: None) -> None:
    for write in (
        lambda: StockItem.objects.create(sku="DESK", on_hand=1, reserved=0),
        lambda: StockItem.objects.filter(sku="LAMP").update(on_hand=6),
        lambda: StockItem.objects.filter(sku="LAMP").delete(),
    ):
        with pytest.raises(DatabaseError) as caught:
            write()
        assert "the inventory context's data is owned by inventory since the flip" in str(
            caught.value
        )
    assert StockItem.objects.get(sku="LAMP").on_hand == 5  # reads still work
