from django.apps import AppConfig


class PaymentsOutboxConfig(AppConfig):
    name = "monolith.payments.outbox"
    label = "payments_outbox"
    verbose_name = "Payments outbox"
    default_auto_field = "django.db.models.BigAutoField"
