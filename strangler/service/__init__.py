"""The skeleton every Django service is built on (the role of eShop's ServiceDefaults).

- :mod:`strangler.service.settings`: the common settings block (:func:`service_settings`) and
  its pieces, which the monolith's settings use too;
- :mod:`strangler.service.celery_app` and :mod:`strangler.service.wsgi`: the worker's Celery
  app and the web process' WSGI application, traced and logging JSON;
- :mod:`strangler.service.urls`: health, metrics, admin, schema and docs around the API;
- :mod:`strangler.service.consumer` and :mod:`strangler.service.queues`: the event consumer and
  the queues built from the service's settings (from stage 2, with the events library);
- the app itself (``strangler.service`` in ``INSTALLED_APPS``) brings the management commands
  every service runs at set-up: ``ensure_database``, ``seed_admin`` and (stage 2 on)
  ``events_declare``.
"""
