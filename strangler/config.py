"""Environment configuration shared by every service.

``env`` is django-environ's file-aware reader: ``SECRET_KEY_FILE=/run/secrets/key`` is read
in place of ``SECRET_KEY``, so secrets never have to sit in the environment itself.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import environ

env = environ.FileAwareEnv()

REPO_ROOT = Path(__file__).resolve().parent.parent


def extracted_services(root: Path = REPO_ROOT) -> tuple[str, ...]:
    """The services of this checkout's ``extracted/`` (each a Django project with a manage.py):
    none before stage 2, then one more with each stage that extracts or adds one."""
    return tuple(sorted(path.parent.name for path in (root / "extracted").glob("*/manage.py")))


def var_root() -> Path:
    """The folder of the embedded state (``STRANGLER_VAR_DIR``, else ``var/``)."""
    return Path(env.str("STRANGLER_VAR_DIR", default=str(REPO_ROOT / "var")))


def var_dir(service: str) -> Path:
    """Where a service keeps its embedded state (SQLite files, broker folders, mail, keys)."""
    path = var_root() / service
    path.mkdir(parents=True, exist_ok=True)
    return path


def database(service: str) -> dict[str, Any]:
    """``DATABASE_URL`` or an embedded SQLite file tuned for a few concurrent processes."""
    if "DATABASE_URL" in env.ENVIRON:
        config = env.db_url("DATABASE_URL")
        config.setdefault("CONN_MAX_AGE", 60)
        config.setdefault("CONN_HEALTH_CHECKS", True)
        return config
    return _embedded_sqlite(service)


def _embedded_sqlite(service: str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(var_dir(service) / "db.sqlite3"),
        "OPTIONS": {
            # Several processes (web, worker) share the file: wait for locks and take the
            # write lock at BEGIN so two writers never deadlock on an upgrade.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def broker(service: str) -> tuple[str, dict[str, Any]]:
    """``CELERY_BROKER_URL`` or kombu's serverless ``filesystem://`` transport.

    All services share one filesystem broker folder (with a shared ``control_folder``) so
    that topic exchanges fan out across processes exactly as they do on RabbitMQ.
    """
    url = env.str("CELERY_BROKER_URL", default="filesystem://")
    if not url.startswith("filesystem://"):
        return url, {}
    root = var_dir("broker")
    for sub in ("queue", "processed", "control"):
        (root / sub).mkdir(exist_ok=True)
    for exchange in SHARED_EXCHANGES:
        _create_exchange_table(root / "control" / f"{exchange}.exchange")
    return url, {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "processed_folder": str(root / "processed"),
        "store_processed": False,
        "control_folder": str(root / "control"),
    }


# Exchanges every Celery worker binds a queue to as it starts (its remote-control mailbox).
SHARED_EXCHANGES = ("celery.pidbox",)


def _create_exchange_table(path: Path) -> None:
    """An empty binding table for the filesystem transport, unless one exists.

    kombu creates the table on the first bind with ``open("wb")`` and locks it only after:
    a worker starting at that moment can open the still empty file, lock it first and fail to
    parse it (seen with three workers starting at once). Created here, whole, before any
    worker runs, every bind takes kombu's locked read-modify-write path.
    """
    if path.exists():
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text("[]")
    try:
        os.link(temporary, path)  # atomic, and never replaces a table another process wrote
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def cache() -> dict[str, Any]:
    """Redis when ``REDIS_URL`` is set, else a per-process memory cache."""
    url = env.str("REDIS_URL", default="")
    if url:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def service_database(service: str) -> dict[str, Any]:
    """The database an extracted service owns (never the monolith's).

    ``<SERVICE>_DATABASE_URL`` when set; else, when the monolith's ``DATABASE_URL`` names a
    PostgreSQL database, a sibling database ``<name>_<service>`` on the same server (create it
    with ``manage.py ensure_database``); else SQLite under ``var/<service>/``.
    """
    own = f"{service.upper()}_DATABASE_URL"
    if own in env.ENVIRON:
        config = env.db_url(own)
    elif env.str("DATABASE_URL", default="").startswith(("postgres://", "postgresql://")):
        parts = urlsplit(env.str("DATABASE_URL"))
        sibling = f"{parts.path.lstrip('/') or 'postgres'}_{service}"
        config = env.db_url_config(urlunsplit(parts._replace(path=f"/{sibling}")))
    else:
        return _embedded_sqlite(service)
    config.setdefault("CONN_MAX_AGE", 60)
    config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


def ensure_database(config: dict[str, Any]) -> bool:
    """Create the PostgreSQL database of ``config`` when it is missing; True if created."""
    if "postgresql" not in config.get("ENGINE", ""):
        return False
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    conninfo = make_conninfo(**{k: str(v) for k, v in params.items() if v})
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    return True


def central_store_url() -> str:
    """The central config store: the one ``CONFIG_STORE_URL`` names
    (``etcd://127.0.0.1:2379``), else the embedded one, a folder of files under ``var/config``
    (under ``STRANGLER_VAR_DIR`` when set). ``config sync`` writes where the processes read."""
    return env.str("CONFIG_STORE_URL", default="") or f"file://{var_dir('config')}"


def config_store_url() -> str:
    """This process's central config store (stage 5 on, ``CONFIG_STORE=on``), or "" before
    stage 5: the settings are the environment's alone."""
    return central_store_url() if env.bool("CONFIG_STORE", default=False) else ""


def start_config_agent() -> None:
    """Where this process reads a central config store (stage 5 on), start its agent now (a
    composition root calls this at start-up): ``/health/ready`` and ``/metrics`` then report
    the store's revision before the first request needs a value from it."""
    from django.conf import settings

    if getattr(settings, "CONFIG_STORE_URL", ""):
        importlib.import_module("strangler.configstore.django").agent()


def live_setting(name: str) -> Any:
    """The current value of the Django setting ``name``, for settings that may change while
    the process runs: read from the central config store when this process has one
    (``CONFIG_STORE_URL``: changed there, the value changes here without a restart), else from
    Django's settings. Read it where it is used, on every use, not once at start-up."""
    from django.conf import settings

    if getattr(settings, "CONFIG_STORE_URL", ""):
        # the store's client arrives with the stage that brings the store: found by name
        return importlib.import_module("strangler.configstore.django").dynamic(name)
    return getattr(settings, name)


def central_secret_store_url() -> str:
    """The secret store: the one ``SECRET_STORE_URL`` names (``bao://127.0.0.1:8200``, its
    token in ``SECRET_STORE_TOKEN`` or ``SECRET_STORE_TOKEN_FILE``), else the embedded one, a
    folder of files under ``var/secrets`` (under ``STRANGLER_VAR_DIR`` when set)."""
    return env.str("SECRET_STORE_URL", default="") or f"file://{var_dir('secrets')}"


def secret_store_login_file(var: Path, service: str) -> Path:
    """Where ``secrets init`` leaves a service's OpenBao login, its AppRole's role id and secret
    id (stage 5 on), which the stage runner gives that service's processes as
    ``SECRET_STORE_APPROLE_FILE``."""
    return var / "secret-store-logins" / f"{service}.json"


def secret_store_role(service: str, mount: str = "secret") -> str:
    """The name of ``service``'s OpenBao policy and of the role its processes log in to
    (stage 5 on): ``shop-<service>``, or ``shop-<mount>-<service>`` on a KV engine other than
    ``secret``. On Kubernetes its pods log in as the service account named after the service
    (``secrets init --kubernetes-host``)."""
    return f"shop-{service}" if mount == "secret" else f"shop-{mount}-{service}"


def secret_store_url() -> str:
    """Where this process reads its secrets (stage 5 on, ``SECRET_STORE=on``: the JWT signing
    keys and Django's ``SECRET_KEY``), or "" before stage 5: keys from PEM files, the secret
    key from the environment."""
    return central_secret_store_url() if env.bool("SECRET_STORE", default=False) else ""
