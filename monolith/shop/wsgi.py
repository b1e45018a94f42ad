import os

from django.core.wsgi import get_wsgi_application

from strangler.telemetry.tracing import setup_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.shop.settings")
setup_tracing("monolith", django=True, celery=True)  # before the app: it adds its middleware
application = get_wsgi_application()
