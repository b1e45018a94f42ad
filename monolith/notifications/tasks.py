"""Celery entry points of notifications: thin, they take ids and call a service."""

from __future__ import annotations

import smtplib

from celery import Task, shared_task

from monolith.notifications import services

MAX_RETRIES = 5


@shared_task(
    name="notifications.send_notification",
    bind=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def send_notification(self: Task, notification_id: int) -> None:
    """Send one notification e-mail; retried with exponential backoff on SMTP/network errors."""
    services.notification_send(
        notification_id=notification_id,
        final_attempt=self.request.retries >= (self.max_retries or 0),
    )
