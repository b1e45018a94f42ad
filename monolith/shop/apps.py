from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project package as an app: the composition root and cross-context commands."""

    name = "monolith.shop"
    label = "shop"

    def ready(self) -> None:
        from django.core import checks

        from monolith.shop import bootstrap

        bootstrap.compose()
        checks.register(bootstrap.check_adapters)
