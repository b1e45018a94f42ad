"""Settings come from the environment; ``*_FILE`` variables read secrets from files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from strangler.config import REPO_ROOT, live_setting

PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECRET_KEY); print(s.DATABASES['default']['ENGINE']); print(s.CELERY_BROKER_URL); "
    "print(s.CACHES['default']['BACKEND']); print(s.DEBUG); print(','.join(s.ALLOWED_HOSTS))"
)


def _settings(tmp_path: Path, **env: str) -> list[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}
    }
    clean.update(DJANGO_SETTINGS_MODULE="monolith.shop.settings", STRANGLER_VAR_DIR=str(tmp_path))
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_embedded_defaults_need_no_server(tmp_path: Path) -> None:
    _, engine, broker, cache, debug, _ = _settings(tmp_path)
    # django-prometheus's wrapper of the backend (query counts for /metrics)
    assert engine == "django_prometheus.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert cache.endswith("LocMemCache")
    assert debug == "False"


def test_real_engines_are_chosen_by_environment_variables(tmp_path: Path) -> None:
    _, engine, broker, cache, debug, hosts = _settings(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/shop",
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DEBUG="true",
        ALLOWED_HOSTS="shop.example.com,127.0.0.1",
    )
    assert engine == "django_prometheus.db.backends.postgresql"
    assert broker == "amqp://guest:guest@127.0.0.1:5672//"
    assert cache.endswith("RedisCache")
    assert debug == "True"
    assert hosts == "shop.example.com,127.0.0.1"


def test_secret_key_is_read_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("s3cret-from-a-file")
    assert _settings(tmp_path, SECRET_KEY_FILE=str(secret))[0] == "s3cret-from-a-file"


def test_the_embedded_broker_has_the_workers_shared_binding_table_before_any_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strangler import config

    monkeypatch.setattr(config, "var_dir", lambda service: tmp_path / service)
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    (tmp_path / "broker").mkdir()
    table = tmp_path / "broker" / "control" / "celery.pidbox.exchange"

    config.broker("analytics")
    assert json.loads(table.read_text()) == []

    table.write_text('[["", "", "w1.celery.pidbox"]]')
    config.broker("notifications")  # another process starting later keeps the bindings
    assert json.loads(table.read_text()) == [["", "", "w1.celery.pidbox"]]
    assert sorted(p.name for p in table.parent.iterdir()) == ["celery.pidbox.exchange"]


def test_a_live_setting_without_a_config_store_is_django_s_setting(settings: Any) -> None:
    settings.CONFIG_STORE_URL = ""
    settings.FRAUD_TIMEOUT = 0.3
    assert live_setting("FRAUD_TIMEOUT") == 0.3
    settings.FRAUD_TIMEOUT = 0.4  # read where it is used, every time
    assert live_setting("FRAUD_TIMEOUT") == 0.4
