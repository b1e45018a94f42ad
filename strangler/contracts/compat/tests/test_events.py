"""A consumer's copy of an event schema against the producer's: looser passes, stricter fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strangler.contracts import EVENT_SCHEMAS
from strangler.contracts.compat.events import incompatible_copies

PAID = "order.paid.v1.json"


@pytest.fixture
def copy() -> dict[str, Any]:
    """A consumer's copy of the order.paid schema, to change."""
    return json.loads((EVENT_SCHEMAS / PAID).read_text())


def check(tmp_path: Path, schema: dict[str, Any], name: str = PAID) -> list[str]:
    (tmp_path / name).write_text(json.dumps(schema))
    return incompatible_copies(tmp_path)


def test_an_exact_copy_is_compatible(tmp_path: Path, copy: dict[str, Any]) -> None:
    assert check(tmp_path, copy) == []


def test_a_copy_requiring_a_field_the_producer_never_sends_fails(
    tmp_path: Path, copy: dict[str, Any]
) -> None:
    copy["properties"]["coupon"] = {"type": "string"}
    copy["required"].append("coupon")

    assert check(tmp_path, copy) == [
        f"{PAID}: refuses events the producer may publish (coupon: required field added)"
    ]


def test_a_copy_requiring_a_field_the_producer_may_leave_out_fails(tmp_path: Path) -> None:
    producer = tmp_path / "producer"
    producer.mkdir()
    fields = {"order_id": {"type": "integer"}, "note": {"type": "string"}}
    published = {"type": "object", "required": ["order_id"], "properties": fields}
    (producer / PAID).write_text(json.dumps(published))
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    (consumer / PAID).write_text(json.dumps({**published, "required": ["order_id", "note"]}))

    assert incompatible_copies(consumer, producer) == [
        f"{PAID}: refuses events the producer may publish (note: now required)"
    ]


def test_a_copy_with_a_narrower_line_fails(tmp_path: Path, copy: dict[str, Any]) -> None:
    copy["$defs"]["line"]["properties"]["quantity"]["maximum"] = 10

    assert check(tmp_path, copy) == [
        f"{PAID}: refuses events the producer may publish (lines[].quantity: maximum None -> 10)"
    ]


def test_a_copy_that_reads_less_is_compatible(tmp_path: Path, copy: dict[str, Any]) -> None:
    copy["additionalProperties"] = True
    copy["required"].remove("customer_name")
    del copy["properties"]["customer_name"]

    assert check(tmp_path, copy) == []


def test_a_copy_of_an_event_no_producer_publishes_fails(
    tmp_path: Path, copy: dict[str, Any]
) -> None:
    assert check(tmp_path, copy, name="order.paid.v9.json") == [
        "order.paid.v9.json: no producer publishes this event type and version"
    ]
