"""The bounded-context boundaries are enforced by import-linter, and the check can fail."""

from __future__ import annotations

from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.testing import lint_imports


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_importing_another_contexts_models_breaks_the_contract(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "monolith" / "orders" / "sneaky_product.py"
    violation.write_text("from monolith.catalog.models import Product  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "monolith.orders is not allowed to import monolith.catalog" in result.stdout
    assert "monolith.orders.sneaky_product -> monolith.catalog.models" in result.stdout


def test_importing_another_contexts_services_breaks_the_contract(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "monolith" / "orders" / "shortcut.py"
    violation.write_text("from monolith.customers import services  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "monolith.orders is not allowed to import monolith.customers" in result.stdout


def test_the_library_may_not_import_a_service(copy_of_the_code: Path) -> None:
    violation = copy_of_the_code / "strangler" / "leak.py"
    violation.write_text("import monolith.orders.interface  # noqa: F401\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert "strangler.leak -> monolith.orders.interface" in result.stdout
