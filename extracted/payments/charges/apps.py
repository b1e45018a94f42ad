from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Label ``payments``: the tables are the monolith's (``payments_payment``,
    ``payments_refund``), so the hand-over copies them column for column."""

    name = "extracted.payments.charges"
    label = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from extracted.payments.charges import bootstrap

        bootstrap.compose()
        checks.register(bootstrap.check_adapters)
