"""The monolith's history is handed over: ids kept, idempotent, counted, never clashing, and
recorded for ``migrate retire`` only when the copy is whole."""

from __future__ import annotations

import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from extracted.notifications.mail.models import Notification
from strangler.migrate.record import HANDED_OVER
from strangler.service.ids import SERVICE_ID_FLOOR

pytestmark = pytest.mark.django_db

# The monolith's table as its migration creates it (the columns the backfill reads).
MONOLITH_TABLE = """
CREATE TABLE notifications_notification (
    id integer PRIMARY KEY AUTOINCREMENT, customer_id bigint NOT NULL, order_id bigint NULL,
    kind varchar(30) NOT NULL, recipient varchar(254) NOT NULL, subject varchar(200) NOT NULL,
    body text NOT NULL, status varchar(20) NOT NULL, attempts integer NOT NULL,
    last_error text NOT NULL, created_at datetime NOT NULL, sent_at datetime NULL)
"""


@pytest.fixture
def monolith_db(tmp_path: Path) -> str:
    path = tmp_path / "monolith.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(MONOLITH_TABLE)
        db.executemany(
            "INSERT INTO notifications_notification VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (3, 42, 100, "order_paid", "ada@example.com", "Your order #100 is confirmed",
                 "Thanks", "sent", 1, "", "2025-01-01 10:00:00", "2025-01-01 10:00:05"),
                (5, 42, 100, "order_cancelled", "ada@example.com", "Your order #100 was cancelled",
                 "Sorry", "sent", 1, "", "2025-01-02 10:00:00", "2025-01-02 10:00:01"),
                (9, 43, 101, "order_paid", "", "Your order #101 is confirmed",
                 "Thanks", "failed", 6, "SMTPServerDisconnected: gone", "2025-01-03 10:00:00",
                 None),
            ],
        )  # fmt: skip
    return f"sqlite:///{path}"


def _backfill(source: str) -> str:
    out = StringIO()
    call_command("backfill_notifications", source_url=source, stdout=out)
    return out.getvalue()


def test_the_history_is_copied_with_its_ids_and_counted(monolith_db: str) -> None:
    report = _backfill(monolith_db)

    assert "monolith notifications: 3 (failed 1, sent 2)" in report
    assert "copied: 3, already here: 0, conflicts: 0" in report
    rows = {n.pk: n for n in Notification.objects.all()}
    assert set(rows) == {3, 5, 9}
    assert rows[3].subject == "Your order #100 is confirmed"
    assert rows[3].sent_at is not None and rows[3].sent_at.tzinfo is not None
    assert (rows[9].status, rows[9].attempts) == ("failed", 6)
    assert {n.origin for n in rows.values()} == {"backfill"}


def test_running_it_again_changes_nothing(monolith_db: str) -> None:
    _backfill(monolith_db)

    report = _backfill(monolith_db)

    assert "copied: 0, already here: 3, conflicts: 0" in report
    assert Notification.objects.count() == 3


def test_new_notifications_get_ids_after_the_handed_over_ones(monolith_db: str) -> None:
    _backfill(monolith_db)

    new = Notification.objects.create(customer_id=1, order_id=500, kind="order_paid", subject="s")

    assert new.pk > 9


def test_a_conflicting_row_is_reported_and_not_copied(monolith_db: str) -> None:
    Notification.objects.create(
        id=5, customer_id=77, order_id=900, kind="order_paid", subject="another"
    )

    with pytest.raises(CommandError, match="1 conflicting row"):
        _backfill(monolith_db)

    assert Notification.objects.get(pk=5).customer_id == 77
    assert Notification.objects.count() == 3


def test_an_unreadable_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read the monolith's notifications"):
        _backfill(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


def test_a_monolith_without_the_notifications_table_has_nothing_to_hand_over(
    tmp_path: Path,
) -> None:
    """A monolith database made at stage 2 or later: its notifications app is retired."""
    path = tmp_path / "monolith.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders_order (id integer PRIMARY KEY)")

    report = _backfill(f"sqlite:///{path}")

    assert "monolith notifications: nothing to hand over" in report
    assert Notification.objects.count() == 0


def test_the_services_own_ids_start_above_the_monoliths() -> None:
    own = Notification.objects.create(customer_id=1, order_id=500, kind="order_paid", subject="s")

    assert own.pk >= SERVICE_ID_FLOOR


def test_a_hand_over_after_both_sides_took_writes_copies_the_monoliths_new_rows(
    monolith_db: str,
) -> None:
    # The service notified an order while it owned notifications; then the monolith owned
    # them again (a rollback) and numbered its own from where it was.
    own = Notification.objects.create(customer_id=7, order_id=700, kind="order_paid", subject="s")

    report = _backfill(monolith_db)

    assert "copied: 3, already here: 0, conflicts: 0" in report
    assert set(Notification.objects.values_list("pk", flat=True)) == {3, 5, 9, own.pk}
    after = Notification.objects.create(customer_id=8, order_id=800, kind="order_paid", subject="t")
    assert after.pk > own.pk


def test_monolith_ids_in_the_services_range_are_refused_and_nothing_is_copied(
    monolith_db: str,
) -> None:
    path = monolith_db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO notifications_notification VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (SERVICE_ID_FLOOR, 44, 102, "order_paid", "", "s", "b", "sent", 1, "",
             "2025-01-04 10:00:00", None),
        )  # fmt: skip

    with pytest.raises(CommandError, match="where this service issues its own"):
        _backfill(monolith_db)

    assert Notification.objects.count() == 0


def _recorded() -> dict[str, str]:
    """The hand-over record in this service's database: table -> when."""
    if HANDED_OVER not in connection.introspection.table_names():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT table_name, handed_over_at FROM {HANDED_OVER}")
        return {str(name): str(at) for name, at in cursor.fetchall()}


def test_a_clean_hand_over_is_recorded_for_migrate_retire(monolith_db: str) -> None:
    report = _backfill(monolith_db)

    assert "recorded: this service holds every row" in report
    assert set(_recorded()) == {"notifications_notification"}


def test_a_conflict_drops_the_record_until_a_run_ends_clean(monolith_db: str) -> None:
    _backfill(monolith_db)
    # the service notified order 900; then the monolith, owning notifications again after a
    # rollback, notified the same order under an id of its own: the two clash
    Notification.objects.create(customer_id=77, order_id=900, kind="order_paid", subject="s")
    with sqlite3.connect(monolith_db.removeprefix("sqlite:///")) as db:
        db.execute(
            "INSERT INTO notifications_notification VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (11, 77, 900, "order_paid", "", "s", "b", "sent", 1, "", "2025-01-05 10:00:00", None),
        )

    with pytest.raises(CommandError, match="the hand-over is not recorded"):
        _backfill(monolith_db)

    assert _recorded() == {}


def test_nothing_to_hand_over_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "monolith.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders_order (id integer PRIMARY KEY)")

    _backfill(f"sqlite:///{path}")

    assert _recorded() == {}
