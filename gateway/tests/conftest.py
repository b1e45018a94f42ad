from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.tests.harness import Harness


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    """Processes started by a test; all stopped by pid when it ends, whatever happened."""
    running = Harness(tmp_path)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop of the test's own, for protocol objects driven by hand."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
