"""What every extracted service brings to a stage: its web process, its worker, its set-up.

A service is the Django project ``extracted/<name>/`` built on ``strangler.service``, so these
are the same for each: a stage module adds ``service_web("inventory")`` and
``service_worker("inventory")`` and its own extras (a gRPC server, a relay).
"""

from __future__ import annotations

from strangler.stages.manifest.commands import celery_worker, gunicorn
from strangler.stages.manifest.model import ProcessSpec


def service_manage(name: str) -> tuple[str, ...]:
    return ("{python}", f"extracted/{name}/manage.py")


def service_web(name: str, *, release: int = 1) -> ProcessSpec:
    """Its gunicorn process on the port named ``name``, the gateway's upstream ``name``.

    A later ``release`` of the service (``SERVICE_RELEASE``, see
    :func:`strangler.service.settings.root_urlconf`) is a deployment of its own beside it:
    process, port and upstream ``<name>-v<release>``, on the service's database."""
    own = name if release == 1 else f"{name}-v{release}"
    argv = gunicorn(f"extracted.{name}.service.wsgi:application", workers=1)
    if release != 1:
        argv = (*argv, "--env", f"SERVICE_RELEASE={release}")
    return ProcessSpec(
        name=own,
        argv=argv,
        ready="http",
        port_name=own,
        service=name,
        upstream=own,
        metrics_path="/metrics",
        urls=(
            (f"{own} admin (admin / admin)", "/admin/"),
            (f"{own} API docs", "/api/docs/"),
            (f"{own} readiness", "/health/ready"),
            (f"{own} metrics (Prometheus)", "/metrics"),
        ),
    )


def service_worker(name: str, *extra: str) -> ProcessSpec:
    """Its Celery worker, consuming the service's own events queue."""
    return ProcessSpec(
        name=f"{name}-worker",
        argv=celery_worker(f"extracted.{name}.service", name, *extra),
        ready="log",
        ready_text=" ready.",
        service=name,
    )


def service_relay(name: str) -> ProcessSpec:
    """Its outbox relay: publishes the events the service's writes put in its own outbox."""
    return ProcessSpec(
        name=f"{name}-relay",
        argv=(*service_manage(name), "outbox_relay"),
        ready="log",
        ready_text="outbox relay ready",
        service=name,
    )


def service_setup(name: str) -> tuple[tuple[str, ...], ...]:
    """Its database, tables, static files, admin user, and its queue with the bindings (so the
    queue exists before anything it subscribes to is published): ``manage.py set_up``, one
    process for the five steps."""
    return ((*service_manage(name), "set_up"),)
