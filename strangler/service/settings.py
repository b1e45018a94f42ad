"""The settings every Django service shares, built from what is the service's own.

A service's settings module applies the common block and keeps only what is its own::

    globals().update(
        service_settings(
            "notifications",
            apps=["extracted.notifications.mail"],
            subscribes=("order.paid", "order.cancelled"),
            description="The customer's notifications.",
        )
    )

``package`` is the service's folder (``extracted.<name>`` unless told): ``<package>.service`` holds
its ``urls`` and ``wsgi``, and ``<package>/schemas`` its copies of the event schemas it consumes.
``SERVICE_RELEASE`` (1 unless set) says which release of the service a process serves: a
later one runs beside it, for the callers the gateway sends there (:func:`root_urlconf`).
``database`` defaults to the service's own (``<NAME>_DATABASE_URL``, see
:func:`strangler.config.service_database`). Every value still comes from
the environment (django-environ) with the embedded defaults. The pieces below
(:data:`FRAMEWORK_APPS`, :func:`middleware`, :data:`TEMPLATES`, :data:`REST_FRAMEWORK`,
:func:`spectacular`, :func:`jwt`) are what the monolith's settings share with the services.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

from strangler.config import (
    REPO_ROOT,
    cache,
    config_store_url,
    env,
    secret_store_url,
    service_database,
    var_dir,
)
from strangler.telemetry.logs import json_logging
from strangler.telemetry.metrics import instrument_database, instrument_middleware

FRAMEWORK_APPS: list[str] = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
]

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The same conventions and error shape in every service's API.
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["strangler.auth.drf.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["strangler.api.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "strangler.api.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "strangler.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}


def middleware() -> list[str]:
    """Request ids, security, static files, sessions and auth; counted for /metrics
    (django-prometheus) around everything else."""
    return instrument_middleware(
        [
            "strangler.telemetry.logs.RequestIdMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ]
    )


def spectacular(*, title: str, description: str, release: int = 1) -> dict[str, Any]:
    """drf-spectacular's settings: the API under /api/v1, Swagger UI served offline."""
    return {
        "TITLE": title,
        "DESCRIPTION": description,
        "VERSION": f"{release}.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        "COMPONENT_SPLIT_REQUEST": True,
        "SCHEMA_PATH_PREFIX": r"/api/v1",
        # the responses and constraints DRF adds on its own (strangler.api_schema)
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "strangler.api_schema.declare_framework_responses",
        ],
        # Swagger UI's assets are served from this process, not a CDN: the docs work offline.
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    }


def jwt() -> dict[str, Any]:
    """RS256 keys from files (the embedded default generates a pair under var/keys), issuer,
    audience and lifetimes. Services verify with the public key; only the issuer signs."""
    keys = var_dir("keys")
    return {
        "JWT_PRIVATE_KEY_FILE": env.str("JWT_PRIVATE_KEY_FILE", default=str(keys / "jwt.pem")),
        "JWT_PUBLIC_KEY_FILE": env.str("JWT_PUBLIC_KEY_FILE", default=str(keys / "jwt.pub.pem")),
        "JWT_ISSUER": env.str("JWT_ISSUER", default="shop-identity"),
        "JWT_AUDIENCE": env.str("JWT_AUDIENCE", default="shop-api"),
        "JWT_ACCESS_TTL": timedelta(seconds=env.int("JWT_ACCESS_TTL_SECONDS", default=900)),
        "JWT_REFRESH_TTL": timedelta(
            seconds=env.int("JWT_REFRESH_TTL_SECONDS", default=7 * 24 * 3600)
        ),
        # stage 5 on (SECRET_STORE_URL): the key ring is read again this often
        "JWT_KEYRING_RELOAD_SECONDS": env.float("JWT_KEYRING_RELOAD_SECONDS", default=15.0),
        # stage 5 on: only the issuer's key ring (identity's settings set it) reads the
        # private keys; every other process verifies with the public halves
        "JWT_SIGNS_TOKENS": False,
        # stage 5 on: a new signing key is published (JWKS) this long before it signs; longer
        # than the gateway's JWKS refresh (5 minutes) and the ring's reload
        "JWT_KEY_PUBLISH_SECONDS": env.int("JWT_KEY_PUBLISH_SECONDS", default=360),
    }


def secret_key_grace() -> timedelta:
    return timedelta(seconds=env.int("SECRET_KEY_GRACE_SECONDS", default=14 * 24 * 3600))


def secret_key(name: str, store_url: str) -> dict[str, Any]:
    """``SECRET_KEY`` from the environment, or (stage 5 on) from the secret store with the
    versions retired less than ``SECRET_KEY_GRACE_SECONDS`` ago (two weeks, Django's session
    lifetime) as ``SECRET_KEY_FALLBACKS``. Read once, at start."""
    if not store_url:
        return {"SECRET_KEY": env.str("SECRET_KEY", default="insecure-embedded-default-change-me")}
    grace = secret_key_grace()
    # the secret store arrives with stage 5: found by name
    glue = importlib.import_module("strangler.secretstore.django")
    return dict(glue.secret_key_settings(store_url, name, grace))


def django_basics(name: str) -> dict[str, Any]:
    """Debug, secret, hosts, locale and static files (collected under ``var/<name>/static``)."""
    static_root = var_dir(name) / "static"
    static_root.mkdir(exist_ok=True)
    store_url = secret_store_url()
    return {
        "BASE_DIR": REPO_ROOT,
        "DEBUG": env.bool("DEBUG", default=False),
        # stage 5 on (SECRET_STORE=on): the secret store's URL, for the keys and SECRET_KEY
        "SECRET_STORE_URL": store_url,
        **secret_key(name, store_url),
        "ALLOWED_HOSTS": env.list(
            "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
        ),
        "APPEND_SLASH": False,
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "LANGUAGE_CODE": "en-us",
        "TIME_ZONE": "UTC",
        "USE_I18N": True,
        "USE_TZ": True,
        "STATIC_URL": "static/",
        "STATIC_ROOT": static_root,
        # Django's own hashers (PBKDF2 first) unless the environment names others: the e2e
        # harness names a fast one, as Django advises for tests (each shopper it registers
        # hashes a password, about 0.3 s of CPU with PBKDF2)
        "PASSWORD_HASHERS": env.list("PASSWORD_HASHERS", default=global_settings.PASSWORD_HASHERS),
    }


def root_urlconf(package: str, release: int) -> str:
    """The URL table of a release of the service: release 1 serves ``<package>.service.urls``,
    a later release ``<package>.service.urls_v<release>``, which states where it differs.

    A team ships a service's next release as a deployment of its own beside the current one
    and sends a few callers to it first (the gateway routes on a token's claims); both releases
    come from one tree here, so the release is a setting of the process."""
    if release == 1:
        return f"{package}.service.urls"
    name = f"{package}.service.urls_v{release}"
    if release < 1 or not _module_exists(name):
        raise ImproperlyConfigured(
            f"SERVICE_RELEASE={release}: this service has no such release ({name} is missing)"
        )
    return name


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def service_settings(
    name: str,
    *,
    apps: Sequence[str],
    description: str,
    subscribes: Sequence[str] = (),
    title: str = "",
    subscriptions: str = "",
    package: str = "",
    database: dict[str, Any] | None = None,
    dynamic: Sequence[str] = (),
) -> dict[str, Any]:
    """Every setting of service ``name`` but the ones that are its own (e-mail, its rules).

    ``subscribes`` lists the event types the service consumes (the queue's bindings are
    declared before the service's apps can be imported); ``subscriptions`` is the dotted path of
    its ``Subscription`` table, by default ``SUBSCRIPTIONS`` in the first app's ``handlers``.
    A service that consumes no events leaves both out. ``title`` defaults to "<Name> service API".
    ``dynamic`` names the settings the service reads with ``strangler.config.live_setting``
    (its calls' timeouts and breaker limits): where the stage has a central config store
    (``CONFIG_STORE=on``) the service's agent keeps them from ``deploy/config/<name>.yaml``.
    """
    package = package or f"extracted.{name}"
    title = title or f"{name.capitalize()} service API"
    if subscribes and not subscriptions:
        subscriptions = f"{apps[0]}.handlers.SUBSCRIPTIONS"
    database = database if database is not None else service_database(name)
    release = env.int("SERVICE_RELEASE", default=1)
    # imported here: the queues come with the events library, at stage 2 with the first
    # service (the monolith's settings import this module from stage 0)
    from strangler.service.queues import celery_settings

    return {
        **django_basics(name),
        "SERVICE_NAME": name,
        "SERVICE_RELEASE": release,
        "CONFIG_STORE_URL": config_store_url() if dynamic else "",
        "DYNAMIC_SETTINGS": list(dynamic),
        "VAR_DIR": var_dir(name),
        "INSTALLED_APPS": [
            *FRAMEWORK_APPS,
            "strangler.events",
            "strangler.telemetry",
            *apps,
            "strangler.service",  # last: a service's own command of the same name wins
        ],
        "MIDDLEWARE": middleware(),
        "ROOT_URLCONF": root_urlconf(package, release),
        "WSGI_APPLICATION": f"{package}.service.wsgi.application",
        "TEMPLATES": TEMPLATES,
        "DATABASES": {"default": instrument_database(database)},
        "CACHES": {"default": cache()},
        "REST_FRAMEWORK": REST_FRAMEWORK,
        "SPECTACULAR_SETTINGS": spectacular(title=title, description=description, release=release),
        **jwt(),
        # JSON lines with service, trace_id, span_id and request_id (LOG_FORMAT=plain for text)
        "LOGGING": json_logging(name),
        **celery_settings(
            name,
            subscriptions=subscriptions,
            subscribes=subscribes,
            schemas=REPO_ROOT.joinpath(*package.split("."), "schemas"),
        ),
    }
