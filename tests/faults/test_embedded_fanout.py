"""The embedded default (no servers): kombu's ``filesystem://`` broker with a shared control
folder fans a topic exchange out across processes exactly as RabbitMQ does.

The relay (one process) publishes, the notifications worker (another) consumes its queue, and
a second queue bound by this test process gets the same events: two subscribers, each got
every event. Delivery order is not kept by this transport; nothing here relies on it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection

from strangler.config import REPO_ROOT
from strangler.events.broker import consumer_queue, topic_exchange
from strangler.stages.processes import ProcessGroup, ready_when_log_contains
from tests.faults.conftest import MANAGE, SERVICE_MANAGE, _run, wait_until


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[dict[str, str], ProcessGroup]]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_"))
        and k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}
    }
    env.update(
        STRANGLER_VAR_DIR=str(tmp_path),
        ORDERS_EVENTS_ADAPTER="monolith.orders.outbox.adapters.OutboxEvents",
        NOTIFICATIONS_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        NOTIFICATIONS_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    _run([*MANAGE, "migrate", "--noinput"], env)
    _run([*SERVICE_MANAGE, "migrate", "--noinput"], env)
    _run([*SERVICE_MANAGE, "events_declare"], env)
    group = ProcessGroup(log_dir=tmp_path / "logs", env=env, cwd=REPO_ROOT)
    try:
        yield env, group
    finally:
        group.stop()


def _broker(var: Path) -> Connection:
    root = var / "broker"
    return Connection(
        "filesystem://",
        transport_options={
            "data_folder_in": str(root / "queue"),
            "data_folder_out": str(root / "queue"),
            "processed_folder": str(root / "processed"),
            "store_processed": False,
            "control_folder": str(root / "control"),
        },
    )


def test_the_filesystem_broker_fans_events_out_to_every_subscribed_queue(
    embedded: tuple[dict[str, str], ProcessGroup],
) -> None:
    env, group = embedded
    var = Path(env["STRANGLER_VAR_DIR"])
    audit = consumer_queue("audit.events", ["order.created", "order.paid"], topic_exchange())
    with _broker(var) as connection:
        audit(connection.default_channel).declare()  # a second subscriber, bound on disk
    group.start(
        "worker",
        [
            *(sys.executable, "-m", "celery", "-A", "extracted.notifications.service"),
            *("worker", "--loglevel", "INFO", "--concurrency", "1", "--pool", "solo"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        ready_when_log_contains(" ready."),
    )
    group.start(
        "relay", [*MANAGE, "outbox_relay", "--interval", "0.1"], ready_when_log_contains("ready")
    )
    group.wait_ready(deadline_seconds=60)

    order_ids = json.loads(_run([sys.executable, "-m", "tests.faults.shop", "3"], env))

    mail = var / "mail"

    def emails() -> int:  # the file backend writes one file per connection, a batch's e-mails
        files = mail.glob("*") if mail.exists() else []
        return sum(path.read_text().count("\nX-Idempotency-Key: ") for path in files)

    # "order received" and the payment's confirmation for each order
    wait_until("the notifications service sent 6 e-mails", lambda: emails() == 6)
    seen: list[tuple[str, int]] = []
    with _broker(var) as connection:
        queue = connection.SimpleQueue("audit.events")

        def drain() -> bool:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    return len(seen) == 6
                envelope = message.payload[0][0]
                seen.append((envelope["type"], envelope["data"]["order_id"]))
                message.ack()

        wait_until("the second subscriber got all 6 events", drain)
        queue.close()
    assert sorted(seen) == sorted(
        (kind, order_id) for order_id in order_ids for kind in ("order.created", "order.paid")
    )
