from django.apps import AppConfig


class InventoryConfig(AppConfig):
    """Label ``inventory``: the tables are the monolith's (``inventory_stockitem``,
    ``inventory_reservation``), so the hand-over copies them column for column."""

    name = "extracted.inventory.stock"
    label = "inventory"
    verbose_name = "Inventory"
    default_auto_field = "django.db.models.BigAutoField"
