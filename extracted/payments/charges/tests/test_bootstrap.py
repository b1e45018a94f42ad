"""The service's composition root: the settings' adapters behind its ports, and a system check
that names a setting whose adapter cannot stand behind its port."""

from __future__ import annotations

import runpy

import pytest
from django.conf import settings
from django.test import override_settings

from extracted.payments.charges.bootstrap import check_adapters
from extracted.payments.charges.wiring import PORTS
from strangler.composition import resolve
from strangler.config import REPO_ROOT


def test_every_default_setting_names_an_adapter_the_check_accepts() -> None:
    assert check_adapters() == []
    assert {port.setting: resolve(port, settings).__name__ for port in PORTS} == {  # type: ignore[union-attr]
        "PAYMENTS_ORDER_BOOK": "HttpOrderBook",
        "PAYMENTS_EVENTS_ADAPTER": "OutboxEvents",
        "PAYMENTS_CARD_PROCESSOR": "FakeCardProcessor",
        "PAYMENTS_FRAUD_ADAPTER": "HttpFraud",
    }


def test_the_monolith_s_adapter_variables_in_the_environment_do_not_reach_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stage gives its settings to every process, the monolith's PAYMENTS_*_ADAPTER too."""
    monkeypatch.setenv("PAYMENTS_FRAUD_ADAPTER", "monolith.payments.adapters.InProcessFraud")
    monkeypatch.setenv("PAYMENTS_EVENTS_ADAPTER", "monolith.payments.outbox.adapters.OutboxEvents")
    fresh = runpy.run_path(str(REPO_ROOT / "extracted" / "payments" / "service" / "settings.py"))
    assert [fresh[port.setting] for port in PORTS] == [getattr(settings, p.setting) for p in PORTS]


@pytest.mark.parametrize(
    "path",
    [
        "extracted.payments.charges.http_fraud.NoSuchAdapter",
        "monolith.payments.http_fraud.HttpFraud",  # moved into this service at stage 4
        "extracted.payments.charges.processor.FakeCardProcessor",  # no assess
    ],
)
def test_a_broken_fraud_setting_fails_the_check_naming_it(path: str) -> None:
    with override_settings(PAYMENTS_FRAUD_ADAPTER=path):
        [error] = check_adapters()

    assert (error.id, error.obj) == ("payments.E001", "PAYMENTS_FRAUD_ADAPTER")
