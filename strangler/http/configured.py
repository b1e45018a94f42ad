"""The client a Django process uses to call one service, configured from its settings.

For a service ``fraud`` the settings are ``FRAUD_SERVICE_URL`` (the base URL), ``FRAUD_TIMEOUT``
(seconds, every call's connect and read timeout), ``FRAUD_BREAKER_FAILURES`` and
``FRAUD_BREAKER_RESET_SECONDS`` (the circuit breaker's limits, its state shared through Redis
where ``REDIS_URL`` is set). The timeout and the limits are read on every call
(:func:`strangler.config.live_setting`): where a central config store feeds them (stage 5),
a change applies to the next call without a restart.
"""

from __future__ import annotations

from django.conf import settings

from strangler.config import live_setting
from strangler.http.breaker import breaker_for
from strangler.http.client import ServiceClient


def client_for(
    service: str, base_url: str | None = None, timeout: float | None = None
) -> ServiceClient:
    """``base_url`` and ``timeout`` given (tests) replace the settings' ones."""
    prefix = service.upper()
    url = base_url or getattr(settings, f"{prefix}_SERVICE_URL")

    def live_timeout() -> float:
        return float(live_setting(f"{prefix}_TIMEOUT"))

    def live_limits() -> tuple[int, float]:
        return (
            int(live_setting(f"{prefix}_BREAKER_FAILURES")),
            float(live_setting(f"{prefix}_BREAKER_RESET_SECONDS")),
        )

    return ServiceClient(
        service,
        url,
        timeout=timeout if timeout is not None else live_timeout,
        breaker=breaker_for(
            client=settings.SERVICE_NAME,
            upstream=service,
            base_url=url,
            failures=getattr(settings, f"{prefix}_BREAKER_FAILURES"),
            reset_seconds=getattr(settings, f"{prefix}_BREAKER_RESET_SECONDS"),
            limits=live_limits,
        ),
    )
