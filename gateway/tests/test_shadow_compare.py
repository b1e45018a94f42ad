"""Shadow comparison through a running gateway: the test upstream echoes each request with its
own name (``instance``), so a primary and a candidate differ in exactly that field."""

from __future__ import annotations

import logging

import pytest

from gateway.sinks import Answer, MismatchLog
from gateway.tests.harness import Gateway, Harness, Upstream, table
from strangler.migrate.report import shadow_figures
from strangler.testing import eventually


def _shadowed(harness: Harness, shadow: object) -> tuple[Gateway, Upstream]:
    primary, candidate = harness.upstream("primary"), harness.upstream("candidate")
    gateway = harness.gateway(
        table(
            [{"name": "stock", "prefix": "/stock", "upstream": "primary", "shadow": shadow}],
            {
                "primary": {"instances": ["127.0.0.1:{primary}"]},
                "candidate": {"instances": ["127.0.0.1:{candidate}"]},
            },
            defaults={"auth": "none"},
        ),
        {"primary": primary.port, "candidate": candidate.port},
    )
    return gateway, candidate


def _counted(gateway: Gateway, result: str | None = None) -> int:
    """Comparisons on the route with this result (any result when None)."""
    for figures in shadow_figures(gateway.get("/metrics").body.decode()):
        if figures.route == "stock":
            return sum(n for r, n in figures.counts.items() if result in (None, r))
    return 0


def test_a_mismatch_is_counted_and_logged_and_the_client_gets_the_primarys_body(
    harness: Harness,
) -> None:
    gateway, _ = _shadowed(harness, "candidate")

    reply = gateway.get("/stock/7")

    assert reply.status == 200 and reply.json()["instance"] == "primary"
    eventually(lambda: _counted(gateway, "mismatch") == 1, "the mismatch counted")
    assert _counted(gateway, "match") == 0
    log = gateway.log_text()
    assert "shadow mismatch route=stock target=/stock/7 primary=200" in log
    assert '"instance": "primary"' in log and '"instance": "candidate"' in log


def test_ignored_fields_do_not_count_as_a_mismatch(harness: Harness) -> None:
    gateway, _ = _shadowed(harness, {"upstream": "candidate", "ignore": ["instance"]})

    assert gateway.get("/stock/7").json()["instance"] == "primary"
    gateway.call("HEAD", "/stock/7")

    eventually(lambda: _counted(gateway, "match") == 2, "both safe requests compared")
    assert _counted(gateway, "mismatch") == 0
    assert "shadow mismatch" not in gateway.log_text()


def test_an_unsafe_request_is_copied_but_never_compared(harness: Harness) -> None:
    gateway, candidate = _shadowed(harness, "candidate")

    assert gateway.call("POST", "/stock/7", body=b"{}").json()["instance"] == "primary"
    gateway.get("/stock/8")

    both = ["/stock/7", "/stock/8"]
    eventually(lambda: sorted(candidate.paths()) == both, "both copies at the candidate")
    eventually(lambda: _counted(gateway, "mismatch") == 1, "the GET compared")
    assert _counted(gateway) == 1  # the POST's copy was never compared
    assert "target=/stock/7" not in gateway.log_text()


def test_mismatches_above_the_burst_are_counted_not_logged_until_the_next_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = MismatchLog(burst=2, window=60.0)
    primary, candidate = Answer(200, b'{"on_hand": 5}'), Answer(200, b'{"on_hand": 4}')

    with caplog.at_level(logging.WARNING, logger="gateway.shadow"):
        for second in range(5):
            log.mismatch(float(second), "stock", f"/stock/{second}", primary, candidate)
        log.mismatch(61.0, "stock", "/stock/61", primary, candidate)

    lines = [record.getMessage() for record in caplog.records]
    assert [line.split()[3] for line in lines] == [
        "target=/stock/0", "target=/stock/1", "target=/stock/61"
    ]  # fmt: skip
    assert lines[0].endswith('primary=200 {"on_hand": 5} candidate=200 {"on_hand": 4}')
    assert lines[2].endswith("(3 earlier mismatches not logged)")
