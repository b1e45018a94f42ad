"""The settings builder gives a service the common block from its name and its own parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from strangler.config import REPO_ROOT
from strangler.service.queues import consumer_queues, consumer_routes, events_settings
from strangler.service.settings import service_settings

SQLITE = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}


@pytest.fixture(autouse=True)
def _own_var_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STRANGLER_VAR_DIR", str(tmp_path))


def _parcels(**own: Any) -> dict[str, Any]:
    own.setdefault("package", "extracted.parcels")
    return service_settings(
        "parcels",
        apps=["extracted.parcels.shipping"],
        database=SQLITE,
        title="Parcels service API",
        description="Where the parcels are.",
        **own,
    )


def test_a_service_is_wired_by_its_package_and_runs_the_shared_commands() -> None:
    built = _parcels()

    assert built["SERVICE_NAME"] == "parcels"
    assert built["ROOT_URLCONF"] == "extracted.parcels.service.urls"
    assert built["WSGI_APPLICATION"] == "extracted.parcels.service.wsgi.application"
    assert built["INSTALLED_APPS"][-2:] == ["extracted.parcels.shipping", "strangler.service"]
    assert built["DATABASES"]["default"]["ENGINE"] == "django_prometheus.db.backends.sqlite3"
    assert built["SPECTACULAR_SETTINGS"]["TITLE"] == "Parcels service API"
    assert built["LOGGING"]["formatters"]["json"]["service"] == "parcels"
    assert built["CELERY_TASK_ACKS_LATE"] is True


def test_a_consumer_gets_its_queue_bound_to_what_it_subscribes_and_its_dead_letters() -> None:
    built = _parcels(
        subscriptions="extracted.parcels.shipping.events.SUBSCRIPTIONS",
        subscribes=("order.paid", "order.cancelled"),
    )

    events_queue, task_queue = built["CELERY_TASK_QUEUES"]
    assert (events_queue.name, task_queue.name) == ("parcels.events", "parcels.tasks")
    assert {b.routing_key for b in events_queue.bindings} == {"order.cancelled", "order.paid"}
    assert built["EVENTS_DLQ"] == "parcels.dlq"
    assert built["EVENTS_CONSUMER"] == "strangler.service.consumer.build_consumer"
    assert built["EVENTS_SCHEMAS"] == REPO_ROOT / "extracted" / "parcels" / "schemas"
    assert built["CELERY_TASK_ROUTES"] == {"events.handle_event": {"queue": "parcels.events"}}
    assert built["CELERY_WORKER_PREFETCH_MULTIPLIER"] == built["EVENTS_BATCH_SIZE"]


def test_queue_names_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARCELS_EVENTS_QUEUE", "run-7.parcels.events")
    monkeypatch.setenv("PARCELS_TASK_QUEUE", "run-7.parcels.tasks")

    built = _parcels(subscriptions="x.SUBSCRIPTIONS", subscribes=("order.paid",))

    assert [q.name for q in built["CELERY_TASK_QUEUES"]] == [
        "run-7.parcels.events",
        "run-7.parcels.tasks",
    ]


def test_a_service_that_consumes_nothing_has_no_consumer_and_only_its_task_queue() -> None:
    built = _parcels()

    assert "EVENTS_CONSUMER" not in built
    assert [q.name for q in built["CELERY_TASK_QUEUES"]] == ["parcels.tasks"]
    assert "CELERY_TASK_ROUTES" not in built


def test_static_files_are_collected_under_the_services_own_folder(tmp_path: Path) -> None:
    static_root: Path = _parcels()["STATIC_ROOT"]

    assert static_root == tmp_path / "parcels" / "static"
    assert static_root.is_dir()


def test_passwords_are_hashed_with_djangos_hashers_unless_the_environment_names_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _parcels()["PASSWORD_HASHERS"][0] == ("django.contrib.auth.hashers.PBKDF2PasswordHasher")
    monkeypatch.setenv("PASSWORD_HASHERS", "django.contrib.auth.hashers.MD5PasswordHasher")
    assert _parcels()["PASSWORD_HASHERS"] == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_process_with_a_worker_of_its_own_for_events_gets_the_events_settings_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHOP_EVENTS_QUEUE", "run-1.shop.events")
    events = events_settings(
        "shop",
        subscriptions="shop.handlers.SUBSCRIPTIONS",
        subscribes=("stock.commit_failed",),
        schemas=REPO_ROOT / "shop" / "schemas",
    )

    assert not any(name.startswith("CELERY_") for name in events)
    assert (events["EVENTS_CONSUMER_NAME"], events["EVENTS_QUEUE"], events["EVENTS_DLQ"]) == (
        "shop",
        "run-1.shop.events",
        "shop.dlq",
    )
    [queue] = consumer_queues(events)
    assert queue.name == "run-1.shop.events"
    assert [b.routing_key for b in queue.bindings] == ["stock.commit_failed"]
    assert consumer_routes(events) == {"events.handle_event": {"queue": "run-1.shop.events"}}


def test_release_1_is_the_default_and_a_later_release_serves_its_own_url_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _parcels()["SERVICE_RELEASE"] == 1
    service = tmp_path / "parcels_released" / "service"
    service.mkdir(parents=True)
    for module in ("../__init__.py", "__init__.py", "urls_v2.py"):
        (service / module).write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SERVICE_RELEASE", "2")

    built = _parcels(package="parcels_released")

    assert built["ROOT_URLCONF"] == "parcels_released.service.urls_v2"
    assert built["SERVICE_RELEASE"] == 2
    assert built["SPECTACULAR_SETTINGS"]["VERSION"] == "2.0.0"


@pytest.mark.parametrize("release", ["3", "0", "-1"])
def test_a_release_the_service_lacks_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, release: str
) -> None:
    monkeypatch.setenv("SERVICE_RELEASE", release)
    with pytest.raises(ImproperlyConfigured, match=f"SERVICE_RELEASE={release}: this service"):
        _parcels()


def test_a_service_reads_its_dynamic_settings_from_the_central_store_where_the_stage_has_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dynamic = ["COURIER_TIMEOUT", "COURIER_BREAKER_FAILURES"]
    assert _parcels(dynamic=dynamic)["CONFIG_STORE_URL"] == ""  # before stage 5

    monkeypatch.setenv("CONFIG_STORE", "on")
    built = _parcels(dynamic=dynamic)
    assert built["CONFIG_STORE_URL"] == f"file://{tmp_path}/config"
    assert built["DYNAMIC_SETTINGS"] == dynamic
    assert _parcels()["CONFIG_STORE_URL"] == "", "a service with no dynamic setting has no agent"
