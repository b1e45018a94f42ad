"""Settings of the analytics service: its own database, the same environment conventions.

``ANALYTICS_DATABASE_URL`` (or a sibling ``<name>_analytics`` of the monolith's PostgreSQL
database, or SQLite under var/analytics/), the shared broker, the same JWT public key as every
service (tokens are verified, never issued, here).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from strangler.config import REPO_ROOT, broker, cache, env, service_database, var_dir
from strangler.events.broker import TASK_NAME, consumer_queue, direct_queue, topic_exchange
from strangler.telemetry.logs import json_logging
from strangler.telemetry.metrics import instrument_database, instrument_middleware

SERVICE_NAME = "analytics"
BASE_DIR: Path = REPO_ROOT
VAR_DIR = var_dir(SERVICE_NAME)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-embedded-default-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])

INSTALLED_APPS = [
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
    "strangler.events",
    "strangler.telemetry",
    "extracted.analytics.sales",
]

# Request counts and latencies for /metrics (django-prometheus), around everything else.
MIDDLEWARE = instrument_middleware(
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

ROOT_URLCONF = "extracted.analytics.service.urls"
WSGI_APPLICATION = "extracted.analytics.service.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
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

DATABASES = {"default": instrument_database(service_database(SERVICE_NAME))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": cache()}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)

# --- integration events consumed (strangler.events): queue, bindings, retries, dead letters
EVENTS_CONSUMER = "extracted.analytics.sales.events.build_consumer"
EVENTS_CONSUMER_NAME = SERVICE_NAME
# Only these two: why payment.* would count money twice is in sales/events.py.
EVENTS_SUBSCRIBES = ("order.paid", "order.cancelled")
EVENTS_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"  # this service's copies
EVENTS_QUEUE = env.str("ANALYTICS_EVENTS_QUEUE", default="analytics.events")
EVENTS_DLQ = env.str("ANALYTICS_EVENTS_DLQ", default="analytics.dlq")
EVENTS_MAX_RETRIES = env.int("EVENTS_MAX_RETRIES", default=5)
EVENTS_RETRY_BACKOFF = env.float("EVENTS_RETRY_BACKOFF", default=1.0)
EVENTS_RETRY_BACKOFF_MAX = env.float("EVENTS_RETRY_BACKOFF_MAX", default=300.0)

# --- Celery: the worker consumes the event queue and the service's own task queue
# Retries and dead letters are published with confirms (strangler.events.broker
# confirmed_producer); the worker's other messages, its task events, need none.
CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = broker(SERVICE_NAME)
CELERY_TASK_DEFAULT_QUEUE = env.str("ANALYTICS_TASK_QUEUE", default="analytics.tasks")
CELERY_TASK_QUEUES = [
    consumer_queue(EVENTS_QUEUE, EVENTS_SUBSCRIBES, topic_exchange()),
    direct_queue(CELERY_TASK_DEFAULT_QUEUE),
]
CELERY_TASK_ROUTES = {TASK_NAME: {"queue": EVENTS_QUEUE}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# The worker takes events in batches (strangler.events.batching): up to this many, or what
# arrived within the interval; the prefetch leaves room for a full batch per pool process.
EVENTS_BATCH_SIZE = env.int("EVENTS_BATCH_SIZE", default=100)
EVENTS_BATCH_INTERVAL = env.float("EVENTS_BATCH_INTERVAL", default=0.05)  # seconds
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int(
    "CELERY_WORKER_PREFETCH_MULTIPLIER", default=EVENTS_BATCH_SIZE
)
CELERY_WORKER_SEND_TASK_EVENTS = True  # Flower lists every event task
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False

# --- REST API: the same conventions and error shape as every service
REST_FRAMEWORK = {
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
SPECTACULAR_SETTINGS = {
    "TITLE": "Analytics service API",
    "DESCRIPTION": "Sales figures (per day, per product, totals) kept from the order events.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- JWT: verified with the shared public key (the private one only signs test tokens)
JWT_PRIVATE_KEY_FILE = env.str("JWT_PRIVATE_KEY_FILE", default=str(var_dir("keys") / "jwt.pem"))
JWT_PUBLIC_KEY_FILE = env.str("JWT_PUBLIC_KEY_FILE", default=str(var_dir("keys") / "jwt.pub.pem"))
JWT_ISSUER = env.str("JWT_ISSUER", default="shop-identity")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="shop-api")
JWT_ACCESS_TTL = timedelta(seconds=env.int("JWT_ACCESS_TTL_SECONDS", default=900))
JWT_REFRESH_TTL = timedelta(seconds=env.int("JWT_REFRESH_TTL_SECONDS", default=7 * 24 * 3600))

# JSON lines with service, trace_id, span_id and request_id (LOG_FORMAT=plain for text)
LOGGING = json_logging(SERVICE_NAME)
