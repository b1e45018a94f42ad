"""bench.migration: the latest stage's route table as it serves it (every limit out of reach),
and what it says on a checkout that cannot run stage 0."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench import migration
from bench.migration import unlimited_table
from strangler.stages.manifest import Stage, latest_stage


def test_the_latest_table_keeps_its_routes_and_limits_but_none_can_say_no(
    tmp_path: Path,
) -> None:
    routes = latest_stage().routes
    assert routes, "the latest stage has a gateway"
    original = yaml.safe_load(Path(routes).read_text())

    served = yaml.safe_load(unlimited_table(Path(routes), tmp_path / "routes.yaml").read_text())

    assert served["routes"] == original["routes"]
    assert served["upstreams"] == original["upstreams"]
    assert set(served["rate_limits"]) == set(original["rate_limits"])
    assert original["rate_limits"] != served["rate_limits"]
    for limit in served["rate_limits"].values():
        assert limit == {"rate": "1000000/s", "burst": 1000000}


def test_a_checkout_without_stage_0s_code_says_so_and_starts_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a tag after a retirement (stage 4's has no monolith inventory) the comparison with
    stage 0 cannot run: the bench says why and goes on to the next one (exit 0)."""

    def missing(stage: Stage) -> list[str]:
        return ["monolith/inventory/ (retired by stage 4)"] if stage.number == 0 else []

    def no_shop(*args: object) -> None:
        raise AssertionError("the bench started a shop it cannot compare")

    monkeypatch.setattr(migration, "missing_paths", missing)
    monkeypatch.setattr(migration, "Stages", no_shop)
    monkeypatch.setattr(migration, "pin_load_here", lambda: None)

    assert migration.main([]) == 0
    said = capsys.readouterr()
    assert "stage 0 cannot run on this checkout (monolith/inventory/ (retired by stage 4))" in (
        said.out + said.err
    )
