"""The ``@idempotent`` decorator for DRF view methods."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from strangler.errors import Conflict, DomainError, Unprocessable, domain_error_response
from strangler.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Visible ASCII, spaces inside only (a UUID fits): what the header's schema says, exactly.
KEY_PATTERN = rf"^[!-~](?:[ -~]{{0,{MAX_KEY_LENGTH - 2}}}[!-~])?$"
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat the request with the same key and body to get the first answer "
    "back (header Idempotent-Replayed: true) instead of doing it twice.",
)
CLAIM_ROUNDS = 3
# A claim older than this whose request never finished (the process died) may be taken over.
STALE_CLAIM = timedelta(seconds=60)

View = Callable[..., Response]


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"
    http_status = 400


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Claim the key for this request; return the earlier record if there is one."""
    # The request holding the key may release it (a 400) between our insert and our read:
    # then the key is free and claimed again. A few rounds, so a storm of them cannot loop.
    for _ in range(CLAIM_ROUNDS):
        try:
            # Alone (autocommit, as a request runs) the insert is its own transaction; inside a
            # caller's block it takes a savepoint, so a taken key does not abort the block.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fingerprint)
            return None
        except IntegrityError:
            pass
        held, earlier = _earlier_claim(scope, key, fingerprint)
        if held:
            return earlier
    raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")


def _earlier_claim(scope: str, key: str, fingerprint: str) -> tuple[bool, IdempotencyRecord | None]:
    """(False, None) if the key was released meanwhile; else (True, the earlier record, or
    None when its claim was stale and is now ours)."""
    with transaction.atomic():
        record = IdempotencyRecord.objects.select_for_update().filter(scope=scope, key=key).first()
        if record is None:
            return False, None
        stale = timezone.now() - record.created_at > STALE_CLAIM
        if record.state == IdempotencyRecord.State.IN_PROGRESS and stale:
            record.fingerprint = fingerprint
            record.created_at = timezone.now()
            record.save(update_fields=["fingerprint", "created_at"])
            return True, None
        return True, record


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used with a different request body.",
            idempotency_key=record.key,
        )
    if record.state == IdempotencyRecord.State.IN_PROGRESS:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            idempotency_key=record.key,
        )
    assert record.status_code is not None
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(scope: str) -> Callable[[View], View]:
    """Make a DRF view method honour ``Idempotency-Key`` per authenticated caller.

    Successful responses and business refusals (``DomainError``, e.g. a declined payment) are
    stored and replayed. Invalid requests (400, or a ``DomainError`` that ``writes_nothing``)
    and crashes release the key, since nothing was done and the caller may fix the request and
    try again with the same key.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = request.headers.get(HEADER)
            if key is None:
                return view(self, request, *args, **kwargs)
            key = key.strip()
            if not re.fullmatch(KEY_PATTERN, key):
                raise InvalidIdempotencyKey(
                    f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
                )
            owner = getattr(request.user, "customer_id", None) or "anonymous"
            full_scope = f"{scope}:{owner}"
            fingerprint = _fingerprint(request)
            earlier = _claim(full_scope, key, fingerprint)
            if earlier is not None:
                return _replay(earlier, fingerprint)
            try:
                response = view(self, request, *args, **kwargs)
            except DomainError as exc:
                if exc.http_status == 400 or exc.writes_nothing:
                    _release(full_scope, key)
                    raise
                response = domain_error_response(exc)
            except BaseException:
                _release(full_scope, key)
                raise
            if response.status_code >= 500 or response.status_code == 400:
                _release(full_scope, key)
                return response
            IdempotencyRecord.objects.filter(scope=full_scope, key=key).update(
                state=IdempotencyRecord.State.COMPLETED,
                status_code=response.status_code,
                response_body=response.data,
                completed_at=timezone.now(),
            )
            return response

        return wrapper

    return decorator


def _release(scope: str, key: str) -> None:
    IdempotencyRecord.objects.filter(
        scope=scope, key=key, state=IdempotencyRecord.State.IN_PROGRESS
    ).delete()
