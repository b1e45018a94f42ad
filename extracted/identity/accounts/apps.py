from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "extracted.identity.accounts"
    label = "accounts"
    verbose_name = "Identity accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from extracted.identity.accounts import metrics  # noqa: F401  (/metrics from the start)
