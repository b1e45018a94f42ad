"""The command lines every stage's Django services share: a gunicorn web process and a Celery
worker, written once so a service extracted at a later stage starts exactly like the monolith.
"""

from __future__ import annotations


def gunicorn(wsgi: str, *, workers: int) -> tuple[str, ...]:
    """A gunicorn web process on 127.0.0.1:{port}, finishing in-flight requests on SIGTERM."""
    return (
        "{python}",
        "-m",
        "gunicorn",
        wsgi,
        "--bind",
        "127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
    )


def celery_worker(app: str, name: str, *extra: str) -> tuple[str, ...]:
    """A Celery worker named ``<name>.<run id>@<host>``: unique on a broker shared by runs."""
    return (
        "{python}",
        "-m",
        "celery",
        "-A",
        app,
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
        "--hostname",
        f"{name}.{{run}}@%h",
        *extra,
    )
