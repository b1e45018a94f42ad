"""``dynamic(name)`` in a Django process: the setting, or the store's value through the
process's agent (one per process, built on first use), and what readiness and /metrics see."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

from strangler.configstore import django as glue
from strangler.configstore.connect import open_store
from strangler.testing import eventually


@pytest.fixture(autouse=True)
def _fresh_agent() -> Iterator[None]:
    glue.reset()
    yield
    glue.reset()


@pytest.fixture
def configured(settings: Any, tmp_path: Path) -> str:
    url = f"file://{tmp_path / 'store'}"
    settings.SERVICE_NAME = "monolith"
    settings.FRAUD_TIMEOUT = 2.0
    settings.FRAUD_BREAKER_FAILURES = 5
    settings.DYNAMIC_SETTINGS = ["FRAUD_TIMEOUT", "FRAUD_BREAKER_FAILURES"]
    settings.CONFIG_STORE_URL = url
    return url


def test_without_a_store_a_dynamic_setting_is_the_django_setting(settings: Any) -> None:
    settings.CONFIG_STORE_URL = ""
    settings.FRAUD_TIMEOUT = 0.3
    assert glue.dynamic("FRAUD_TIMEOUT") == 0.3
    assert glue.config_loaded() is None
    assert glue.agent() is None


def test_with_a_store_a_dynamic_setting_follows_the_store(configured: str) -> None:
    store = open_store(configured)
    store.apply("monolith", {"FRAUD_BREAKER_FAILURES": 3}, author="ada", source="test")
    assert glue.dynamic("FRAUD_BREAKER_FAILURES") == 3
    assert glue.dynamic("FRAUD_TIMEOUT") == 2.0  # not in the store: the Django setting
    assert glue.config_loaded() is True
    store.apply("monolith", {"FRAUD_TIMEOUT": 0.5}, author="ada", source="test")
    eventually(lambda: glue.dynamic("FRAUD_TIMEOUT") == 0.5, "the change in this process")
    with pytest.raises(KeyError):
        glue.dynamic("SECRET_KEY")  # not a dynamic setting


def test_the_agent_is_built_once_per_process(configured: str) -> None:
    agent = glue.agent()
    assert agent is not None and glue.agent() is agent
    open_store(configured).apply("monolith", {"FRAUD_TIMEOUT": 0.5}, author="a", source="t")
    eventually(lambda: agent.get("FRAUD_TIMEOUT") == 0.5, "the parent's agent updated")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a forked worker: the parent's agent has no thread here
        verdict = b"0"
        try:
            child = glue.agent()
            alive = child is not None and child._thread is not None and child._thread.is_alive()
            if child is not agent and alive and glue.dynamic("FRAUD_TIMEOUT") == 0.5:
                verdict = b"1"
        finally:
            os.write(write, verdict)
            os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 1) == b"1", "the forked child did not build and start its own agent"
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    assert glue.agent() is agent


def test_a_store_out_of_reach_is_not_loaded_and_the_defaults_serve(
    configured: str, settings: Any, tmp_path: Path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the store's folder should be")
    settings.CONFIG_STORE_URL = f"file://{blocked}"
    assert glue.config_loaded() is False
    assert glue.dynamic("FRAUD_BREAKER_FAILURES") == 5


def test_a_dynamic_setting_without_a_scalar_default_is_improperly_configured(
    configured: str, settings: Any
) -> None:
    settings.DYNAMIC_SETTINGS = ["FRAUD_TIMEOUT", "DATABASES"]
    with pytest.raises(ImproperlyConfigured, match="DATABASES"):
        glue.dynamic("FRAUD_TIMEOUT")


def test_a_bad_store_url_is_improperly_configured(configured: str, settings: Any) -> None:
    settings.CONFIG_STORE_URL = "redis://localhost"
    with pytest.raises(ImproperlyConfigured, match=r"CONFIG_STORE_URL: .*unknown scheme"):
        glue.dynamic("FRAUD_TIMEOUT")


def _scrape() -> str:
    """What /metrics shows of the collector (alone: the others read the database)."""
    assert glue.COLLECTOR in REGISTRY._collector_to_names  # registered with /metrics' registry
    registry = CollectorRegistry()
    registry.register(glue.COLLECTOR)  # type: ignore[arg-type]
    return generate_latest(registry).decode()


def test_metrics_show_the_process_s_config_revision(configured: str) -> None:
    revision = open_store(configured).apply(
        "monolith", {"FRAUD_TIMEOUT": 1.0}, author="a", source="t"
    )
    text = _scrape()
    assert f'strangler_config_revision{{service="monolith"}} {float(revision)}' in text
    assert 'strangler_config_loaded{service="monolith"} 1.0' in text


def test_metrics_without_a_store_show_no_config_revision(settings: Any) -> None:
    settings.CONFIG_STORE_URL = ""
    assert "strangler_config_revision" not in _scrape()


@pytest.mark.django_db
def test_readiness_waits_until_the_store_has_been_loaded(
    configured: str, settings: Any, client: Any
) -> None:
    """/health/ready (strangler.health.ConfigLoaded): a store out of reach is not ready."""
    from strangler.stages.processes import free_port

    settings.CONFIG_STORE_URL = f"etcd://127.0.0.1:{free_port()}"
    refused = client.get("/health/ready")
    assert refused.status_code == 503
    assert "not loaded" in refused.json()["checks"]["ConfigLoaded"]

    glue.reset()
    settings.CONFIG_STORE_URL = configured
    ready = client.get("/health/ready")
    assert ready.json()["checks"]["ConfigLoaded"] == "ok", ready.json()
