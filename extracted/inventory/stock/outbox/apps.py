from django.apps import AppConfig


class InventoryOutboxConfig(AppConfig):
    name = "extracted.inventory.stock.outbox"
    label = "inventory_outbox"
    verbose_name = "Inventory outbox"
    default_auto_field = "django.db.models.BigAutoField"
