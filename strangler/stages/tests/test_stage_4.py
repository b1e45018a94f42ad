"""Stage 4 in the manifest: the fraud service added, payments switched to its HTTP adapter."""

from __future__ import annotations

from strangler.stages.manifest import DEFAULT_PORTS, STAGES, get_stage


def test_stage_4_adds_the_fraud_service_and_switches_payments_to_it() -> None:
    stage = get_stage(4)
    before = STAGES[STAGES.index(stage) - 1]
    assert stage.tag == "stage-4-payments"
    assert {p.name for p in stage.processes} - {p.name for p in before.processes} == {"fraud"}
    assert all(p in stage.processes for p in before.processes), "stage 4 changed a process"
    assert stage.routes == before.routes, "the gateway routes nothing to fraud"
    assert stage.process("fraud").upstream == ""
    assert DEFAULT_PORTS["fraud"] == 8007
    changed = {
        name: value
        for name, value in stage.settings_env.items()
        if before.settings_env.get(name) != value
    }
    assert changed == {
        "PAYMENTS_FRAUD_ADAPTER": "monolith.payments.http_fraud.HttpFraud",
        "FRAUD_SERVICE_URL": "http://127.0.0.1:{port:fraud}",
        "FRAUD_TIMEOUT": "2.0",
    }
    assert stage.subscriptions == before.subscriptions, "fraud hears no event"


def test_the_stages_before_4_assess_fraud_in_process() -> None:
    for stage in STAGES:
        if stage.number < 4:
            assert stage.settings_env["PAYMENTS_FRAUD_ADAPTER"].endswith("InProcessFraud")
