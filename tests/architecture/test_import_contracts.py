"""The bounded-context boundaries are enforced by import-linter, and the check can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.testing import copy_code, lint_imports


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    return copy_code(REPO_ROOT, tmp_path)


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_importing_another_contexts_models_breaks_the_contract(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "monolith" / "orders" / "sneaky_stock.py"
    violation.write_text("from monolith.inventory.models import StockItem  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "monolith.orders is not allowed to import monolith.inventory" in result.stdout
    assert "monolith.orders.sneaky_stock -> monolith.inventory.models" in result.stdout


def test_importing_another_contexts_services_breaks_the_contract(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "monolith" / "payments" / "shortcut.py"
    violation.write_text("from monolith.customers import services  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "monolith.payments is not allowed to import monolith.customers" in result.stdout


# >>> stage 1
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


# <<< stage 1


# >>> stage 2
def test_an_extracted_service_may_not_import_the_monolith(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "extracted" / "notifications" / "mail" / "shortcut.py"
    violation.write_text("from monolith.customers import interface  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "extracted.notifications.mail.shortcut -> monolith.customers.interface" in result.stdout


def test_the_monolith_may_not_import_an_extracted_service(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "monolith" / "orders" / "shortcut.py"
    violation.write_text("import extracted.notifications.mail.services  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "monolith.orders.shortcut -> extracted.notifications.mail.services" in result.stdout


# <<< stage 2


def test_the_library_may_not_import_a_service(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "strangler" / "leak.py"
    violation.write_text("import monolith.orders.interface  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "strangler.leak -> monolith.orders.interface" in result.stdout
