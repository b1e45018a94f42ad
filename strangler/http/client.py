"""One client for calls between services, on ``requests``.

- every call has a timeout, ``(connect, read)`` seconds: a service that does not answer costs
  the caller at most that long per attempt, never a hung worker;
- only idempotent methods (GET, HEAD, PUT, DELETE) are retried, with exponential backoff, on a
  502, 503 or 504; a POST is sent once, unless the caller gives it an ``idempotency_key``: it
  goes out as the ``Idempotency-Key`` header, the service answers a repeat with its first
  answer, and the POST is retried like a PUT. A connection that could not be opened is retried
  for every method (nothing was sent), a read timeout for none (the time budget is the caller's);
  a connection the service closed without answering is retried where the method is (a pooled
  keep-alive connection the server closed at the moment it was reused: gunicorn closes one
  idle for 2 s, and a call that takes it then meets the close, not the server);
- the current trace context goes out as ``traceparent`` (the requests instrumentation does it
  where tracing is set up; the propagator below does it everywhere else);
- the environment's proxy (``HTTP_PROXY``, ``NO_PROXY``) and CA bundle (``REQUESTS_CA_BUNDLE``)
  are read once, when the client is built: ``requests`` would read them, and ``~/.netrc``,
  again on every call, a tenth of a millisecond each;
- a service that cannot be reached, times out or fails (5xx) raises
  :class:`strangler.errors.ServiceUnavailable` naming it (the kit's 503 error shape); any other
  answer, a 4xx included, is returned for the caller to translate into its own errors;
- every call goes through the upstream's circuit breaker (:mod:`strangler.http.breaker`):
  after ``failures`` failed calls in a row (the retries of one call are one call) it refuses
  calls at once for a while, a 503 with ``"circuit": "open"`` in its details;
- a 503 whose ``Unavailable-Service`` header names *another* service is the upstream's answer
  that one of its own dependencies failed (payments saying fraud is down): the upstream is
  well, so the call is neither retried (that would ask the dependency again) nor counted
  against its breaker, and the ServiceUnavailable raised carries the upstream's message and
  details, so the caller's client reads the same error as if it had called the dependency.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from opentelemetry import propagate
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError, TimeoutError
from urllib3.util.retry import Retry

from strangler.errors import UNAVAILABLE_SERVICE, ServiceUnavailable
from strangler.http.answers import ErrorAnswer, json_body
from strangler.http.breaker import CircuitBreaker, CircuitOpen

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENCY_KEY = "Idempotency-Key"


class ServiceClient:
    """Calls to one service at ``base_url``, named ``service`` in errors and logs."""

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        timeout: float | Callable[[], float],
        connect_timeout: float | None = None,
        retries: int = 2,
        backoff: float = 0.1,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        """``timeout``: seconds, or where to read them on every call (a setting that changes
        while the process runs: the central config store, stage 5), for both the connection
        and the answer unless ``connect_timeout`` is given. ``breaker``: the upstream's circuit
        breaker; by default one of this process, opened by 5 failures in a row for 10 s
        (:func:`strangler.http.breaker.breaker_for` builds one shared by the service's
        processes)."""
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.breaker = breaker or CircuitBreaker(
            client=_this_service(), upstream=service, instance=urlsplit(self.base_url).netloc
        )
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self.session = self._session(IDEMPOTENT_METHODS, retries, backoff)
        # A POST carrying an Idempotency-Key is safe to repeat: its own session retries it.
        self.keyed_session = self._session(IDEMPOTENT_METHODS | {"POST"}, retries, backoff)

    def _session(self, retried: frozenset[str], retries: int, backoff: float) -> requests.Session:
        session = requests.Session()
        session.proxies = requests.utils.get_environ_proxies(self.base_url)
        session.verify = _ca_bundle_from_environment() or True
        session.trust_env = False
        retry = _Retry(
            upstream=self.service,
            total=retries,
            connect=retries,
            read=retries,  # a connection closed unanswered; a read timeout never (increment)
            status=retries,
            other=0,
            allowed_methods=retried,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff,
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    @property
    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` seconds for the next call."""
        read = self._timeout() if callable(self._timeout) else self._timeout
        return (self._connect_timeout if self._connect_timeout is not None else read, read)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> requests.Response:
        """The service's answer below 500; raises ServiceUnavailable for anything else.

        ``idempotency_key``: sent as the ``Idempotency-Key`` header, and the request is retried
        whatever its method (the service answers a repeated key with its first answer).
        """
        outgoing = {"Accept": "application/json", **(headers or {})}
        if idempotency_key is not None:
            outgoing[IDEMPOTENCY_KEY] = idempotency_key
        propagate.inject(outgoing)
        request = requests.Request(
            method.upper(), self.base_url + path, json=json, params=params, headers=outgoing
        )
        session = self.session if idempotency_key is None else self.keyed_session
        try:
            response = self._send(session, session.prepare_request(request))
        except CircuitOpen as exc:
            raise self._refused(method, path, exc) from exc
        except requests.RequestException as exc:
            what = "did not answer in time" if _timed_out(exc) else "could not be reached"
            raise self._unavailable(method, path, what, exc) from exc
        if _dependency_failed(response, self.service):
            raise _passed_on(response)
        if response.status_code >= 500:
            raise self._unavailable(
                method, path, f"answered {response.status_code}", status=response.status_code
            )
        return response

    def _send(
        self, session: requests.Session, prepared: requests.PreparedRequest
    ) -> requests.Response:
        """The one place every call goes through, past the upstream's circuit breaker."""
        admitted = self.breaker.admit()
        try:
            response = session.send(prepared, timeout=self.timeout)
        except requests.RequestException:
            self.breaker.record(admitted, ok=False)
            raise
        ok = response.status_code < 500 or _dependency_failed(response, self.service)
        self.breaker.record(admitted, ok=ok)
        return response

    def _refused(self, method: str, path: str, exc: CircuitOpen) -> ServiceUnavailable:
        seconds = max(round(exc.retry_after), 1)
        logger.info("%s %s %s: refused, the circuit is open", self.service, method, path)
        return ServiceUnavailable(
            f"The {self.service} service is failing; calls to it resume in about {seconds} s.",
            service=self.service,
            circuit="open",
            retry_after=seconds,
        )

    def _unavailable(
        self,
        method: str,
        path: str,
        what: str,
        exc: Exception | None = None,
        *,
        status: int | None = None,
    ) -> ServiceUnavailable:
        logger.warning("%s %s %s: %s %s", self.service, method, path, what, exc or "")
        details: dict[str, Any] = {"service": self.service}
        if status is not None:
            details["status"] = status
        return ServiceUnavailable(
            f"The {self.service} service {what}; please try again shortly.", **details
        )


class _Retry(Retry):
    """urllib3's retries, except for an answer that names another service as the one that
    failed: sending the call again would only ask that service again."""

    def __init__(self, *, upstream: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.upstream = upstream

    def new(self, **kwargs: Any) -> _Retry:
        renewed = super().new(**kwargs)
        renewed.upstream = self.upstream
        return renewed

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        **rest: Any,
    ) -> Retry:
        if response is not None and _names_another(response.headers, self.upstream):
            # urllib3 answers the call with this response when no retry is left
            raise MaxRetryError(rest["_pool"], url or "")
        if isinstance(rest.get("error"), ReadTimeoutError):
            raise rest["error"]  # the time budget is the caller's: not asked again
        return super().increment(method, url, response, **rest)


def _names_another(headers: Mapping[str, str], upstream: str) -> bool:
    named = headers.get(UNAVAILABLE_SERVICE, "")
    return bool(named) and named != upstream


def _dependency_failed(response: requests.Response, upstream: str) -> bool:
    return response.status_code == 503 and _names_another(response.headers, upstream)


def _passed_on(response: requests.Response) -> ServiceUnavailable:
    """The upstream's 503 about its dependency, as this process's own error."""
    named = response.headers[UNAVAILABLE_SERVICE]
    error = ErrorAnswer.of(response.status_code, json_body(response))
    passed = error.as_error(
        ServiceUnavailable, f"The {named} service is unavailable; please try again shortly."
    )
    passed.details["service"] = named
    return passed


def _this_service() -> str:
    """The calling service's name (its ``SERVICE_NAME`` setting), for the breaker's metric."""
    from django.conf import settings

    return str(getattr(settings, "SERVICE_NAME", "")) if settings.configured else ""


def _ca_bundle_from_environment() -> str | None:
    """The CA bundle ``requests`` takes from the environment when it reads it per call."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")


def _timed_out(exc: requests.RequestException) -> bool:
    """A timeout, also when it ended the retries (requests then raises a ConnectionError)."""
    if isinstance(exc, requests.Timeout):
        return True
    reason = exc.args[0] if exc.args else None
    if not isinstance(reason, MaxRetryError):
        return False
    # urllib3 makes a refused connection a kind of timeout; it is not one
    return isinstance(reason.reason, TimeoutError) and not isinstance(
        reason.reason, NewConnectionError
    )
