from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "strangler.telemetry"
    label = "telemetry"
    verbose_name = "Telemetry"

    def ready(self) -> None:
        from strangler.telemetry.metrics import register_messaging

        register_messaging()
