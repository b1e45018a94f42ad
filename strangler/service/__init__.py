"""The skeleton every Django service is built on (the role of eShop's ServiceDefaults).

- :mod:`strangler.service.settings`: the common settings block (:func:`service_settings`) and
  its pieces, which the monolith's settings use too;
- :mod:`strangler.service.celery_app` and :mod:`strangler.service.wsgi`: the worker's Celery
  app and the web process' WSGI application, traced and logging JSON;
- :mod:`strangler.service.urls`: health, metrics, admin, schema and docs around the API;
- :mod:`strangler.service.consumer`: the event consumer built from the service's settings;
- the app itself (``strangler.service`` in ``INSTALLED_APPS``) brings the management commands
  every service runs at set-up: ``ensure_database``, ``seed_admin`` and ``events_declare``.
"""
