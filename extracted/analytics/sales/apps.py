from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "extracted.analytics.sales"
    label = "analytics"
    verbose_name = "Sales analytics"
    default_auto_field = "django.db.models.BigAutoField"
