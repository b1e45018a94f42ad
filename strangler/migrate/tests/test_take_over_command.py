"""A service's ``take_over_<rows>`` command: its report, and NO-GO as a failed command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from strangler.migrate.tests.conftest import INSERT_STOCK, MakeDatabase, execute, stocked_pair
from strangler.service.take_over import TakeOverCommand


def _command(target: str, out: StringIO) -> TakeOverCommand:
    class TakeOverStock(TakeOverCommand):
        owner = "the inventory service"
        rows = "its stock"
        tables = ("inventory_stockitem",)

        def target_url(self) -> str:
            return target

    return TakeOverStock(stdout=out)


def test_the_first_start_reports_each_table_and_go_then_a_later_one_copies_nothing(
    make_database: MakeDatabase,
) -> None:
    source, target = stocked_pair(make_database, 12)
    first, later = StringIO(), StringIO()

    call_command(_command(target, first), source_url=source)
    call_command(_command(target, later), source_url=source)

    assert first.getvalue().splitlines() == [
        "inventory_stockitem: 12 rows in the monolith, 12 copied (0 already here), verify GO",
        "GO: the inventory service owns its stock from now on",
    ]
    assert later.getvalue().startswith("the inventory service owns its stock since ")
    assert (
        later.getvalue()
        .rstrip()
        .endswith(": nothing copied (inventory_stockitem are this service's own)")
    )


def test_a_no_go_fails_the_command_and_says_the_next_start_tries_again(
    make_database: MakeDatabase,
) -> None:
    source, target = stocked_pair(make_database, 5)
    execute(target, INSERT_STOCK, [(500, "SKU-000500", 1, 0, "2026-01-01 10:00:00")])
    out = StringIO()

    with pytest.raises(CommandError, match="NO-GO: the copy of its stock differs"):
        call_command(_command(target, out), source_url=source)
    assert out.getvalue().endswith("verify NO-GO\n")


def test_a_table_the_monolith_lacks_is_a_command_error_naming_it(
    make_database: MakeDatabase,
) -> None:
    source, target = make_database(), make_database()

    with pytest.raises(CommandError, match="its stock could not be taken over") as refused:
        call_command(_command(target, StringIO()), source_url=source)
    assert "inventory_stockitem: no such table in the source database" in str(refused.value)


def test_a_monolith_database_that_never_held_the_rows_is_said_so_and_records_nothing(
    make_database: MakeDatabase,
) -> None:
    """A fresh install of a stage after the retirement: nothing to take, not an error."""
    source, target = make_database(), make_database()
    execute(source, "CREATE TABLE django_migrations (id integer, app varchar(255))")
    execute(source, "INSERT INTO django_migrations (id, app) VALUES (1, 'orders')")
    out = StringIO()

    call_command(_command(target, out), source_url=source)

    assert out.getvalue().splitlines() == [
        "nothing to take over: the monolith's database never held inventory_stockitem (made "
        "after the monolith's context was retired); the inventory service starts from its own "
        "rows, nothing recorded"
    ]
