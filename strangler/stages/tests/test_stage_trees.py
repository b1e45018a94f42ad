"""Each stage's tree runs on its own: no file in it imports, at module level, a module that a
later stage introduces or that the stage (or an earlier one) retired.

Module-level imports only: an import inside a function runs when that code runs (the monolith's
settings import the service skeleton, whose queues arrive at stage 2 with the first service),
and ``if TYPE_CHECKING:`` blocks never run. The tags' own suites catch the rest.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES, Stage
from strangler.stages.tags import introduced_by

PACKAGES = ("monolith", "strangler", "gateway", "extracted", "tests", "bench")


def python_files(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix()
        for package in PACKAGES
        if (root / package).is_dir()
        for path in (root / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def module_imports(source: str) -> Iterator[str]:
    """Dotted names imported at module level (``from a import b`` gives ``a`` and ``a.b``)."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def module_file(name: str, files: set[str]) -> str | None:
    base = name.replace(".", "/")
    return next((f for f in (f"{base}.py", f"{base}/__init__.py") if f in files), None)


def out_of_tree(stage: Stage, stages: Sequence[Stage]) -> list[str]:
    return [
        *(p for s in stages if s.number > stage.number for p in s.introduces),
        *(p for s in stages if s.number <= stage.number for p in s.retires),
    ]


def reaching_out(stage: Stage, stages: Sequence[Stage], files: list[str], root: Path) -> list[str]:
    """``file -> module`` for every module-level import of a file of ``stage``'s tree that
    is not in that tree."""
    absent = out_of_tree(stage, stages)
    everything = set(files)
    tree = [f for f in files if not introduced_by(f, absent)]
    found = []
    for path in tree:
        for name in module_imports((root / path).read_text()):
            target = module_file(name, everything)
            if target is not None and introduced_by(target, absent):
                found.append(f"{path} -> {name}")
    return found


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.tag)
def test_no_file_of_a_stage_imports_a_module_its_tree_lacks(stage: Stage) -> None:
    assert reaching_out(stage, STAGES, python_files(REPO_ROOT), REPO_ROOT) == []


def test_an_import_of_a_later_or_retired_module_is_found(tmp_path: Path) -> None:
    (tmp_path / "monolith" / "orders" / "outbox").mkdir(parents=True)
    (tmp_path / "monolith" / "orders" / "outbox" / "__init__.py").write_text("")
    (tmp_path / "monolith" / "orders" / "outbox" / "models.py").write_text("")
    (tmp_path / "monolith" / "orders" / "models.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from monolith.orders.outbox.models import OutboxMessage\n"
        "if TYPE_CHECKING:\n    from monolith.orders.outbox import models\n"
        "def later() -> None:\n    from monolith.orders.outbox import models\n"
    )
    zero = STAGES[0]
    one = zero.extend(number=1, tag="stage-1-t", title="t", introduces=("monolith/orders/outbox/",))
    two = one.extend(number=2, tag="stage-2-t", title="t", retires=("monolith/orders/outbox/",))
    files = python_files(tmp_path)

    expected = ["monolith/orders/models.py -> monolith.orders.outbox.models"]
    assert reaching_out(zero, [zero, one], files, tmp_path) == expected
    assert reaching_out(one, [zero, one], files, tmp_path) == []
    assert reaching_out(two, [zero, one, two], files, tmp_path) == expected
