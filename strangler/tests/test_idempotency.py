"""``@idempotent``: a repeat replays, a changed body is refused, a failure frees the key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from strangler.auth.drf import Principal
from strangler.errors import Conflict
from strangler.idempotency.decorators import idempotent
from strangler.idempotency.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


class ChargeView(APIView):
    permission_classes = [AllowAny]
    calls: list[dict[str, Any]] = []

    class Input(serializers.Serializer):
        amount = serializers.IntegerField(min_value=1)

    @idempotent(scope="test.charge")
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["amount"] == 13:
            raise Conflict("Unlucky amount.", amount=13)
        if data.validated_data["amount"] == 500:
            raise RuntimeError("crash")
        self.calls.append(dict(data.validated_data))
        return Response({"charge": len(self.calls), **data.validated_data}, status=201)


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    ChargeView.calls = []


def post(body: dict[str, Any], key: str | None = "k-1", customer_id: int = 1) -> Response:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    request = APIRequestFactory().post("/charge", body, format="json", **headers)
    principal = Principal(customer_id=customer_id, email="c@example.com")
    force_authenticate(request, user=principal)  # type: ignore[arg-type]
    response: Response = ChargeView.as_view()(request)
    return response


def test_without_a_key_every_request_runs() -> None:
    post({"amount": 5}, key=None)
    post({"amount": 5}, key=None)
    assert len(ChargeView.calls) == 2


def test_repeat_with_same_key_and_body_replays_the_first_response() -> None:
    first = post({"amount": 5})
    second = post({"amount": 5})
    assert first.status_code == second.status_code == 201
    assert second.data == first.data
    assert second["Idempotent-Replayed"] == "true"
    assert len(ChargeView.calls) == 1


def test_same_key_with_another_body_is_422_and_runs_nothing() -> None:
    post({"amount": 5})
    response = post({"amount": 6})
    assert response.status_code == 422
    assert response.data["error"]["code"] == "unprocessable"
    assert len(ChargeView.calls) == 1


def test_keys_are_scoped_per_customer() -> None:
    post({"amount": 5}, customer_id=1)
    response = post({"amount": 5}, customer_id=2)
    assert response.status_code == 201
    assert len(ChargeView.calls) == 2


def test_a_business_refusal_is_stored_and_replayed() -> None:
    first = post({"amount": 13})
    second = post({"amount": 13})
    assert first.status_code == second.status_code == 409
    assert second.data == first.data
    assert second["Idempotent-Replayed"] == "true"
    record = IdempotencyRecord.objects.get()
    assert record.state == IdempotencyRecord.State.COMPLETED
    assert record.status_code == 409


def test_an_invalid_request_frees_the_key_for_a_corrected_retry() -> None:
    assert post({"amount": 0}).status_code == 400
    assert IdempotencyRecord.objects.count() == 0
    assert post({"amount": 5}).status_code == 201


def test_a_crash_frees_the_key() -> None:
    with pytest.raises(RuntimeError):
        post({"amount": 500})
    assert IdempotencyRecord.objects.count() == 0


def test_a_repeat_while_the_first_is_running_is_409() -> None:
    first = post({"amount": 5}, key="busy")
    record = IdempotencyRecord.objects.get(key="busy")
    record.state = IdempotencyRecord.State.IN_PROGRESS
    record.save()
    response = post({"amount": 5}, key="busy")
    assert first.status_code == 201
    assert response.status_code == 409
    assert len(ChargeView.calls) == 1


def test_a_claim_abandoned_by_a_dead_process_is_taken_over() -> None:
    IdempotencyRecord.objects.create(scope="test.charge:1", key="stale", fingerprint="x")
    IdempotencyRecord.objects.filter(key="stale").update(
        created_at=IdempotencyRecord.objects.get(key="stale").created_at - timedelta(minutes=5)
    )
    response = post({"amount": 5}, key="stale")
    assert response.status_code == 201
    assert len(ChargeView.calls) == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 256])
def test_malformed_keys_are_400(key: str) -> None:
    response = post({"amount": 5}, key=key)
    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid_idempotency_key"
    assert ChargeView.calls == []


def test_a_key_released_between_our_insert_and_our_read_is_claimed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two requests with one key: the first fails its insert because the other holds the key,
    which is released (a 400) before the first reads it. The first then runs; no 500."""
    from django.db import IntegrityError

    create = IdempotencyRecord.objects.create
    inserts: list[int] = []

    def held_then_released(**fields: Any) -> IdempotencyRecord:
        inserts.append(1)
        if len(inserts) == 1:
            raise IntegrityError("duplicate key: the other request holds it")
        return create(**fields)

    monkeypatch.setattr(IdempotencyRecord.objects, "create", held_then_released)

    response = post({"amount": 5})

    assert response.status_code == 201
    assert len(inserts) == 2
    assert ChargeView.calls == [{"amount": 5}]
