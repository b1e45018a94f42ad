"""An extracted service and the monolith never import each other (stage 2 on): they meet
over HTTP and the broker only."""

from __future__ import annotations

from pathlib import Path

from strangler.testing import lint_imports


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
