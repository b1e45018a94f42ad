"""The outbox relay: publish unsent outbox rows to the broker, then mark them sent.

One round (``Relay.run_once``), per outbox table, in one database transaction:

1. lock a batch of unsent rows in id order, ``SELECT ... FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so several relays share the work and never publish the same row twice (on
   SQLite the lock is the database's single writer: run one relay);
2. skip every row whose aggregate has an earlier unsent row outside the batch (another relay
   holds it, or it failed before): an aggregate's events are published in the order written;
3. publish the rows back to back and wait for the broker's confirms together; keep the
   confirmed prefix, record the error on the first row that was not confirmed;
4. mark the confirmed rows sent and commit.

A crash between 3 and 4 publishes those rows again on the next round: delivery is at least
once, and consumers are idempotent. ``run_forever`` backs off exponentially while the broker
is unreachable and catches up once it is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import router, transaction
from django.db.models import Min, Q
from django.utils import timezone

from strangler.events.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


class Published(Protocol):
    confirmed: int  # how many envelopes, from the first, the broker confirmed
    error: str


class Publisher(Protocol):
    def publish_many(self, envelopes: Sequence[Mapping[str, Any]]) -> Published: ...

    def close(self) -> None: ...


@dataclass
class RoundResult:
    published: int = 0
    held_back: int = 0  # rows waiting for an earlier event of their aggregate
    error: str = ""

    def __iadd__(self, other: RoundResult) -> RoundResult:
        self.published += other.published
        self.held_back += other.held_back
        self.error = self.error or other.error
        return self


@dataclass
class Backoff:
    initial: float = 0.1
    maximum: float = 10.0
    current: float = 0.0

    def failed(self) -> float:
        self.current = min(self.maximum, self.current * 2 if self.current else self.initial)
        return self.current

    def reset(self) -> None:
        self.current = 0.0


class Relay:
    def __init__(
        self,
        outboxes: Sequence[type[OutboxMessage]],
        publisher: Publisher,
        *,
        batch_size: int = 100,
    ) -> None:
        self.outboxes = outboxes
        self.publisher = publisher
        self.batch_size = batch_size

    def run_once(self) -> RoundResult:
        result = RoundResult()
        for outbox in self.outboxes:
            result += self._round(outbox)
            if result.error:
                break
        return result

    def _round(self, outbox: type[OutboxMessage]) -> RoundResult:
        using = router.db_for_write(outbox)
        result = RoundResult()
        with transaction.atomic(using=using):
            rows = list(
                outbox._default_manager.using(using)
                .select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("id")[: self.batch_size]
            )
            if not rows:
                return result
            first_unsent = self._earlier_elsewhere(outbox, using, rows)
            ready = []
            for row in rows:
                key = (row.aggregate_type, row.aggregate_id)
                if key in first_unsent and first_unsent[key] < row.pk:
                    result.held_back += 1
                else:
                    ready.append(row)
            confirmed, error = 0, ""
            if ready:
                try:
                    outcome = self.publisher.publish_many([row.payload for row in ready])
                    confirmed, error = outcome.confirmed, outcome.error
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
            sent = [row.pk for row in ready[:confirmed]]
            if error:
                result.error = error[:MAX_ERROR_LENGTH]
                failed = ready[confirmed]
                outbox._default_manager.using(using).filter(pk=failed.pk).update(
                    attempts=failed.attempts + 1, last_error=result.error
                )
            if sent:
                outbox._default_manager.using(using).filter(pk__in=sent).update(
                    sent_at=timezone.now(), last_error=""
                )
            result.published = len(sent)
        return result

    @staticmethod
    def _earlier_elsewhere(
        outbox: type[OutboxMessage], using: str, rows: list[OutboxMessage]
    ) -> dict[tuple[str, str], int]:
        """Per aggregate of the batch: the first unsent row that is not in the batch.

        The batch is in id order, and only its confirmed prefix is marked sent, so a row that
        fails to publish also holds back the later rows of its aggregate.
        """
        ids_by_type: dict[str, set[str]] = {}
        for row in rows:
            ids_by_type.setdefault(row.aggregate_type, set()).add(row.aggregate_id)
        match = Q()
        for aggregate_type, aggregate_ids in ids_by_type.items():
            match |= Q(aggregate_type=aggregate_type, aggregate_id__in=sorted(aggregate_ids))
        earlier = (
            outbox._default_manager.using(using)
            .filter(match, sent_at__isnull=True, pk__lt=rows[-1].pk)
            .exclude(pk__in=[row.pk for row in rows])
            .values("aggregate_type", "aggregate_id")
            .annotate(first=Min("id"))
        )
        return {(e["aggregate_type"], e["aggregate_id"]): e["first"] for e in earlier}

    def run_forever(
        self,
        *,
        stop: threading.Event,
        idle_interval: float = 0.2,
        backoff: Backoff | None = None,
        on_round: Callable[[RoundResult], None] = lambda result: None,
    ) -> None:
        """Relay until ``stop`` is set: poll when idle, back off while publishing fails."""
        backoff = backoff or Backoff()
        try:
            while not stop.is_set():
                try:
                    result = self.run_once()
                except Exception as exc:  # the database itself: log, back off, try again
                    logger.exception("outbox relay round failed")
                    result = RoundResult(error=f"{type(exc).__name__}: {exc}")
                on_round(result)
                if result.error:
                    delay = backoff.failed()
                    logger.warning(
                        "outbox relay: publishing failed (%s); retrying in %.1fs",
                        result.error,
                        delay,
                    )
                    stop.wait(delay)
                elif result.published:
                    backoff.reset()
                    if result.held_back:  # the rest waits for another relay's commit
                        stop.wait(idle_interval / 4)
                else:
                    backoff.reset()
                    stop.wait(idle_interval)
        finally:
            self.publisher.close()
