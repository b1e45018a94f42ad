"""The stage docs stay true: every test the concept map names exists, every stage has its
section in the architecture page."""

from __future__ import annotations

import re

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES

CONCEPTS = (REPO_ROOT / "docs" / "concepts.md").read_text()
TEST_REFERENCE = re.compile(r"`([\w/.-]+\.py)::(test_\w+)`|`::(test_\w+)`")


def _named_tests() -> list[tuple[str, str]]:
    named, current = [], ""
    for match in TEST_REFERENCE.finditer(CONCEPTS):
        if match.group(1):
            current = match.group(1)
            named.append((current, match.group(2)))
        else:  # `::test_x` right after a `file::test` names another test of that file
            named.append((current, match.group(3)))
    return named


@pytest.mark.parametrize(("path", "test"), _named_tests())
def test_every_test_the_concept_map_names_exists(path: str, test: str) -> None:
    source = REPO_ROOT / path
    assert source.is_file(), f"docs/concepts.md names {path}, which is not in the checkout"
    assert f"def {test}(" in source.read_text(), f"docs/concepts.md names {path}::{test}"


def test_every_stage_has_its_section_in_the_architecture_page() -> None:
    page = (REPO_ROOT / "docs" / "architecture.md").read_text()
    for stage in STAGES:
        assert f"## Stage {stage.number}:" in page, f"no section for stage {stage.number}"
        assert f"(`{stage.tag}`)" in page
