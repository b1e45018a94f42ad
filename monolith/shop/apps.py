from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project package as an app: the composition root and cross-context commands."""

    name = "monolith.shop"
    label = "shop"
