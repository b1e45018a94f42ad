"""The stage docs stay true: every stage has its section in the architecture page.

(That every path and test the concept map cites exists is checked by
``tests/architecture/test_docs_cite_real_code.py``.)"""

from __future__ import annotations

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES


def test_every_stage_has_its_section_in_the_architecture_page() -> None:
    page = (REPO_ROOT / "docs" / "architecture.md").read_text()
    for stage in STAGES:
        assert f"## Stage {stage.number}:" in page, f"no section for stage {stage.number}"
        assert f"(`{stage.tag}`)" in page
