"""The kit's client for calls between services (:class:`ServiceClient`) and the circuit
breaker in front of its calls (:class:`CircuitBreaker`, :func:`breaker_for`)."""

from strangler.http.answers import ErrorAnswer, json_body
from strangler.http.breaker import CircuitBreaker, breaker_for
from strangler.http.client import IDEMPOTENT_METHODS, RETRY_STATUSES, ServiceClient
from strangler.http.configured import client_for

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "CircuitBreaker",
    "ErrorAnswer",
    "ServiceClient",
    "breaker_for",
    "client_for",
    "json_body",
]
