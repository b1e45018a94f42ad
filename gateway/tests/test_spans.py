"""The gateway's own span: a child of the client's, the parent of what the upstream does."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from gateway.sinks.spans import SamplerError, root_sample_ratio
from gateway.tests.harness import Gateway, Harness, table
from strangler.stages.processes import free_port
from strangler.telemetry.traces import Span, read_spans
from strangler.testing import OtlpCollector, eventually

CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c"
CLIENT_SPAN = "b7ad6b7169203331"


def _gateway(harness: Harness, env: dict[str, str] | None = None) -> Gateway:
    app = harness.upstream("app")
    return harness.gateway(
        table(
            [{"name": "api", "prefix": "/api", "upstream": "app", "auth": "none"}],
            {"app": {"instances": ["127.0.0.1:{app}"]}},
        ),
        {"app": app.port},
        env,
    )


def _forwarded(reply: Any) -> list[str]:
    """The upstream's traceparent, split into version, trace, parent span and flags."""
    value: str = dict(reply.json()["headers"])["traceparent"]
    return value.split("-")


def _gateway_spans(harness: Harness, count: int) -> list[Span]:
    spans: list[Span] = []

    def written() -> bool:
        spans[:] = [s for s in read_spans(harness.traces) if s.service == "gateway"]
        return len(spans) >= count

    eventually(written, f"{count} gateway span(s) in {harness.traces}", deadline=10)
    return spans


def test_a_traced_request_gets_a_gateway_span_under_the_clients_and_above_the_upstreams(
    harness: Harness,
) -> None:
    gateway = _gateway(harness)
    sent_after = time.time_ns()

    reply = gateway.get(
        "/api/items/7", headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"}
    )

    answered_before = time.time_ns()

    version, trace, parent, flags = _forwarded(reply)
    assert (version, trace, flags) == ("00", CLIENT_TRACE, "01")
    assert parent != CLIENT_SPAN and len(parent) == 16  # the gateway's span, not the client's
    (span,) = _gateway_spans(harness, 1)
    assert (span.trace_id, span.span_id, span.parent_span_id) == (CLIENT_TRACE, parent, CLIENT_SPAN)
    assert (span.name, span.kind, span.status) == ("GET api", "SERVER", "UNSET")
    # Timed on the host's clock, inside the window the client saw: no duration threshold.
    assert sent_after <= span.start < span.end
    assert span.start <= answered_before
    record = json.loads((harness.traces / "gateway.jsonl").read_text().splitlines()[0])
    assert record["attributes"]["url.path"] == "/api/items/7"
    assert record["attributes"]["http.response.status_code"] == 200


def test_an_untraced_request_starts_a_trace_at_the_gateway(harness: Harness) -> None:
    gateway = _gateway(harness)

    reply = gateway.get("/api/items")

    _, trace, parent, flags = _forwarded(reply)
    (span,) = _gateway_spans(harness, 1)
    assert (span.trace_id, span.span_id, span.parent_span_id) == (trace, parent, "")
    assert flags == "01"


def test_an_upstream_failure_is_an_error_span_and_an_unsampled_trace_records_none(
    harness: Harness,
) -> None:
    app = harness.upstream("app")
    gateway = harness.gateway(
        table(
            [
                {"name": "api", "prefix": "/api", "upstream": "app", "auth": "none"},
                {"name": "gone", "prefix": "/gone", "upstream": "gone", "auth": "none"},
            ],
            {
                "app": {"instances": ["127.0.0.1:{app}"]},
                "gone": {"instances": [f"127.0.0.1:{free_port()}"]},  # nothing listens
            },
        ),
        {"app": app.port},
    )

    unsampled = gateway.get(
        "/api/items", headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-00"}
    )
    failed = gateway.get("/gone/x")
    missing = gateway.get("/nowhere")  # no route: the client's mistake, not an error

    assert _forwarded(unsampled)[3] == "00"  # passed on unsampled
    assert (failed.status, missing.status) == (502, 404)
    spans = sorted(_gateway_spans(harness, 2), key=lambda s: s.start)
    assert [(s.name, s.status) for s in spans] == [("GET gone", "ERROR"), ("GET -", "UNSET")]
    assert all(s.trace_id != CLIENT_TRACE for s in spans)


def test_no_span_is_written_when_tracing_is_switched_off(harness: Harness) -> None:
    gateway = _gateway(harness, {"OTEL_SDK_DISABLED": "true"})

    gateway.get("/api/items")
    gateway.get("/api/items")
    eventually(
        lambda: len(gateway.access_log.read_text().splitlines()) >= 2, "two access-log lines"
    )

    assert not (harness.traces / "gateway.jsonl").exists()


def test_a_sampler_set_for_the_services_holds_for_the_traces_the_gateway_starts(
    harness: Harness,
) -> None:
    gateway = _gateway(harness, {"OTEL_TRACES_SAMPLER": "parentbased_always_off"})

    started_here = gateway.get("/api/items")
    callers = gateway.get(
        "/api/items", headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"}
    )

    assert _forwarded(started_here)[3] == "00"  # unsampled: the services record nothing
    assert _forwarded(callers)[3] == "01"  # the caller's decision is kept
    (span,) = _gateway_spans(harness, 1)
    assert span.trace_id == CLIENT_TRACE


@pytest.mark.parametrize(
    ("environ", "ratio"),
    [
        ({}, 1.0),
        ({"OTEL_TRACES_SAMPLER": "always_off"}, 0.0),
        (
            {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"},
            0.25,
        ),
        ({"OTEL_TRACES_SAMPLER": "TraceIdRatio"}, 1.0),
    ],
)
def test_the_sampler_variables_give_the_share_of_new_traces(
    environ: dict[str, str], ratio: float
) -> None:
    assert root_sample_ratio(environ) == ratio


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"OTEL_TRACES_SAMPLER": "jaeger_remote"}, "is not one of"),
        ({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"}, "ratio"),
        ({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "half"}, "ratio"),
    ],
)
def test_a_bad_sampler_is_a_clear_error(environ: dict[str, str], says: str) -> None:
    with pytest.raises(SamplerError, match=says):
        root_sample_ratio(environ)


def test_with_an_otlp_endpoint_the_spans_go_to_the_collector(harness: Harness) -> None:
    collector = OtlpCollector()
    try:
        gateway = _gateway(
            harness,
            {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"},
        )

        gateway.get("/api/items", headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"})

        eventually(lambda: bool(collector.spans), "a span at the OTLP collector", deadline=15)
        assert collector.spans == [("gateway", "GET api", CLIENT_TRACE, CLIENT_SPAN)]
        assert not (harness.traces / "gateway.jsonl").exists()
    finally:
        collector.close()
