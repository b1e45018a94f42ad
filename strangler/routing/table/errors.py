"""The one error a route table raises: every problem found, each named by route and field.

The parser collects problems instead of stopping at the first, so :class:`RouteTableError`
carries them all (``problems``) and lists them in its message.
"""

from __future__ import annotations

from collections.abc import Sequence


class RouteTableError(ValueError):
    """The table is not valid; ``problems`` lists each one, the message lists them all."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"route table {source}: {len(problems)} problem(s):\n{listing}")
