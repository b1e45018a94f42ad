"""Every e2e module runs a stage this checkout can run.

On a stage's tag the stages before it whose code a later stage retired cannot run (stage 4's
tag has no monolith inventory for stages 0 to 3). An e2e module that pins such a stage would
fail for a user who runs ``make test`` on the tag. A module names a stage by number
(``STAGE = 4``, ``get_stage(4)``, ``stages(4)``) only where that stage runs on every tag that
holds the module; else it asks for ``first_stage_here(n)`` (the behaviour holds at later
stages too), or it leaves the tags with the code it tests (``Stage.retires``).
"""

from __future__ import annotations

import ast
from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES, missing_paths

E2E = REPO_ROOT / "tests" / "e2e"
PINNING_CALLS = ("get_stage", "stages")


def pinned_stages(source: str) -> set[int]:
    """The stage numbers a module names as literals: ``STAGE = n``, ``get_stage(n)``,
    ``stages(n)``."""
    found: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "STAGE" for target in node.targets
        ):
            found |= _literal(node.value)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in PINNING_CALLS:
                found |= _literal(node.args[0])
    return found


def _literal(node: ast.expr) -> set[int]:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return {node.value}
    return set()


def test_the_literals_a_module_pins_are_found() -> None:
    source = (
        "STAGE = 4\n"
        "def test(stages):\n"
        "    stages(6)\n"
        "    manifest.get_stage(1).port_names\n"
        "    first_stage_here(3)\n"
        "    LATER = get_stage(number)\n"
    )
    assert pinned_stages(source) == {1, 4, 6}


def test_every_stage_an_e2e_module_pins_runs_on_this_checkout() -> None:
    by_number = {stage.number: stage for stage in STAGES}
    cannot_run = []
    for module in sorted(E2E.glob("test_*.py")):
        for number in sorted(pinned_stages(module.read_text())):
            stage = by_number.get(number)
            missing = missing_paths(stage) if stage else ["the manifest has no such stage"]
            if missing:
                path = Path(module).relative_to(REPO_ROOT)
                cannot_run.append(f"{path} pins stage {number}: {', '.join(missing)}")
    assert not cannot_run, (
        "e2e modules pin stages this checkout cannot run; ask for first_stage_here(n), or "
        "retire the module with the code it tests (Stage.retires):\n" + "\n".join(cannot_run)
    )
