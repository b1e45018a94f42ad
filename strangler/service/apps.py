from django.apps import AppConfig


class ServiceConfig(AppConfig):
    """Installed by every extracted service for its shared management commands."""

    name = "strangler.service"
    label = "strangler_service"
    verbose_name = "Service skeleton"
