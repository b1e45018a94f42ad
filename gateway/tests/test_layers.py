"""The gateway's import contracts (`pyproject.toml`): its layers, no cycle, and no service imported,
in its code or its tests; each can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.tests.harness import ROOT
from strangler.testing import copy_code, lint_imports


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    return copy_code(ROOT, tmp_path)


def test_the_gateway_keeps_its_layers_and_has_no_import_cycle() -> None:
    result = lint_imports(ROOT)

    assert "The gateway's layers: each imports only the layers below it" in result.stdout
    assert "KEPT" in result.stdout.split("The gateway's layers")[1].splitlines()[0]
    assert "No import cycle among the gateway's sibling modules" in result.stdout
    assert "KEPT" in result.stdout.split("No import cycle among")[1].splitlines()[0]


def test_a_transport_importing_the_pipeline_breaks_the_layers(copy_of_the_code: Path) -> None:
    sneaky = copy_of_the_code / "gateway" / "server" / "sneaky.py"
    sneaky.write_text("from gateway.pipeline import Exchange  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "gateway.server.sneaky -> gateway.pipeline" in result.stdout


def test_a_cycle_between_two_modules_of_a_layer_breaks_acyclicity(copy_of_the_code: Path) -> None:
    policy = copy_of_the_code / "gateway" / "policy"
    policy.joinpath("ping.py").write_text("import gateway.policy.pong  # noqa: F401\n")
    policy.joinpath("pong.py").write_text("import gateway.policy.ping  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "No cycles are allowed in gateway.policy." in result.stdout


def test_the_gateway_may_not_import_a_service(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "gateway" / "shortcut.py"
    violation.write_text("from monolith.orders import selectors  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "gateway.shortcut -> monolith.orders.selectors" in result.stdout


def test_the_gateways_tests_may_not_import_a_service_either(copy_of_the_code: Path) -> None:
    tests = copy_of_the_code / "gateway" / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("")
    (tests / "test_shortcut.py").write_text("from monolith.catalog import models  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "gateway.tests.test_shortcut -> monolith.catalog.models" in result.stdout
