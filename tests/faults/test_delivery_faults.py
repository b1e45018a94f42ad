"""Nothing lost, nothing doubled: the events path under duplicate delivery, a killed worker,
a broker outage at checkout, a poison message and a consumer that was down.

Real processes (Celery worker of the notifications service, the outbox relay, the monolith's
checkout) on the real RabbitMQ and PostgreSQL; see conftest.py.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from strangler.events import Event
from strangler.stages.processes import free_port
from tests.faults.backends import REFUSED_DOMAIN
from tests.faults.conftest import Rig, wait_until
from tests.faults.proxy import TcpProxy


def _paid(order_id: int, email: str = "ada@example.com") -> dict[str, Any]:
    return Event(
        type="order.paid",
        source="tests.faults",
        data={
            "order_id": order_id,
            "customer_id": 42,
            "customer_email": email,
            "customer_name": "Ada Lovelace",
            "payment_id": order_id,
            "total": "12.50",
            "currency": "EUR",
            "lines": [{"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price": "12.50"}],
            "paid_at": "2025-01-02T03:04:05Z",
        },
    ).to_dict()


def _sent(rig: Rig, order_ids: list[int]) -> int:
    return sum(1 for _, _, status in rig.notifications(order_ids) if status == "sent")


def _event_ids(rig: Rig, order_ids: list[int], event_type: str = "order.paid") -> list[str]:
    rows = rig.monolith_query(
        "SELECT event_id FROM orders_outboxmessage "
        "WHERE event_type = %s AND aggregate_id = ANY(%s)",
        event_type,
        [str(i) for i in order_ids],
    )
    return [str(row[0]) for row in rows]


# what the service e-mails for each checkout: "order received" (order.created), then the
# payment's confirmation (order.paid)
MAILED = ("order.created", "order.paid")


def test_every_event_delivered_three_times_has_each_effect_once(processes: Rig) -> None:
    rig = processes
    events = [_paid(order_id) for order_id in range(1_001, 1_031)]
    worker = rig.start_worker(concurrency=4)

    rig.publish(events, copies=3)  # the three copies side by side: processed concurrently

    order_ids = [e["data"]["order_id"] for e in events]
    wait_until("30 notifications sent", lambda: _sent(rig, order_ids) == 30)
    ids = {e["id"] for e in events}
    wait_until(
        "an outcome for every one of the 90 copies",
        lambda: sum(n for (i, _), n in rig.outcomes(worker).items() if i in ids) == 90,
    )
    outcomes = rig.outcomes(worker)
    assert {i: (outcomes[i, "applied"], outcomes[i, "duplicate"]) for i in ids} == {
        i: (1, 2) for i in ids
    }
    assert len(rig.notifications(order_ids)) == 30
    assert rig.processed(e["id"] for e in events) == 30
    mails = Counter(rig.emails())
    assert {key: mails[key] for key in (e["id"] for e in events)} == {e["id"]: 1 for e in events}


def test_flower_lists_every_event_task_with_its_own_outcome(processes: Rig) -> None:
    """The worker takes events in batches, yet Flower shows one task per event."""
    rig = processes
    flower = rig.start_flower()
    rig.start_worker(concurrency=2)
    events = [_paid(order_id) for order_id in range(3_001, 3_011)]
    invalid = {**_paid(3_011), "data": {"order_id": "not a number"}}

    rig.publish([*events, invalid])

    def tasks() -> dict[str, Any]:
        """The tasks of this rig's workers: the broker's one task-event exchange also carries
        other runs' workers (a stage's monolith worker and its beat, a parallel test run)."""
        with urllib.request.urlopen(f"{flower}/api/tasks", timeout=5) as response:
            listed = dict(json.load(response))
        ours = rig.names["run"]  # in each worker's hostname
        return {key: task for key, task in listed.items() if ours in (task.get("worker") or "")}

    wait_until("Flower saw 11 tasks succeed", lambda: _succeeded(tasks()) >= 11, deadline=60)
    listed = tasks()
    assert {task["name"] for task in listed.values()} == {"events.handle_event"}
    results = Counter(task["result"] for task in listed.values())
    assert results == {"'applied'": 10, "'dead-lettered'": 1}
    assert listed[events[0]["id"]]["state"] == "SUCCESS"


def _succeeded(tasks: dict[str, Any]) -> int:
    return sum(task["state"] == "SUCCESS" for task in tasks.values())


BATCH = 5  # events per consumer transaction in the kill test (EVENTS_BATCH_SIZE)


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(processes: Rig) -> None:
    rig = processes
    events = [_paid(order_id) for order_id in range(2_001, 2_061)]
    order_ids = [e["data"]["order_id"] for e in events]
    gate = Path(rig.env["FAULTS_MAIL_GATE"])
    gate.parent.mkdir(exist_ok=True)
    worker = rig.start_worker(concurrency=2, batch_size=BATCH)
    rig.publish(events)
    wait_until("the first batches committed", lambda: _sent(rig, order_ids) >= 5, deadline=30)
    gate.touch()  # from now on, a written e-mail holds its batch before the commit
    wait_until("a batch held mid-flight", lambda: any(gate.parent.glob("held-*")), deadline=30)

    rig.kill(worker)  # SIGKILL: unacknowledged messages go back to the queue
    sent_at_kill = {i for i, _, status in rig.notifications(order_ids) if status == "sent"}
    # e-mails written by a batch that never committed: their messages must come back
    in_flight = {e["id"] for e in events if e["data"]["order_id"] not in sent_at_kill} & set(
        rig.emails()
    )
    gate.unlink()
    second = rig.start_worker(concurrency=2, batch_size=BATCH)

    wait_until("all 60 notifications sent", lambda: _sent(rig, order_ids) == 60)
    assert in_flight, "no batch was in flight at the kill"
    assert len(sent_at_kill) < 60
    redelivered = rig.outcomes(second)
    assert all(redelivered[key, "applied"] == 1 for key in in_flight), redelivered
    assert len(rig.notifications(order_ids)) == 60  # nothing doubled in the database
    assert rig.processed(e["id"] for e in events) == 60
    mails = Counter(rig.emails())
    keys = [e["id"] for e in events]
    assert all(mails[key] >= 1 for key in keys), "an e-mail was lost"
    # At-least-once meets the outside world here: a kill between the SMTP hand-off and the
    # commit of "sent" sends that message again, with the same idempotency key (the
    # Message-ID a provider dedupes on). A batch commits once, so at most the batch each pool
    # process had in hand is sent again, once.
    repeats = {key: n for key, n in mails.items() if key in keys and n > 1}
    assert all(n == 2 for n in repeats.values()), repeats
    assert in_flight <= set(repeats), (in_flight, repeats)  # the redelivery sent them again
    assert len(repeats) <= 2 * BATCH, repeats


def test_checkouts_while_the_broker_is_unreachable_are_accepted_and_delivered_after(
    processes: Rig,
) -> None:
    rig = processes
    proxy = TcpProxy(listen_port=free_port(), target_port=5672)
    proxy.start()
    try:
        rig.start_worker()
        relay = rig.start_relay(broker_url=f"amqp://guest:guest@127.0.0.1:{proxy.listen_port}//")
        proxy.stop()  # the broker vanishes for the producer

        order_ids = rig.place_orders(12)  # every checkout still succeeds

        assert len(order_ids) == 12
        statuses = rig.monolith_query(
            "SELECT status FROM orders_order WHERE id = ANY(%s)", order_ids
        )
        assert sorted(s for (s,) in statuses) == ["paid"] * 12
        wait_until(
            "the relay reports the broker error",
            lambda: "publishing failed" in relay.log_path.read_text(),
        )
        unsent = rig.monolith_query(
            "SELECT count(*) FROM orders_outboxmessage WHERE sent_at IS NULL "
            "AND aggregate_id = ANY(%s)",
            [str(i) for i in order_ids],
        )
        assert unsent == [(24,)]  # order.created + order.paid per order, waiting
        assert rig.notifications(order_ids) == []

        proxy.start()  # the broker is back

        wait_until("24 e-mails after the outage", lambda: _sent(rig, order_ids) == 24)
        assert len(rig.notifications(order_ids)) == 24
        leftover = rig.monolith_query(
            "SELECT count(*) FROM orders_outboxmessage WHERE sent_at IS NULL "
            "AND aggregate_id = ANY(%s)",
            [str(i) for i in order_ids],
        )
        assert leftover == [(0,)]
        mails = Counter(rig.emails())
        keys = [key for kind in MAILED for key in _event_ids(rig, order_ids, kind)]
        assert len(keys) == 24
        assert all(mails[key] == 1 for key in keys)
    finally:
        proxy.close()


def test_a_poison_message_goes_to_the_dead_letter_queue_while_the_rest_flows(
    processes: Rig,
) -> None:
    rig = processes
    rig.dead_letters()  # start from an empty DLQ
    good = [_paid(order_id) for order_id in range(3_001, 3_021)]
    invalid = _paid(3_100)
    del invalid["data"]["customer_email"]  # breaks the schema: never retried
    refused = _paid(3_101, email=f"nobody{REFUSED_DOMAIN}")  # fails every retry
    rig.start_worker()

    rig.publish([*good[:10], invalid, refused, *good[10:]])

    good_ids = [e["data"]["order_id"] for e in good]
    wait_until("the 20 good events delivered", lambda: _sent(rig, good_ids) == 20)
    wait_until(
        "two dead letters",
        lambda: (
            rig.service_query(
                "SELECT count(*) FROM events_deadletter WHERE event_id = ANY(%s)",
                [invalid["id"], refused["id"]],
            )
            == [(2,)]
        ),
    )
    letters = {letter["envelope"]["id"]: letter for letter in rig.dead_letters()}
    assert letters[invalid["id"]]["retries"] == 0
    assert "customer_email" in letters[invalid["id"]]["error"]
    assert letters[refused["id"]]["retries"] == 2  # EVENTS_MAX_RETRIES, with backoff between
    assert "SMTPRecipientsRefused" in letters[refused["id"]]["error"]
    # neither left a trace but its dead letter (a failed e-mail rolls its notification back)
    assert rig.notifications([3_100, 3_101]) == []


def test_a_consumer_that_was_down_catches_up(processes: Rig) -> None:
    rig = processes
    rig.start_relay()

    order_ids = rig.place_orders(15)  # nobody consumes yet

    wait_until(
        "the relay published every event",
        lambda: (
            rig.monolith_query("SELECT count(*) FROM orders_outboxmessage WHERE sent_at IS NULL")
            == [(0,)]
        ),
    )
    assert rig.queue_depth(rig.names["queue"]) >= 30  # kept by the broker, durable
    assert rig.notifications(order_ids) == []

    rig.start_worker()

    wait_until("30 e-mails once the consumer is back", lambda: _sent(rig, order_ids) == 30)
    assert rig.processed(key for kind in MAILED for key in _event_ids(rig, order_ids, kind)) == 30
