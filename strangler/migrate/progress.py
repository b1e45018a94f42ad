"""A progress bar for long work: rows done, rows per second and time left, on stderr.

One redrawn line on a terminal and nothing otherwise is all the commands need; tqdm or rich
would add a runtime dependency to every service that installs the kit for these 40 lines.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class RowProgress:
    """Redraws one line per update on a terminal; prints nothing when not attached to one."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done, self.base = label, 0, 0, 0
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.enabled = self.stream.isatty()

    def start(self, total: int, done: int = 0) -> None:
        """``done`` rows were there before this run (a resumed copy): not counted in the rate."""
        self.total, self.done, self.base = total, done, done
        self.started = time.monotonic()

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return (self.done - self.base) / elapsed if elapsed > 0 else 0.0

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.enabled:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def line(self, width: int = 24) -> str:
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        bar = "#" * round(share * width)
        left = (self.total - self.done) / self.rate if self.rate and self.total else 0.0
        return (
            f"{self.label:<28} [{bar:<{width}}] {self.done:>10,}/{self.total:,} rows "
            f"{self.rate:>10,.0f} rows/s  {left:>5.0f} s left"
        )

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
