"""The kit's client for calls between services: :class:`ServiceClient`."""

from strangler.http.client import IDEMPOTENT_METHODS, RETRY_STATUSES, ServiceClient

__all__ = ["IDEMPOTENT_METHODS", "RETRY_STATUSES", "ServiceClient"]
