"""Observability shared by every service: Prometheus metrics (``metrics``, ``messaging``)."""
