"""``buf breaking``: the ``.proto`` files against the baseline they last published."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from strangler.contracts.proto.breaking import BASELINE, breaking_changes, write_baseline
from strangler.contracts.proto.generate import PROTO_DIR, proto_files

AVAILABLE = "  int64 available = 4;  // on_hand - reserved\n"


class BaselineNeedsAccepting(UserWarning):
    """The ``.proto`` files changed in a way that breaks nobody; the baseline is stale."""


@pytest.fixture
def protos(tmp_path: Path) -> Path:
    """A copy of the ``.proto`` files and buf's configuration, to change."""
    folder = tmp_path / "proto"
    folder.mkdir()
    for source in [*proto_files(), PROTO_DIR / "buf.yaml"]:
        shutil.copy(source, folder / source.name)
    return folder


def edit_inventory(protos: Path, old: str, new: str) -> None:
    inventory = protos / "inventory.proto"
    text = inventory.read_text()
    assert old in text
    inventory.write_text(text.replace(old, new))


def test_the_proto_files_break_nothing_the_baseline_published(tmp_path: Path) -> None:
    assert breaking_changes() == []

    write_baseline(out=tmp_path / "now.json")
    if json.loads((tmp_path / "now.json").read_text()) != json.loads(BASELINE.read_text()):
        warnings.warn(
            BaselineNeedsAccepting(
                f"{BASELINE.name} is stale after an additive change: run "
                "`python -m strangler.contracts.proto.breaking --accept`, review, commit"
            ),
            stacklevel=1,
        )


def test_a_changed_field_type_breaks(protos: Path) -> None:
    edit_inventory(protos, AVAILABLE, "  string available = 4;\n")

    assert breaking_changes(protos) == [
        'inventory.proto:25:3:Field "4" with name "available" on message "Availability" '
        'changed type from "int64" to "string".'
    ]


def test_a_removed_field_breaks(protos: Path) -> None:
    edit_inventory(protos, AVAILABLE, "")

    assert breaking_changes(protos) == [
        'inventory.proto:21:1:Previously present field "4" with name "available" on message '
        '"Availability" was deleted.'
    ]


def test_a_field_number_reused_by_another_field_breaks(protos: Path) -> None:
    edit_inventory(protos, AVAILABLE, "  int64 free = 4;\n")

    found = breaking_changes(protos)

    assert 'Field "4" on message "Availability" changed name from "available" to "free".' in [
        line.split(":", 3)[3] for line in found
    ]


def test_a_removed_method_breaks(protos: Path) -> None:
    edit_inventory(
        protos, "  rpc GetAvailability(GetAvailabilityRequest) returns (Availability);\n", ""
    )

    assert breaking_changes(protos) == [
        'inventory.proto:13:1:Previously present RPC "GetAvailability" on service '
        '"InventoryService" was deleted.'
    ]


def test_a_new_field_breaks_nothing(protos: Path) -> None:
    edit_inventory(protos, AVAILABLE, AVAILABLE + "  string warehouse = 5;\n")

    assert breaking_changes(protos) == []
