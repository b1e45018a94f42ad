"""No test skips because a part is "not written", "not landed" or "not runnable" yet.

Such guards outlive the part they waited for and then turn real breakage into a skip: the
stage that adds a part adds its tests, so a test never waits for its code. Every skip call in
test code (``pytest.skip``, ``pytest.mark.skipif``, ``pytest.importorskip``, ``xfail``, ...)
is read with the functions and module-level names it uses, and refused if the text mentions
one of those phrases.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT

# "not written yet", "not_landed", "not _handlers_landed()", and the runnable-stage machinery
STALE = re.compile(
    r"\bnot[\s_]+(?:yet[\s_]+)?[\w.]*?(?:written|landed|runnable)\b|runnable_stages|missing_paths",
    re.IGNORECASE,
)
SKIPS = {"skip", "skipif", "importorskip", "xfail"}
NOT_SOURCE = {".venv", ".git", "var", "node_modules", "build", "dist", ".mypy_cache"}


def _is_test_code(path: Path) -> bool:
    return "tests" in path.parts or path.name.startswith("test_") or path.name == "conftest.py"


def code_of_the_tests(root: Path) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in NOT_SOURCE)
        for name in sorted(files):
            path = Path(folder, name)
            if name.endswith(".py") and _is_test_code(path.relative_to(root)):
                yield path


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _names_in(node: ast.AST) -> set[str]:
    """The identifiers ``node`` uses (names and attributes, not the words of its strings)."""
    return {
        n.id if isinstance(n, ast.Name) else n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Name | ast.Attribute)
    }


def _helpers(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """Each function of the module and each value assigned anywhere in it to a name or an
    attribute: what a skip call may take its condition or reason from."""
    helpers: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            helpers.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = getattr(target, "id", None) or getattr(target, "attr", None)
                if name is not None:
                    helpers.setdefault(name, []).append(node.value)
    return helpers


def stale_skips(source: str) -> list[str]:
    """The skip calls of ``source`` whose text, or what it takes from the module (functions,
    names, attributes, followed transitively), names a part that is not written, landed or
    runnable yet: ``line N: <the call>``."""
    tree = ast.parse(source)
    helpers = _helpers(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _called_name(node) in SKIPS):
            continue
        reached: list[ast.AST] = [node]
        seen: set[str] = set()
        while names := (set().union(*map(_names_in, reached)) & helpers.keys()) - seen:
            seen |= names
            reached += [helper for name in names for helper in helpers[name]]
        text = "\n".join(ast.get_source_segment(source, part) or "" for part in reached)
        if STALE.search(text):
            call = ast.get_source_segment(source, node) or ""
            found.append(f"line {node.lineno}: {call.splitlines()[0]}")
    return found


def test_no_skip_waits_for_a_part_that_is_not_written_landed_or_runnable() -> None:
    offences = {
        str(path.relative_to(REPO_ROOT)): stale
        for path in code_of_the_tests(REPO_ROOT)
        if (stale := stale_skips(path.read_text()))
    }

    assert offences == {}, "a skip that can only hide breakage; let the test fail instead"


@pytest.mark.parametrize(
    "source",
    [
        'pytest.skip("the stage-1 handlers are not written yet")',
        'pytestmark = pytest.mark.skipif(not ok(), reason="stage 1 is not runnable here")',
        '@pytest.mark.skipif(not _there(), reason="why")\ndef test_x(): ...\n'
        'def _there():\n    return "not landed" != ""\n',
        'REASON = "gateway not_written"\ndef test_x():\n    pytest.skip(REASON)\n',
        'def _missing():\n    return "not yet written"\ndef test_x():\n    skip(_missing())\n',
        'def _gone():\n    return "the gateway is not written yet"\n'
        "def world():\n    w.why = _gone()\n    if w.why:\n        pytest.skip(w.why)\n",
        "pytestmark = pytest.mark.skipif(6 not in {s.number for s in runnable_stages()})",
    ],
)
def test_a_skip_naming_a_part_that_is_not_there_yet_is_found(source: str) -> None:
    assert stale_skips(source)


@pytest.mark.parametrize(
    "source",
    [
        'pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")',
        '@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool missing")\n'
        "def test_x(): ...\n",
        'def test_x():\n    assert "not runnable yet" in show_stage()\n',  # not a skip
    ],
)
def test_a_skip_for_a_missing_tool_or_plain_text_is_not_found(source: str) -> None:
    assert stale_skips(source) == []
