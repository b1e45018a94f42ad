"""The concept map cites only real code: every path and every test docs/concepts.md names exists.

A citation is a code span: a repository path (``monolith/orders/ports.py``,
``strangler/routing/table/``) or a test (``file::test``, ``file::Class::test``, with an optional
``[parameter id]``). ``::test`` alone names another test of the file cited last. Spans that
start with ``/`` (URL paths) or hold anything but path characters (commands, placeholders such
as ``stage_N.py`` without a folder) are not paths. A row names the stage that made it real in
its first cell, ``(stage 2)``; on an earlier stage's tag that stage's code is not there yet, so
only the rows of the stages the manifest holds are checked (on main: every row). A row whose code
a later stage retires says until when it holds, ``(stages 0 to 3)`` or ``(stage 3 only)``: that
later stage's tag leaves it out too.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES, retired_here
from strangler.stages.manifest.model import Stage
from strangler.stages.tags import introduced_by

CONCEPTS = REPO_ROOT / "docs" / "concepts.md"
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)*/?")
ROW_STAGE = re.compile(r"\(stages? (\d+)(?: to (\d+)|( only))?")
TEST = re.compile(r"(?P<file>[\w.-]+(?:/[\w.-]+)*\.py)?::(?P<name>\w+(?:::\w+)*)(?:\[[^\]]*\])?")


@dataclass(frozen=True)
class Citation:
    path: str
    test: str = ""  # "test_x" or "Class::test_x"; empty for a plain path

    def __str__(self) -> str:
        return f"{self.path}::{self.test}" if self.test else self.path


def citations(markdown: str) -> list[Citation]:
    """Every path and test the page cites, in page order."""
    found: list[Citation] = []
    last_file = ""
    for span in CODE_SPAN.findall(markdown):
        test = TEST.fullmatch(span)
        if test:
            last_file = test["file"] or last_file
            if not last_file:
                raise ValueError(f"`{span}` names a test before any file")
            found.append(Citation(last_file, test["name"]))
        elif "/" in span and PATH.fullmatch(span):
            found.append(Citation(span))
    return found


def rows_for(markdown: str, stages: set[int]) -> str:
    """The page with only the table rows that hold at one of ``stages``: a row's first cell
    says from which stage (none: stage 0) and, for code a later stage retires, until which
    (``(stages 0 to 3)``, ``(stage 3 only)``)."""
    kept = []
    for line in markdown.splitlines(keepends=True):
        first_cell = line.split("|")[1] if line.startswith("|") else ""
        found = ROW_STAGE.search(first_cell)
        start = int(found.group(1)) if found else 0
        if found and (found.group(2) or found.group(3)):
            end = int(found.group(2) or start)
        else:
            end = max(stages, default=0)
        if any(start <= stage <= end for stage in stages) or not line.startswith("|"):
            kept.append(line)
    return "".join(kept)


def stages_on_the_tag_of(stage: Stage) -> set[int]:
    """The stages whose code the tag of ``stage`` holds: up to it, but for those whose code a
    stage up to it retired."""
    return {
        earlier.number
        for earlier in STAGES
        if earlier.number <= stage.number
        and not any(s.retires for s in STAGES if earlier.number < s.number <= stage.number)
    }


def present_rows() -> str:
    """The rows of the stages this checkout holds the code of (on main: every stage)."""
    here = {stage.number for stage in STAGES if not retired_here(stage)}
    return rows_for(CONCEPTS.read_text(), here)


def functions_defined_in(source: Path) -> set[str]:
    """The test functions of a module: ``name`` at the top level, ``Class::name`` in classes."""
    names: set[str] = set()

    def collect(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(prefix + node.name)
            elif isinstance(node, ast.ClassDef):
                collect(node.body, f"{prefix}{node.name}::")

    collect(ast.parse(source.read_text(), filename=str(source)).body, "")
    return names


def missing(citation: Citation, root: Path) -> str | None:
    """Why the citation is not in the checkout under ``root``, or None when it is."""
    target = root / citation.path
    if not target.exists():
        return f"{citation.path} is not in the checkout"
    if citation.path.endswith("/") and not target.is_dir():
        return f"{citation.path} is not a folder"
    if citation.test and citation.test not in functions_defined_in(target):
        return f"{citation.path} defines no {citation.test}"
    return None


@pytest.mark.parametrize("citation", dict.fromkeys(citations(present_rows())), ids=str)
def test_every_path_and_test_the_concept_map_cites_exists(citation: Citation) -> None:
    assert missing(citation, REPO_ROOT) is None, f"docs/concepts.md: {missing(citation, REPO_ROOT)}"


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: f"stage-{stage.number}")
def test_each_stage_s_rows_cite_only_what_its_tag_holds(stage: Stage) -> None:
    """What each tag's own run of the test above will find, found here on main: a row of an
    earlier stage that cites a later stage's file fails only on that earlier tag."""
    later = [path for s in STAGES if s.number > stage.number for path in s.introduces]
    retired = [path for s in STAGES if s.number <= stage.number for path in s.retires]
    cited = citations(rows_for(CONCEPTS.read_text(), stages_on_the_tag_of(stage)))
    lacking = [str(c) for c in dict.fromkeys(cited) if introduced_by(c.path, [*later, *retired])]
    assert not lacking, f"docs/concepts.md: rows of stage {stage.number} or before cite {lacking}"


def test_the_concept_map_cites_code_at_all() -> None:
    cited = citations(present_rows())
    assert any(c.test for c in cited) and any(not c.test for c in cited)


def test_a_missing_file_folder_or_test_is_named(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "test_it.py").write_text(
        "def test_here():\n    pass\n\n\nclass TestGroup:\n    async def test_inside(self):\n"
        "        pass\n"
    )
    page = (
        "| a | `pkg/test_it.py::test_here`, `::TestGroup::test_inside`, `::test_gone[case-1]` |\n"
        "| b | `pkg/`, `pkg/gone.py`, `pkg/test_it.py/`, `::test_here` |\n"
        "| not paths | `/health/live`, `python -m strangler stage up`, `filesystem://` |\n"
    )

    problems = {str(c): missing(c, tmp_path) for c in citations(page)}

    assert problems == {
        "pkg/test_it.py::test_here": None,
        "pkg/test_it.py::TestGroup::test_inside": None,
        "pkg/test_it.py::test_gone": "pkg/test_it.py defines no test_gone",
        "pkg/": None,
        "pkg/gone.py": "pkg/gone.py is not in the checkout",
        "pkg/test_it.py/": "pkg/test_it.py/ is not a folder",
    }


def test_rows_of_stages_after_the_checkouts_last_are_not_checked() -> None:
    page = (
        "| a in process | `monolith/a.py` |\n"
        "| b at the gateway (stage 1) | `gateway/b.py` |\n"
        "| c by events (stage 2; before it, nothing) | `strangler/c.py` |\n"
    )

    assert [c.path for c in citations(rows_for(page, {0, 1}))] == [
        "monolith/a.py",
        "gateway/b.py",
    ]
    assert len(citations(rows_for(page, {0, 1, 2}))) == 3


def test_a_row_until_a_stage_is_left_out_where_only_later_stages_run() -> None:
    page = (
        "| a in process (stages 0 to 3) | `monolith/a.py` |\n"
        "| a over HTTP (stage 4) | `extracted/a/` |\n"
        "| b everywhere | `strangler/b.py` |\n"
        "| c's cut-over (stage 3 only) | `tests/c.py` |\n"
    )

    assert [c.path for c in citations(rows_for(page, {4}))] == ["extracted/a/", "strangler/b.py"]
    assert [c.path for c in citations(rows_for(page, {2, 3}))] == [
        "monolith/a.py",
        "strangler/b.py",
        "tests/c.py",
    ]
    assert [c.path for c in citations(rows_for(page, {2}))] == ["monolith/a.py", "strangler/b.py"]
    assert len(citations(rows_for(page, set(range(7))))) == 4
