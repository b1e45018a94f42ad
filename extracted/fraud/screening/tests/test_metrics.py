"""/metrics counts the assessments by decision: a new one once, a replay never."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from extracted.fraud.screening.tests.helpers import body, post

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]


def assessed(decision: str) -> float:
    text = Client().get("/metrics").content.decode()
    [line] = [
        line
        for line in text.splitlines()
        if line.startswith(f'fraud_assessments_total{{decision="{decision}"}} ')
    ]
    return float(line.rsplit(" ", 1)[1])


def test_both_decisions_are_exported_from_the_start() -> None:
    assert assessed("approve") >= 0
    assert assessed("decline") >= 0


def test_a_new_assessment_counts_once_and_its_replay_not_at_all(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = APIClient()
    before = assessed("approve"), assessed("decline")

    with django_capture_on_commit_callbacks(execute=True):
        post(client, body())
        post(client, body())  # a replay
        post(client, body(amount="9000.00"), key="order-41-attempt-2")

    assert (assessed("approve"), assessed("decline")) == (before[0] + 1, before[1] + 1)
