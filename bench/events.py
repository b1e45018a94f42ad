"""``python -m bench.events``: events per second from outbox to consumer effect, against a raw
Celery no-op task on the same broker, in one run.

- events: N ``order.paid`` events are written to the monolith's outbox (in transactions, as
  checkouts do) while the relay is stopped; then the outbox relay (publisher confirms) and
  the notifications service's Celery worker (schema check, notification row + ProcessedMessage
  per event, a commit per batch, the e-mail on Django's dummy backend) run until every event
  has its ProcessedMessage row;
- raw Celery: N ``bench.noop`` tasks sent with ``send_task`` to a worker with the same
  concurrency, until every one ran;
- plain Celery: N tasks with the consumer's effect (notification row + e-mail in one
  transaction) but none of the pattern (no outbox, envelope, schema, ProcessedMessage).

Every process starts once; the three paths then run in turn, ``--rounds`` times, so a slow
spell of a shared machine hits all three alike; the table shows each round and the medians.
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
import signal
import sqlite3
import statistics
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


def _fill(count: int, first: int = 1) -> None:
    """(In a monolith process) write ``count`` order.paid events to the orders outbox."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.shop.settings")
    import django

    django.setup()
    from django.db import transaction

    from monolith.orders.outbox.models import OutboxMessage
    from strangler.events import Event
    from strangler.events.outbox import publish

    for start in range(first, first + count, 500):
        with transaction.atomic():
            for order_id in range(start, min(first + count, start + 500)):
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
            # the pattern against a raw task; what tracing costs is measured on its own
            OTEL_SDK_DISABLED="true",
        )
        if self.database_url.startswith("postgres"):
            env["DATABASE_URL"] = self.database_url.rsplit("/", 1)[0] + f"/{self.monolith_db}"
        else:
            env.pop("DATABASE_URL", None)
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []
        self._counter: Any = None  # the connection _count polls over
        self.relay: subprocess.Popen[bytes]

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
                proc.send_signal(signal.SIGCONT)  # the relay may be stopped
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait(5)
        self.procs.clear()

    def _notifications(self, first: int) -> int:
        last = first + self.events
        return self._count(
            "SELECT count(*) FROM notifications_notification "
            f"WHERE order_id >= {first} AND order_id < {last}"
        )

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

    def start(self) -> None:
        """Every worker, and the relay (stopped with SIGSTOP until an events round)."""
        py = sys.executable
        for name, module in (
            ("noop", "bench.noop_celery"),
            ("plain", "bench.plain_celery"),
            ("notifications", "extracted.notifications.service"),
        ):
            self._start(
                f"{name}-worker",
                *(py, "-m", "celery", "-A", module, "worker"),
                *("--concurrency", str(self.concurrency), "--loglevel", "INFO"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("--hostname", f"bench-{name}-{self.run}@%h"),
                ready=" ready.",
            )
        self.relay = self._start(
            "relay", py, "manage.py", "outbox_relay", "--interval", "0.01", ready="ready"
        )
        os.kill(self.relay.pid, signal.SIGSTOP)

    def raw_round(self, round_: int) -> float:
        from bench.noop_celery import app  # on CELERY_BROKER_URL, which main() sets

        start = time.monotonic()
        with app.producer_or_acquire() as producer:
            for _ in range(self.events):
                app.send_task("bench.noop", queue=self.names["noop"], producer=producer)
        total = self.events * (round_ + 1)
        self._wait("every no-op task ran", lambda: self._noop_done() >= total)
        return self.events / (time.monotonic() - start)

    def plain_round(self, round_: int) -> float:
        """The same effect as a plain Celery task (order ids above the events' ones)."""
        from bench.plain_celery import app

        first = 10_000_000 + round_ * self.events
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
        return self.events / (time.monotonic() - start)

    def events_round(self, round_: int) -> float:
        """From the outbox, full, to the last consumer effect.

        The events are written while the relay is stopped (SIGSTOP); the clock starts when it
        continues, so neither the producer's transactions nor a process start are counted.
        """
        py = sys.executable
        first = 1 + round_ * self.events
        self._run(py, "-m", "bench.events", "--fill", str(self.events), "--first", str(first))
        total = self.events * (round_ + 1)
        start = time.monotonic()
        os.kill(self.relay.pid, signal.SIGCONT)
        self._wait("every event consumed", lambda: self._processed() >= total, self.relay)
        rate = self.events / (time.monotonic() - start)
        os.kill(self.relay.pid, signal.SIGSTOP)
        return rate

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
    parser.add_argument("--rounds", type=int, default=3, help="each path this many times")
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fill:
        _fill(args.fill, args.first)
        return 0
    os.environ["CELERY_BROKER_URL"] = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
    bench = Bench(events=args.events, concurrency=args.concurrency, keep=args.keep)
    names = ("raw", "plain", "events")
    rates: dict[str, list[float]] = {name: [] for name in names}
    try:
        print(
            f"bench.events: {args.events} events per round, {args.rounds} rounds, "
            f"worker concurrency {args.concurrency}"
        )
        engine = "PostgreSQL" if bench.database_url.startswith("postgres") else "SQLite"
        print(f"broker {bench.broker.split('@')[-1]}, database {engine}")
        bench.setup()
        bench.start()
        print(f"\n{'round':>5}  {'raw':>7}  {'plain':>7}  {'events':>7}  {'events/raw':>10}")
        for round_ in range(args.rounds):
            rates["raw"].append(bench.raw_round(round_))
            rates["plain"].append(bench.plain_round(round_))
            rates["events"].append(bench.events_round(round_))
            raw, plain, events = (rates[name][-1] for name in names)
            ratio = events / raw
            print(f"{round_ + 1:>5}  {raw:>7,.0f}  {plain:>7,.0f}  {events:>7,.0f}  {ratio:>10.2f}")
    finally:
        bench.cleanup()
    raw, plain, events = (statistics.median(rates[name]) for name in names)
    rows = [
        ("raw Celery no-op task (send_task -> worker)", raw),
        ("plain Celery task, same DB effect + e-mail", plain),
        ("outbox -> relay -> idempotent consumer effect", events),
    ]
    width = max(len(r[0]) for r in rows)
    header = f"{'median of the rounds'.ljust(width)}  {'per second':>10}  {'vs no-op':>8}"
    print(f"\n{header}  {'vs plain':>8}")
    for name, rate in rows:
        print(f"{name.ljust(width)}  {rate:>10,.0f}  {rate / raw:>8.2f}  {rate / plain:>8.2f}")
    print(
        f"\ngoal: events >= 0.7x the raw no-op task: {'met' if events / raw >= 0.7 else 'NOT met'}"
        f" ({events / raw:.2f}x); against a plain task with the same effect: {events / plain:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
