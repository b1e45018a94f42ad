"""Liveness never touches a dependency; readiness reports each one and answers 503."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections
from django.test import Client, override_settings


@pytest.mark.django_db
def test_liveness_answers_without_touching_the_database(
    client: Client, django_assert_num_queries: pytest.FixtureRequest
) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "alive", "service": "monolith"}


@pytest.mark.django_db
def test_readiness_checks_database_cache_and_broker(client: Client) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"Database", "Cache", "Broker", "NotDraining", "ConfigLoaded"}


@pytest.mark.django_db
def test_readiness_is_503_when_the_database_refuses_the_connection(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check runs in a worker thread that opens its own connection from these settings;
    # the server itself refuses it (PostgreSQL: no such database; SQLite: no such folder).
    settings = connections.settings["default"]
    absent = (
        str(tmp_path / "no-such-folder" / "db.sqlite3")
        if connection.vendor == "sqlite"
        else f"{settings['NAME']}_that_does_not_exist"
    )
    monkeypatch.setitem(settings, "NAME", absent)

    response = client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["Database"] != "ok"
    assert body["checks"]["Cache"] == "ok"


@pytest.mark.django_db
def test_readiness_is_503_when_the_cache_refuses_the_connection(client: Client) -> None:
    # A real Redis that refuses: the database index is out of its range (16 by default).
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    refused = urlsplit(redis_url)._replace(path="/4096").geturl()
    caches_settings = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    caches_settings["default"]["LOCATION"] = refused

    with override_settings(CACHES=caches_settings):
        response = client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["Cache"] != "ok"
    assert body["checks"]["Database"] == "ok"


@pytest.mark.django_db
def test_readiness_is_503_when_the_broker_is_unreachable(client: Client) -> None:
    with override_settings(CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:1//"):
        response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "Broker unreachable" in body["checks"]["Broker"]
    assert body["checks"]["Database"] == "ok"


@pytest.mark.django_db
def test_readiness_is_503_while_the_drain_file_exists_and_liveness_stays_up(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drain_file = tmp_path / "monolith-1.draining"
    monkeypatch.setenv("STRANGLER_DRAIN_FILE", str(drain_file))
    assert client.get("/health/ready").status_code == 200

    drain_file.touch()
    response = client.get("/health/ready")

    assert response.status_code == 503
    assert "Draining" in response.json()["checks"]["NotDraining"]
    assert client.get("/health/live").status_code == 200
    drain_file.unlink()
    assert client.get("/health/ready").status_code == 200


def test_unknown_path_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
