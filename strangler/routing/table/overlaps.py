"""Routes that can never be reached, or that compete: the shadow and overlap checks.

Routes with the same key (the same prefix or path shape) are compared in file order: a later
route is *shadowed* when an earlier one without a ``match`` takes every method it takes, and
*overlaps* when both have the same ``match`` and share a method. Each later route is reported
once, against the first earlier route it conflicts with.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from strangler.routing.model import Route


def route_conflicts(routes: Sequence[Route]) -> Iterator[tuple[Route, str]]:
    """(later route, why) for each route an earlier one shadows or overlaps, in file order."""
    by_key: dict[str, list[Route]] = {}
    for route in routes:
        by_key.setdefault(route.key, []).append(route)
    for group in by_key.values():
        for later_position, later in enumerate(group):
            for earlier in group[:later_position]:
                trouble = _conflict(earlier, later)
                if trouble:
                    yield later, trouble
                    break


def _covers(methods: frozenset[str] | None, others: frozenset[str] | None) -> bool:
    return methods is None or (others is not None and others <= methods)


def _overlap(methods: frozenset[str] | None, others: frozenset[str] | None) -> bool:
    return methods is None or others is None or bool(methods & others)


def _conflict(earlier: Route, later: Route) -> str | None:
    where = earlier.prefix if earlier.prefix is not None else earlier.path and earlier.path.text
    if earlier.match is None and _covers(earlier.methods, later.methods):
        return f"shadowed by route {earlier.name} ({where}, earlier, no match, same methods)"
    if earlier.match == later.match and _overlap(earlier.methods, later.methods):
        return f"overlaps route {earlier.name} ({where}, same match, overlapping methods)"
    return None
