from django.apps import AppConfig


class ServiceConfig(AppConfig):
    """Installed by every extracted service for its shared management commands."""

    name = "strangler.service"
    label = "strangler_service"
    verbose_name = "Service skeleton"

    def ready(self) -> None:
        from strangler.config import start_config_agent

        # a service with dynamic settings, at a stage with a central config store
        start_config_agent()
