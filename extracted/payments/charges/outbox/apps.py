from django.apps import AppConfig


class PaymentsOutboxConfig(AppConfig):
    name = "extracted.payments.charges.outbox"
    label = "payments_outbox"
    verbose_name = "Payments outbox"
    default_auto_field = "django.db.models.BigAutoField"
