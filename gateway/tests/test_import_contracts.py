"""The gateway reaches the services over the wire only: import-linter refuses a shortcut,
in its code and in its tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.testing import copy_code, lint_imports


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    return copy_code(REPO_ROOT, tmp_path)


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
    (tests / "test_shortcut.py").write_text("from monolith.inventory import grpc  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "gateway.tests.test_shortcut -> monolith.inventory.grpc" in result.stdout
