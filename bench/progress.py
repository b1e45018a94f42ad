"""The benchmark's progress lines: one ``[bench] ...`` line per step, flushed at once.

Every module of the benchmark reports through :func:`say`, so a long run shows what it is
doing (starting a target, warming up, measuring) as it happens.
"""

from __future__ import annotations


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)
