from __future__ import annotations

import json
from typing import Any

import pytest

from strangler.events import Event, InvalidEvent
from strangler.events.schemas import PUBLISHED, SchemaRegistry, published
from strangler.events.tests.factories import order_paid


def test_an_event_survives_its_json_form() -> None:
    event = order_paid()

    again = Event.from_json(event.to_json())

    assert again == event
    assert json.loads(event.to_json())["occurred_at"].endswith("Z")


def test_a_valid_event_passes_its_schema() -> None:
    event = order_paid()

    assert published.validate(event) is event
    assert published.validate(event.to_dict()) == event


def test_every_published_schema_is_valid_and_named_type_and_version() -> None:
    assert ("order.paid", 1) in published.known()
    assert {t for t, _ in published.known()} >= {"order.created", "order.paid", "order.cancelled"}
    for path in PUBLISHED.glob("*.json"):
        assert json.loads(path.read_text())["$id"] == path.name.removesuffix(".json")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"total": 31.5}, 'order.paid v1 data total: 31.5 is not of type "string"'),
        ({"lines": []}, "order.paid v1 data lines: [] has less than 1 item"),
        ({"paid_at": "yesterday"}, 'order.paid v1 data paid_at: "yesterday" is not a "date-time"'),
        ({"extra": 1}, "Additional properties are not allowed ('extra' was unexpected)"),
    ],
)
def test_an_event_that_breaks_its_schema_is_rejected_with_the_field(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidEvent) as info:
        published.validate(order_paid(**data))

    assert message in str(info.value)


def test_a_missing_field_is_named() -> None:
    raw = order_paid().to_dict()
    del raw["data"]["customer_email"]

    with pytest.raises(InvalidEvent, match='"customer_email" is a required property'):
        published.validate(raw)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", "not-a-uuid", 'envelope id: "not-a-uuid" is not a "uuid"'),
        ("type", "OrderPaid", "envelope type"),
        ("version", "1", 'envelope version: "1" is not of type "integer"'),
        ("traceparent", "garbage", "envelope traceparent"),
    ],
)
def test_a_broken_envelope_is_rejected(field: str, value: object, message: str) -> None:
    raw = order_paid().to_dict()
    raw[field] = value

    with pytest.raises(InvalidEvent, match=message):
        published.validate(raw)


def test_an_unknown_type_or_version_has_no_schema() -> None:
    raw = order_paid().to_dict()
    raw["version"] = 9

    with pytest.raises(InvalidEvent, match=r"no schema for order\.paid v9"):
        published.validate(raw)


@pytest.mark.parametrize("raw", ["[]", '{"id": "x"}', "not json", '{"occurred_at": "x"}'])
def test_what_is_not_an_envelope_is_an_invalid_event_not_a_crash(raw: str) -> None:
    with pytest.raises(InvalidEvent):
        Event.from_json(raw)


def test_a_registry_refuses_a_badly_named_schema_file(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "order-paid.json").write_text("{}")

    with pytest.raises(ValueError, match=r"named <type>\.v<version>\.json"):
        SchemaRegistry(folder).known()


def test_a_registry_refuses_a_file_that_is_not_a_json_schema(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "order.paid.v1.json").write_text('{"type": "nope"}')

    with pytest.raises(ValueError, match=r"order\.paid\.v1\.json: not a valid JSON Schema"):
        SchemaRegistry(folder).known()
