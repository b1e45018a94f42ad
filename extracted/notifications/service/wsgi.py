import os

from django.core.wsgi import get_wsgi_application

from strangler.telemetry.tracing import setup_tracing

# Always this service's settings, even when the environment names the monolith's.
os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.notifications.service.settings"

setup_tracing("notifications", django=True)  # before the app: it adds its middleware
application = get_wsgi_application()
