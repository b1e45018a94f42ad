"""The latest stage's route table as bench.migration serves it: every limit out of reach."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.migration import unlimited_table
from strangler.stages.manifest import latest_stage


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
