"""``python -m bench.events``: events per second from outbox to consumer effect, against a raw
Celery no-op task on the same broker, in one run.

- events: N ``order.paid`` events are written to the monolith's outbox (in transactions, as
  checkouts do); then the outbox relay (publisher confirms) and the notifications service's
  Celery worker (schema check, notification row + ProcessedMessage in one transaction, the
  e-mail on Django's dummy backend) run until every event has its ProcessedMessage row;
- raw Celery: N ``bench.noop`` tasks sent with ``send_task`` to a worker with the same
  concurrency, until every one ran;
- plain Celery: N tasks with the consumer's effect (notification row + e-mail in one
  transaction) but none of the pattern (no outbox, envelope, schema, ProcessedMessage).

The ratios are events/s over each baseline (issue goal: >= 0.7 of the raw no-op task; the
plain task shows what the outbox and the idempotency themselves cost).

Uses ``CELERY_BROKER_URL`` (default the local RabbitMQ) and ``DATABASE_URL`` (PostgreSQL: two
databases of its own, dropped at the end; otherwise SQLite in a temporary folder). A
benchmark, not a test: it prints the table and exits non-zero only when something could not
run.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"


def _fill(count: int) -> None:
    """(In a monolith process) write ``count`` order.paid events to the orders outbox."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.shop.settings")
    import django

    django.setup()
    from django.db import transaction

    from monolith.orders.models import OutboxMessage
    from strangler.events import Event
    from strangler.events.outbox import publish

    for start in range(0, count, 500):
        with transaction.atomic():
            for order_id in range(start + 1, min(count, start + 500) + 1):
                data = {
                    "order_id": order_id,
                    "customer_id": 1,
                    "customer_email": "bench@example.com",
                    "customer_name": "Bench",
                    "payment_id": order_id,
                    "total": "10.00",
                    "currency": "EUR",
                    "lines": [{"sku": "B", "name": "B", "quantity": 1, "unit_price": "10.00"}],
                    "paid_at": "2025-01-01T00:00:00Z",
                }
                event = Event(type="order.paid", data=data, source="bench")
                publish(OutboxMessage, event, aggregate_type="order", aggregate_id=order_id)


class Bench:
    def __init__(self, *, events: int, concurrency: int, keep: bool) -> None:
        self.events = events
        self.concurrency = concurrency
        self.keep = keep
        self.run = uuid.uuid4().hex[:8]
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-events-"))
        self.broker = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
        self.database_url = os.environ.get("DATABASE_URL", "")
        self.monolith_db = f"bench_{self.run}"
        self.names = {
            "exchange": f"bench-{self.run}.events",
            "queue": f"bench-{self.run}.notifications.events",
            "dlq": f"bench-{self.run}.notifications.dlq",
            "tasks": f"bench-{self.run}.notifications.tasks",
            "noop": f"bench-{self.run}.noop",
            "plain": f"bench-{self.run}.plain",
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
        env.update(
            STRANGLER_VAR_DIR=str(self.tmp / "var"),
            CELERY_BROKER_URL=self.broker,
            EVENTS_EXCHANGE=self.names["exchange"],
            NOTIFICATIONS_EVENTS_QUEUE=self.names["queue"],
            NOTIFICATIONS_EVENTS_DLQ=self.names["dlq"],
            NOTIFICATIONS_TASK_QUEUE=self.names["tasks"],
            NOTIFICATIONS_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            BENCH_NOOP_QUEUE=self.names["noop"],
            BENCH_PLAIN_QUEUE=self.names["plain"],
            BENCH_COUNTER_FILE=str(self.tmp / "noop.count"),
            LOG_LEVEL="WARNING",
        )
        if self.database_url.startswith("postgres"):
            env["DATABASE_URL"] = self.database_url.rsplit("/", 1)[0] + f"/{self.monolith_db}"
        else:
            env.pop("DATABASE_URL", None)
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []
        self._counter: Any = None  # the connection _count polls over

    # --- plumbing -------------------------------------------------------------------------

    def _run(self, *argv: str) -> None:
        result = subprocess.run(argv, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"bench: {' '.join(argv)} failed:\n{result.stdout}{result.stderr}")

    def _start(self, name: str, *argv: str, ready: str) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.procs.append(proc)
        self._wait(f"{name} ready", lambda: ready in log.read_text(errors="replace"), proc)
        return proc

    @staticmethod
    def _wait(
        what: str,
        done: Callable[[], bool],
        proc: subprocess.Popen[bytes] | None = None,
        deadline: float = 300.0,
    ) -> None:
        end = time.monotonic() + deadline
        while not done():
            if proc is not None and proc.poll() is not None:
                raise SystemExit(f"bench: {what}: the process exited ({proc.returncode})")
            if time.monotonic() > end:
                raise SystemExit(f"bench: {what}: not within {deadline:.0f}s")
            time.sleep(0.005)

    def _stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait(5)
        self.procs.clear()

    def _notifications(self, min_order_id: int) -> int:
        sql = f"SELECT count(*) FROM notifications_notification WHERE order_id >= {min_order_id}"
        return self._count(sql)

    def _processed(self) -> int:
        return self._count("SELECT count(*) FROM events_processedmessage")

    def _count(self, sql: str) -> int:
        """One query on the notifications database, over one connection kept for the run (a
        connection per poll would cost the database a process start each time)."""
        if self._counter is None:
            if self.database_url.startswith("postgres"):
                import psycopg

                url = self.database_url.rsplit("/", 1)[0] + f"/{self.monolith_db}_notifications"
                self._counter = psycopg.connect(url, autocommit=True)
            else:
                path = self.tmp / "var" / "notifications" / "db.sqlite3"
                self._counter = sqlite3.connect(path, timeout=20, isolation_level=None)
        row = self._counter.execute(sql).fetchone()  # type: ignore[arg-type]
        return int(row[0]) if row else 0

    def _noop_done(self) -> int:
        path = Path(self.env["BENCH_COUNTER_FILE"])
        return path.stat().st_size if path.exists() else 0

    # --- the two runs ---------------------------------------------------------------------

    def setup(self) -> None:
        if self.database_url.startswith("postgres"):
            import psycopg

            admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.monolith_db}"')
        py = sys.executable
        self._run(py, "manage.py", "migrate", "--noinput")
        self._run(py, "extracted/notifications/manage.py", "ensure_database")
        self._run(py, "extracted/notifications/manage.py", "migrate", "--noinput")
        self._run(py, "extracted/notifications/manage.py", "events_declare")
        self._run(py, "-m", "bench.events", "--fill", str(self.events))

    def events_per_second(self) -> float:
        py = sys.executable
        self._start(
            "notifications-worker",
            *(py, "-m", "celery", "-A", "extracted.notifications.service", "worker"),
            *("--concurrency", str(self.concurrency), "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("--hostname", f"bench-notifications-{self.run}@%h"),
            ready=" ready.",
        )
        # The clock starts when the relay is up (its Django start-up is not the pattern's cost):
        # from the outbox, full, to the last consumer effect.
        self._start("relay", py, "manage.py", "outbox_relay", "--interval", "0.01", ready="ready")
        start = time.monotonic()
        self._wait("every event consumed", lambda: self._processed() >= self.events)
        elapsed = time.monotonic() - start
        self._stop()
        return self.events / elapsed

    def raw_tasks_per_second(self) -> float:
        from bench.noop_celery import app  # on CELERY_BROKER_URL, which main() sets

        py = sys.executable
        self._start(
            "noop-worker",
            *(py, "-m", "celery", "-A", "bench.noop_celery", "worker"),
            *("--concurrency", str(self.concurrency), "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("--hostname", f"bench-noop-{self.run}@%h"),
            ready=" ready.",
        )
        start = time.monotonic()
        with app.producer_or_acquire() as producer:
            for _ in range(self.events):
                app.send_task("bench.noop", queue=self.names["noop"], producer=producer)
        self._wait("every no-op task ran", lambda: self._noop_done() >= self.events)
        elapsed = time.monotonic() - start
        self._stop()
        return self.events / elapsed

    def plain_tasks_per_second(self) -> float:
        """The same effect as a plain Celery task (order ids above the events' ones)."""
        from bench.plain_celery import app

        py = sys.executable
        self._start(
            "plain-worker",
            *(py, "-m", "celery", "-A", "bench.plain_celery", "worker"),
            *("--concurrency", str(self.concurrency), "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("--hostname", f"bench-plain-{self.run}@%h"),
            ready=" ready.",
        )
        first = 10_000_000
        start = time.monotonic()
        with app.producer_or_acquire() as producer:
            for order_id in range(first, first + self.events):
                app.send_task(
                    "bench.plain_effect",
                    args=(order_id,),
                    queue=self.names["plain"],
                    producer=producer,
                )
        self._wait("every plain task ran", lambda: self._notifications(first) >= self.events)
        elapsed = time.monotonic() - start
        self._stop()
        return self.events / elapsed

    def cleanup(self) -> None:
        self._stop()
        if self._counter is not None:
            self._counter.close()
        from kombu import Connection

        with Connection(self.broker) as connection:
            channel = connection.default_channel
            for key in ("queue", "dlq", "tasks", "noop", "plain"):
                channel.queue_delete(self.names[key])  # type: ignore[attr-defined]
            # the topic exchange, and the direct ones Celery declares named after its queues
            for key in ("exchange", "tasks", "noop", "plain"):
                channel.exchange_delete(self.names[key])  # type: ignore[attr-defined]
        if self.database_url.startswith("postgres"):
            import psycopg

            admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                for name in (self.monolith_db, f"{self.monolith_db}_notifications"):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fill:
        _fill(args.fill)
        return 0
    os.environ["CELERY_BROKER_URL"] = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
    bench = Bench(events=args.events, concurrency=args.concurrency, keep=args.keep)
    try:
        print(f"bench.events: {args.events} events, worker concurrency {args.concurrency}")
        engine = "PostgreSQL" if bench.database_url.startswith("postgres") else "SQLite"
        print(f"broker {bench.broker.split('@')[-1]}, database {engine}")
        bench.setup()
        raw = bench.raw_tasks_per_second()
        plain = bench.plain_tasks_per_second()
        events = bench.events_per_second()
    finally:
        bench.cleanup()
    rows = [
        ("raw Celery no-op task (send_task -> worker)", raw),
        ("plain Celery task, same DB effect + e-mail", plain),
        ("outbox -> relay -> idempotent consumer effect", events),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'path'.ljust(width)}  {'per second':>10}  {'vs no-op':>8}  {'vs plain':>8}")
    for name, rate in rows:
        print(f"{name.ljust(width)}  {rate:>10,.0f}  {rate / raw:>8.2f}  {rate / plain:>8.2f}")
    print(
        f"\ngoal: events >= 0.7x the raw no-op task: {'met' if events / raw >= 0.7 else 'NOT met'}"
        f" ({events / raw:.2f}x); against a plain task with the same effect: {events / plain:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
