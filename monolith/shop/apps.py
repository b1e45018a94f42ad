from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project package as an app: the composition root and cross-context commands."""

    name = "monolith.shop"
    label = "shop"

    def ready(self) -> None:
        from django.core import checks

        from monolith.shop import bootstrap
        from strangler.config import start_config_agent

        bootstrap.compose()
        checks.register(bootstrap.check_adapters)
        start_config_agent()
