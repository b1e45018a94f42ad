"""Stages add and retire whole files; a shared file discovers what exists. The few stage
markers left (lines the tag command cuts per stage) are counted here, each file with its reason,
so a new one is a decision, not a habit."""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.tags import BLOCK, LINE

MOST = 20
# The files allowed to keep markers, and why discovery does not work for them.
REASONS = {
    "pyproject.toml": (
        "import-linter refuses a root package or a contract module that is not there: the "
        "gateway's package and contracts exist from stage 1"
    ),
}


def markers_in(text: str) -> int:
    """The lines the tag command acts on: a block's opening or closing line, or a line that
    exists from a stage on."""
    return sum(1 for line in text.splitlines() if BLOCK.match(line) or LINE.search(line))


def marked_files() -> Counter[str]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    found: Counter[str] = Counter()
    for name in filter(None, names):
        try:
            count = markers_in((REPO_ROOT / name).read_text())
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        if count:
            found[name] = count
    return found


@pytest.mark.skipif(not (REPO_ROOT / ".git").exists(), reason="not a git checkout")
def test_few_stage_markers_are_left_each_in_a_file_with_a_reason() -> None:
    found = marked_files()

    unexplained = sorted(set(found) - set(REASONS))
    assert not unexplained, f"stage markers in files with no stated reason: {unexplained}"
    assert sum(found.values()) < MOST, f"{sum(found.values())} stage markers: {dict(found)}"


def test_a_marker_is_a_line_the_tag_command_acts_on() -> None:
    text = (
        "# >>> stage 2\n"
        "x = 1\n"
        "# <<< stage 2\n"
        "y = 2  # stage>=1\n"
        "see `# stage>=N` in the docs\n"  # prose about markers is not one
        '    marked = "y = 2  # stage>=6\\n"\n'  # nor is a test's sample text
    )
    assert markers_in(text) == 3
