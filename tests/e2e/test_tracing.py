"""One checkout is one trace: every hop continues the client's W3C trace, with the right
parent/child links, down to each consumer of its events (real processes, at every stage)."""

from __future__ import annotations

import json
from pathlib import Path

from strangler.stages.journey import Journey
from strangler.telemetry.traces import Span, by_trace, read_spans
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage


def _consumers(stage: StartedStage) -> set[str]:
    """The services whose workers consume the order events at this stage."""
    return {s.consumer for s in stage.stage.subscriptions if s.event_type == "order.paid"}


GATEWAY_CHECKOUT = "POST checkout"  # the gateway's span: method and route name
SEND_TASK = "notifications.send_notification"
# stages 0-1: a checkout's e-mails, each its own task ("order received", then "confirmed")
IN_PROCESS_MAILS = 2


def _gateway(stage: StartedStage) -> bool:
    return any(spec.service == "gateway" for spec in stage.stage.processes)


def _expected(stage: StartedStage) -> set[str]:
    consumers = _consumers(stage)
    edge = {GATEWAY_CHECKOUT} if _gateway(stage) else set()
    if not consumers:  # stages 0-1: the monolith's own Celery task sends the e-mail
        return {
            *edge,
            "POST api/v1/checkout",
            f"apply_async/{SEND_TASK}",
            f"run/{SEND_TASK}",
        }
    return {
        *edge,
        "POST api/v1/checkout",
        "order.paid publish",
        "order.paid send",
        *(f"{consumer} process order.paid" for consumer in consumers),
    }


def test_a_checkout_is_one_trace_from_the_client_to_each_consumer(stage: StartedStage) -> None:
    facts = Journey(stage.base_url).run().facts
    trace_id, client_span = facts["checkout_trace_id"], facts["checkout_client_span_id"]
    folder = Path(stage.env["STRANGLER_VAR_DIR"]) / "traces"
    expected = _expected(stage)
    found: dict[str, Span] = {}

    def complete() -> bool:
        spans = by_trace(read_spans(folder)).get(trace_id, [])
        found.clear()
        found.update({span.name: span for span in spans})
        runs = sum(span.name == f"run/{SEND_TASK}" for span in spans)
        return expected <= set(found) and (bool(_consumers(stage)) or runs == IN_PROCESS_MAILS)

    eventually(
        complete,
        f"stage {stage.stage.number}: spans {sorted(expected)} in trace {trace_id}",
        deadline=60,
    )
    checkout = found["POST api/v1/checkout"]
    assert (checkout.service, checkout.kind) == ("monolith", "SERVER")
    if _gateway(stage):  # the edge: the gateway's span, child of the client's
        edge = found[GATEWAY_CHECKOUT]
        assert (edge.service, edge.kind, edge.status) == ("gateway", "SERVER", "UNSET")
        assert edge.parent_span_id == client_span
        assert checkout.parent_span_id == edge.span_id
        assert edge.start <= checkout.start and checkout.end <= edge.end
    else:
        edge = checkout
        assert checkout.parent_span_id == client_span

    # A statement's line is written as it runs, its parent's span when the parent ends: a
    # consumer still at work on another of the checkout's events has children in the file
    # before it. Every parent is written within moments; one that never is, is the failure.
    spans: list[Span] = []
    orphans: list[str] = []

    def every_parent_written() -> bool:
        spans[:] = by_trace(read_spans(folder))[trace_id]
        ids = {span.span_id for span in spans}
        orphans[:] = [s.name for s in spans if s != edge and s.parent_span_id not in ids]
        return not orphans

    eventually(
        every_parent_written,
        lambda: f"every span's parent in trace {trace_id}; still without one: {orphans}",
        deadline=15,
    )

    def ancestors(span: Span) -> list[str]:
        by_id = {s.span_id: s for s in spans}
        chain = []
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            chain.append(span.name)
        return chain

    if _consumers(stage):
        publish, send = found["order.paid publish"], found["order.paid send"]
        assert "POST api/v1/checkout" in ancestors(publish)  # written by the request
        assert send.parent_span_id == publish.span_id  # the relay continues the envelope
        for consumer in _consumers(stage):
            process = found[f"{consumer} process order.paid"]
            assert (process.service, process.kind) == (consumer, "CONSUMER")
            assert process.parent_span_id == send.span_id  # from the message's header
            assert process.status != "ERROR"
    else:
        enqueued = {s.span_id for s in spans if s.name == f"apply_async/{SEND_TASK}"}
        runs = [s for s in spans if s.name == f"run/{SEND_TASK}"]
        assert len(runs) == len(enqueued) == IN_PROCESS_MAILS
        for run in runs:
            assert run.parent_span_id in enqueued
            assert "POST api/v1/checkout" in ancestors(run)


def _services_logging(stage: StartedStage, trace_id: str) -> set[str]:
    """The services with a JSON log line that carries ``trace_id`` (one log file a process)."""
    service_of = {spec.name: spec.service for spec in stage.stage.processes}
    found = set()
    for path in stage.running.group.log_dir.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if trace_id in line and line.startswith("{"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("trace_id") == trace_id:
                    found.add(service_of.get(path.stem, path.stem))
                    break
    return found


def test_the_log_lines_of_a_checkout_in_every_service_carry_its_trace_id(
    stage: StartedStage,
) -> None:
    trace_id = Journey(stage.base_url).run().facts["checkout_trace_id"]
    expected = {"monolith", *_consumers(stage)}
    if any(spec.service == "gateway" for spec in stage.stage.processes):
        expected.add("gateway")  # its access log
    logging: set[str] = set()

    def every_service_logged() -> bool:
        logging.clear()
        logging.update(_services_logging(stage, trace_id))
        return expected <= logging

    eventually(
        every_service_logged,
        f"stage {stage.stage.number}: log lines with trace {trace_id} from {sorted(expected)}",
        deadline=60,
    )
