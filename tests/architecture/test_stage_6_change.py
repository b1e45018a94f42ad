"""Adding the analytics service (stage 6) changes no other service: the stage brings the
service, its manifest module, its route table, docs and tests; the only shared files it
touches are run and test configuration, through stage markers; nothing imports it."""

from __future__ import annotations

import ast
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES, get_stage
from strangler.stages.tags import cut_text, introduced_by

STAGE = get_stage(6)
BEFORE = STAGES[STAGES.index(STAGE) - 1]

# What stage 6 may bring: the service, its own stage files, docs, its tests.
MAY_INTRODUCE = (
    "extracted/analytics/",
    "strangler/stages/manifest/stage_6.py",
    "strangler/stages/tests/test_stage_6.py",
    "gateway/routes/stage-6.yaml",
    "docs/",
    "tests/architecture/test_stage_6_change.py",
    "tests/e2e/test_analytics.py",
)
# Files every stage shares, where stage 6 may add lines inside its markers: how to run, test,
# lint and deploy the services, and the docs. No service's code is among them.
MAY_REWRITE = (
    "Makefile",
    "README.md",
    "docker-compose.yml",
    "pyproject.toml",  # the import-linter contract
    "tests/e2e/conftest.py",  # the e2e runs' queues and database names
    "strangler/stages/tests/test_manifest.py",
    "docs/",
)


def stray_paths(
    introduces: Sequence[str], files: Mapping[str, str], before: int, number: int
) -> list[str]:
    """Paths outside the allow-lists that a stage introduces, or whose text it changes."""
    stray = [p for p in introduces if not introduced_by(p, MAY_INTRODUCE)]
    for path, text in files.items():
        if introduced_by(path, introduces):
            continue
        changed = cut_text(text, before, source=path) != cut_text(text, number, source=path)
        if changed and not introduced_by(path, MAY_REWRITE):
            stray.append(path)
    return stray


def _tracked_texts() -> dict[str, str]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    texts = {}
    for name in filter(None, names):
        path = REPO_ROOT / name
        if path.is_file():
            try:
                texts[name] = path.read_text()
            except UnicodeDecodeError:
                continue  # binary
    return texts


@pytest.mark.skipif(not (REPO_ROOT / ".git").exists(), reason="not a git checkout")
def test_stage_6_touches_only_analytics_its_stage_files_docs_and_run_configuration() -> None:
    stray = stray_paths(STAGE.introduces, _tracked_texts(), BEFORE.number, STAGE.number)

    assert not stray, f"stage 6 changes paths outside analytics and its stage files: {stray}"


def test_the_check_names_a_change_to_another_service() -> None:
    marked = "x = 1\ny = 2  # stage>=6\n"
    files = {"monolith/orders/services/checkout.py": marked, "Makefile": marked}

    stray = stray_paths(("extracted/analytics/", "monolith/orders/x.py"), files, 2, 6)

    assert stray == ["monolith/orders/x.py", "monolith/orders/services/checkout.py"]


def _without_analytics(table: dict[str, Any]) -> dict[str, Any]:
    table = {**table, "upstreams": dict(table["upstreams"])}
    table["upstreams"].pop("analytics")
    table["routes"] = [r for r in table["routes"] if r.get("upstream") != "analytics"]
    return table


def test_the_route_table_is_the_stage_befores_plus_the_analytics_route() -> None:
    assert STAGE.routes and BEFORE.routes
    ours = yaml.safe_load((REPO_ROOT / STAGE.routes).read_text())
    theirs = yaml.safe_load((REPO_ROOT / BEFORE.routes).read_text())

    assert [r for r in ours["routes"] if r.get("upstream") == "analytics"] == [
        {"name": "analytics", "prefix": "/api/v1/analytics", "auth": "required",
         "upstream": "analytics"}
    ]  # fmt: skip
    assert _without_analytics(ours) == theirs, (
        f"{STAGE.routes} must be {BEFORE.routes} plus the analytics upstream and route: "
        "carry the stage before's change over"
    )


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


def test_no_code_outside_the_service_imports_it() -> None:
    service = REPO_ROOT / "extracted" / "analytics"
    offenders = [
        path.relative_to(REPO_ROOT).as_posix()
        for top in ("monolith", "gateway", "strangler", "extracted", "tests", "bench")
        if (REPO_ROOT / top).is_dir()
        for path in (REPO_ROOT / top).rglob("*.py")
        if service not in path.parents
        and any(m == "extracted.analytics" or m.startswith("extracted.analytics.")
                for m in _imports(path))
    ]  # fmt: skip

    assert not offenders
