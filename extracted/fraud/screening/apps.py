from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "extracted.fraud.screening"
    label = "screening"
    verbose_name = "Fraud screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from extracted.fraud.screening import metrics  # noqa: F401  (/metrics from the start)
