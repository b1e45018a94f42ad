import os

from django.core.wsgi import get_wsgi_application

# Always this service's settings, even when the environment names the monolith's.
os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.analytics.service.settings"

application = get_wsgi_application()
