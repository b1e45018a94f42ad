from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "strangler.events"
    label = "events"
    verbose_name = "Integration events"
    default_auto_field = "django.db.models.BigAutoField"
