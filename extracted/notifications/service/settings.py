"""Settings of the notifications service.

What is its own: the mail app, the order events it answers with an e-mail, and how the e-mail
leaves (a file per message in the embedded default). The rest, its database
(``NOTIFICATIONS_DATABASE_URL``) included, is the common block of ``strangler.service``.
"""

from __future__ import annotations

from strangler.config import env, var_dir
from strangler.service.settings import service_settings

SERVICE_NAME = "notifications"

globals().update(
    service_settings(
        SERVICE_NAME,
        apps=["extracted.notifications.mail"],
        subscribes=("order.created", "order.paid", "order.cancelled"),
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
