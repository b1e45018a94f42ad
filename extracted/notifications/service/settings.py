"""Settings of the notifications service: the common block of every service (see
``strangler.service.settings``) and what is its own: its apps, its database, the events it
consumes and its e-mail.

Its database is ``NOTIFICATIONS_DATABASE_URL`` (or a sibling ``<name>_notifications`` of the
monolith's PostgreSQL database, or SQLite under var/notifications/).
"""

from __future__ import annotations

from strangler.config import env, service_database, var_dir
from strangler.service.settings import service_settings

SERVICE_NAME = "notifications"

globals().update(
    service_settings(
        SERVICE_NAME,
        package="extracted.notifications",
        apps=["extracted.notifications.mail"],
        database=service_database(SERVICE_NAME),
        subscriptions="extracted.notifications.mail.handlers.SUBSCRIPTIONS",
        subscribes=("order.paid", "order.cancelled"),
        title="Notifications service API",
        description="The customer's notifications; the same contract the monolith served.",
    )
)

# --- e-mail: one file per message in the embedded default
EMAIL_BACKEND = env.str(
    "NOTIFICATIONS_EMAIL_BACKEND",
    default=env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"),
)
EMAIL_FILE_PATH = env.str(
    "NOTIFICATIONS_EMAIL_FILE_PATH",
    default=env.str("EMAIL_FILE_PATH", default=str(var_dir(SERVICE_NAME) / "mail")),
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@example.com")
