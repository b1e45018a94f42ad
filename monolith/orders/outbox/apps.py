from django.apps import AppConfig


class OrdersOutboxConfig(AppConfig):
    name = "monolith.orders.outbox"
    label = "orders_outbox"
    verbose_name = "Orders outbox"
    default_auto_field = "django.db.models.BigAutoField"
