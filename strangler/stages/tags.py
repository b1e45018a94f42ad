"""Placeholder: the tag command lands in the next commit."""

from __future__ import annotations


def main(*, rev: str, dry_run: bool, force: bool) -> int:
    raise SystemExit("stage tag: not built yet")
