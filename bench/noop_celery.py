"""The baseline of ``bench.events``: a raw Celery task that does (almost) nothing.

It appends one byte to ``BENCH_COUNTER_FILE`` so the benchmark can tell when all are done.
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

QUEUE = os.environ.get("BENCH_NOOP_QUEUE", "bench.noop")

app = Celery("bench-noop", broker=os.environ.get("CELERY_BROKER_URL", "memory://"))
app.conf.update(
    task_queues=[Queue(QUEUE, durable=True)],
    task_default_queue=QUEUE,
    task_acks_late=True,
    worker_prefetch_multiplier=4,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
)


@app.task(name="bench.noop")
def noop() -> None:
    fd = os.open(os.environ["BENCH_COUNTER_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, b".")
    finally:
        os.close(fd)
