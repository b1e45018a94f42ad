"""What the architecture tests share: a copy of the code to break a contract in."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.testing import copy_code


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    return copy_code(REPO_ROOT, tmp_path)
